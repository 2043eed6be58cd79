"""The one place that talks to WeasyPrint: HTML in, PDF bytes out, with nothing fetched from outside.

Only data: URIs (embedded charts and images) may be loaded; file: and network addresses are refused, so a
user-written text can never make the server read its own files or call out.
"""
from __future__ import annotations


def render(html: str) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"}, timeout=1, allow_redirects=False)
    return HTML(string=html, url_fetcher=fetcher).write_pdf()
