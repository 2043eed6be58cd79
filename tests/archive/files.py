"""Small files of each accepted format, made by the tests with the libraries that write them."""
from __future__ import annotations

import io


def pdf_with_text(text: str) -> bytes:
    from qms import pdf

    return pdf.render(f'<html lang="zh-Hant" style="font-family: \'Noto Sans CJK TC\'"><body><p>{text}</p>'
                      '</body></html>')


def pdf_without_text() -> bytes:
    """A page with nothing to extract, as a scanned page is to a text extractor."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_with_text(text: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("標題", level=1)
    document.add_paragraph(text)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "表格內的門牌整編"
    table.rows[0].cells[1].text = "cell text"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def odt_with_text(text: str) -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text="標題"))
    document.text.addElement(P(text=text))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
