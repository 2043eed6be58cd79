"""Text that reaches a PDF's stylesheet (the running header) is never markup."""
from __future__ import annotations

import io

from pypdf import PdfReader

from qms import pdf

HOSTILE_TITLE = 'x</style><h1>INJECTED</h1>'


def test_css_string_escapes_everything_that_could_end_a_sheet_or_a_string():
    literal = pdf.css_string('a"b\\c</style>&\x00\u2028\nd')
    assert literal.startswith('"') and literal.endswith('"')
    inner = literal[1:-1]
    assert not set(inner) & set('"\\<>&\x00\u2028\n') - {"\\"}
    assert inner.count("\\") == 7  # " \ < > & NUL U+2028 escaped; the newline became a space
    assert pdf.css_string("戶政事務所 Luzhu") == '"戶政事務所 Luzhu"'


def test_a_hostile_title_prints_as_text_in_the_running_header(app):
    with app.test_request_context():
        css = pdf.page_css("桃園市蘆竹區戶政事務所", HOSTILE_TITLE)
        assert "<" not in css and ">" not in css
        html = f"<!doctype html><html lang='zh-Hant-TW'><head><style>{css}</style></head><body><p>本文</p></body>"
        text = PdfReader(io.BytesIO(pdf.render(html))).pages[0].extract_text()
    assert HOSTILE_TITLE in text  # the header shows the title as typed; no heading was injected
