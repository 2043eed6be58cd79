"""The quality team uploads a PDF to a publication and finds it by a Chinese word from its body; visitors
browse the public catalogue."""
import pytest

from tests.archive import files
from tests.browser.test_roles import sign_in

pytestmark = pytest.mark.browser


def test_upload_a_pdf_and_find_it_by_a_chinese_word(page, live_server, check_a11y, tmp_path):
    pdf = tmp_path / "戶籍研究.pdf"
    pdf.write_bytes(files.pdf_with_text("本研究訪談外籍配偶，整理歸化面談常見的疑慮與建議。"))
    sign_in(page, live_server, "quality")
    page.get_by_role("link", name="出版品", exact=True).click()
    check_a11y(page)
    page.get_by_role("link", name="新增出版品").click()
    page.get_by_label("標題", exact=True).fill("新住民歸化面談研究")
    page.get_by_label("類型").select_option(label="研究報告")
    page.get_by_label("年份（西元）").fill("2015")
    page.get_by_label("ISBN").fill("978-986-02-7092-2")
    page.get_by_role("button", name="儲存").click()
    assert page.get_by_text("此 ISBN 的檢查碼不正確").is_visible()  # beside the field, nothing saved
    check_a11y(page)
    page.get_by_label("ISBN").fill("")
    page.get_by_role("button", name="儲存").click()
    assert page.get_by_role("heading", name="新住民歸化面談研究").is_visible()

    page.get_by_label("檔案（PDF、DOCX、ODT、TXT 或 HTML）").set_input_files(str(pdf))
    page.get_by_role("button", name="上傳").click()
    assert page.get_by_text("內文可供搜尋").first.is_visible()
    check_a11y(page)

    page.get_by_label("搜尋 QMS 全部資料").fill("面談")  # a word only in the PDF's body
    page.get_by_label("搜尋 QMS 全部資料").press("Enter")
    hit = page.get_by_role("link", name="新住民歸化面談研究")
    assert hit.is_visible()
    assert page.locator(".qms-snippet mark", has_text="面談").first.is_visible()
    check_a11y(page)
    page.get_by_role("navigation").get_by_role("link", name="出版品", exact=True).click()
    page.get_by_label("搜尋出版品").fill("面谈")  # Simplified finds Traditional
    page.get_by_role("button", name="搜尋", exact=True).click()
    assert page.get_by_role("link", name="新住民歸化面談研究").is_visible()


def test_visitors_browse_the_public_catalogue(page, live_server, check_a11y):
    page.goto(f"{live_server}/library/")
    assert page.get_by_role("link", name="姓名學迷失輔正之研究").is_visible()
    assert page.get_by_role("link", name="戶籍登錄須知流程及法規要覽").count() == 0  # internal
    check_a11y(page)
    page.get_by_role("link", name="姓名學迷失輔正之研究").click()
    assert page.get_by_text("978-986-02-7092-1").is_visible()
    assert page.get_by_role("link", name="name-study-summary.txt").is_visible()
    check_a11y(page)
