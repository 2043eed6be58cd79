"""The one place that talks to WeasyPrint: HTML in, PDF out, fetching only the app's own files.

Templates address resources through two internal schemes: `qms-static:<path>` (a file of the app's static
folder) and `qms-evidence:<id>` (the stored image of an evidence row). data: URIs (charts) are allowed too.
file:, http(s): and every other scheme are refused, so a user-written text can never make the server read
its own files or call out.
"""
from __future__ import annotations

import string
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

STATIC_SCHEME = "qms-static:"
EVIDENCE_SCHEME = "qms-evidence:"
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
# Tagged PDF (PDF/UA-1): a structure tree, /MarkInfo and the document title and language, for screen readers.
PDF_VARIANT = "pdf/ua-1"
STATIC_TYPES = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
                ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp"}


_CSS_SAFE = frozenset(string.ascii_letters + string.digits + " !#$%()*+,-./:;=?@[]^_`{|}~")


def css_string(text: str) -> str:
    """A CSS string literal (for generated content such as the running header) that is never markup: quotes,
    backslashes, `<`, `>`, `&` and control characters become CSS escapes, so `</style>` cannot end the sheet."""
    escaped = "".join(char if char in _CSS_SAFE or (ord(char) > 0x9F and char not in "\u2028\u2029")
                      else " " if char in "\r\n\t" else f"\\{ord(char):06x}"
                      for char in (text or ""))
    return f'"{escaped}"'


def page_css(organization_name: str, award: str) -> str:
    """The running header and "page X of Y" footer, in the dossier's language (only WeasyPrint reads it)."""
    page_of = _("Page %(page)s of %(pages)s", page="\u0001", pages="\u0002")
    before, _sep, rest = page_of.partition("\u0001")
    middle, _sep, after = rest.partition("\u0002")
    footer = f'{css_string(before)} counter(page) {css_string(middle)} counter(pages) {css_string(after)}'
    return ("@page { @top-left { content: %s; } @top-right { content: %s; } @bottom-center { content: %s; } }"
            % (css_string(organization_name), css_string(award), footer))


class FetchRefused(ValueError):
    """A URL the PDF may not load."""


def static_url(path: str) -> str:
    """The address of a static file inside a PDF template."""
    return STATIC_SCHEME + path.lstrip("/")


def evidence_url(evidence_id: int) -> str:
    return f"{EVIDENCE_SCHEME}{evidence_id}"


def resolve(url: str) -> tuple[bytes, str]:
    """(content, content type) of an allowed internal URL; FetchRefused for anything else.

    Needs an application context (static folder, database and upload folder).
    """
    if url.startswith(STATIC_SCHEME):
        return _static(url[len(STATIC_SCHEME):])
    if url.startswith(EVIDENCE_SCHEME):
        return _evidence_image(url[len(EVIDENCE_SCHEME):])
    raise FetchRefused(f"refused: {url[:80]}")


def _static(relative: str) -> tuple[bytes, str]:
    root = Path(current_app.static_folder).resolve()
    relative = relative.split("?", 1)[0].split("#", 1)[0]
    if not relative or "\\" in relative or "\x00" in relative:
        raise FetchRefused("refused: bad static path")
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():  # no ../ nor symlinks out of the static folder
        raise FetchRefused(f"refused: no static file {relative[:80]}")
    content_type = STATIC_TYPES.get(path.suffix.lower())
    if content_type is None:
        raise FetchRefused(f"refused: static file type {path.suffix}")
    return path.read_bytes(), content_type


def _evidence_image(raw_id: str) -> tuple[bytes, str]:
    from qms import uploads
    from qms.evidence.models import Evidence, EvidenceKind
    from qms.extensions import db

    if not raw_id.isdigit():
        raise FetchRefused("refused: bad evidence id")
    evidence = db.session.get(Evidence, int(raw_id))
    if evidence is None or evidence.kind != EvidenceKind.FILE or evidence.content_type not in IMAGE_TYPES:
        raise FetchRefused(f"refused: evidence {raw_id} is not a stored image")
    try:
        return uploads.read(evidence.stored_name), evidence.content_type
    except OSError:
        raise FetchRefused(f"refused: evidence {raw_id} has no file") from None


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class QMSURLFetcher(URLFetcher):
        """Serves data:, qms-static: and qms-evidence: URLs; raises on every other URL."""

        def __init__(self):
            super().__init__(allowed_protocols={"data"}, timeout=1, allow_redirects=False)

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            content, content_type = resolve(url)
            return URLFetcherResponse(url, content, {"Content-Type": content_type})

    return QMSURLFetcher


def url_fetcher():
    """A fresh WeasyPrint URL fetcher bound to the rules above."""
    return _fetcher_class()()


@dataclass
class Rendered:
    """A laid-out PDF: its bytes, page count and the page (1-based) on which each anchor starts."""

    pdf: bytes
    page_count: int
    anchor_pages: dict[str, int] = field(default_factory=dict)


def _html(html: str):
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=url_fetcher(), base_url=None)


def _stylesheets(extra_css: str | None):
    if not extra_css:
        return None
    from weasyprint import CSS

    return [CSS(string=extra_css, url_fetcher=url_fetcher())]


def render(html: str, extra_css: str | None = None) -> bytes:
    """A short PDF (a drill report, an initiative) from a complete HTML document."""
    return _html(html).write_pdf(stylesheets=_stylesheets(extra_css), pdf_variant=PDF_VARIANT)


def render_document(html: str, extra_css: str | None = None, on_layout_done=None) -> Rendered:
    """Lay out, note where each anchor landed, then write: what a long document (the dossier) needs."""
    document = _html(html).render(stylesheets=_stylesheets(extra_css), pdf_variant=PDF_VARIANT)
    anchor_pages = {}
    for number, page in enumerate(document.pages, start=1):
        for anchor in page.anchors:
            anchor_pages.setdefault(anchor, number)
    if on_layout_done is not None:
        on_layout_done(len(document.pages))
    return Rendered(pdf=document.write_pdf(pdf_variant=PDF_VARIANT), page_count=len(document.pages),
                    anchor_pages=anchor_pages)
