"""Text extraction from each accepted format, and the content check that goes with the upload."""
import pytest

from qms import uploads
from qms.archive.extract import extract_text
from qms.core.services import ServiceError
from tests.archive import files

BODY = "本所辦理戶籍登記與國民身分證換發，服務品質持續提升。Household registration service."


def test_pdf(app):
    text = extract_text(files.pdf_with_text(BODY), "pdf")
    assert "戶籍登記" in text and "身分證" in text and "Household" in text


def test_docx_paragraphs_and_tables(app):
    text = extract_text(files.docx_with_text(BODY), "docx")
    assert "戶籍登記" in text and "表格內的門牌整編" in text


def test_odt(app):
    text = extract_text(files.odt_with_text(BODY), "odt")
    assert text.startswith("標題") and "戶籍登記" in text


def test_txt_in_big5_and_utf8(app):
    assert "戶籍登記" in extract_text(BODY.encode("big5", errors="ignore"), "txt")
    assert "戶籍登記" in extract_text(BODY.encode("utf-8"), "txt")


def test_html_without_scripts(app):
    html = f"<html><body><script>var secret='不該出現';</script><p>{BODY}</p></body></html>".encode()
    text = extract_text(html, "html")
    assert "戶籍登記" in text and "不該出現" not in text


def test_a_scan_or_a_damaged_file_gives_no_text(app):
    assert extract_text(files.pdf_without_text(), "pdf") == ""
    assert extract_text(b"%PDF-1.4 broken", "pdf") == ""


@pytest.mark.parametrize("name,data", [
    ("fake.pdf", b"just text pretending"),
    ("fake.docx", b"%PDF-1.4\n"),
    ("binary.txt", b"\x00\x01\x02\x03" * 10),
    ("plain.html", "只是文字，沒有標籤".encode()),
    ("script.exe", b"MZ\x90\x00"),
])
def test_uploads_are_checked_by_content(app, name, data):
    from qms.archive.services import FILE_TYPES

    with pytest.raises(ServiceError):
        uploads.check(data, name, FILE_TYPES)
