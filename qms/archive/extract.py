"""Text out of a publication's file, one maintained library per format: pypdf (PDF), python-docx (DOCX),
odfpy (ODT), charset-normalizer (plain text in any encoding) and Beautiful Soup (HTML).

A file whose text cannot be read (a scanned PDF, a damaged document) gives "" and is kept, marked no text.
"""
from __future__ import annotations

import io
import logging
import re

from qms.uploads import decode_text

log = logging.getLogger(__name__)
MAX_CHARS = 2_000_000  # a 1,000-page book; beyond this the rest is not indexed
MIN_CHARS = 20  # fewer word characters than this: a scan with a stray header, not text


def _pdf(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        reader.decrypt("")
    parts, size = [], 0
    for page in reader.pages:
        text = page.extract_text() or ""
        parts.append(text)
        size += len(text)
        if size > MAX_CHARS:
            break
    return "\n".join(parts)


def _docx(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def _odt(data: bytes) -> str:
    from odf import teletype
    from odf.namespaces import TEXTNS
    from odf.opendocument import load

    blocks = {(TEXTNS, "p"), (TEXTNS, "h")}
    parts: list[str] = []

    def walk(node):  # paragraphs and headings in document order (tables and lists hold paragraphs too)
        for child in node.childNodes:
            if getattr(child, "qname", None) in blocks:
                parts.append(teletype.extractText(child))
            else:
                walk(child)

    walk(load(io.BytesIO(data)).text)
    return "\n".join(parts)


def _txt(data: bytes) -> str:
    return decode_text(data) or ""


def _html(data: bytes) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(decode_text(data) or "", "html.parser")
    for element in soup(["script", "style", "noscript", "template"]):
        element.decompose()
    return soup.get_text("\n")


EXTRACTORS = {"pdf": _pdf, "docx": _docx, "odt": _odt, "txt": _txt, "html": _html}


def extract_text(data: bytes, kind: str) -> str:
    """The file's text with runs of blank space collapsed, or "" when there is none to be had."""
    extractor = EXTRACTORS.get(kind)
    if extractor is None:
        return ""
    try:
        text = extractor(data)
    except Exception as error:  # every parser raises its own errors on damaged files; the file is kept anyway
        log.info("no text from a %s file: %s", kind, error)
        return ""
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r"\n\s*\n+", "\n\n", text).strip()[:MAX_CHARS]
    return text if len(re.findall(r"[^\W_]", text)) >= MIN_CHARS else ""
