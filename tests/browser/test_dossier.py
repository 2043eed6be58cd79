"""Leadership opens the demo dossier, previews it, generates the PDF and downloads it."""
import pytest

from tests.browser.test_roles import sign_in

pytestmark = pytest.mark.browser


def test_leader_generates_and_downloads_the_demo_dossier(page, live_server, check_a11y):
    sign_in(page, live_server, "leader")
    page.get_by_role("link", name="參獎資料", exact=True).first.click()
    check_a11y(page)
    page.get_by_role("link", name="政府服務品質獎參獎資料（第一線服務機關）").click()
    check_a11y(page)
    page.get_by_role("link", name="設定、章節與首長序言").click()
    assert page.get_by_role("textbox", name="首長序言").input_value().startswith("蘆竹區戶政事務所")
    check_a11y(page)
    page.go_back()
    page.get_by_role("link", name="在瀏覽器預覽").click()
    assert page.get_by_role("heading", name="首長序言").is_visible()
    check_a11y(page)
    page.go_back()
    page.get_by_role("button", name="產製 PDF").click()
    assert page.get_by_role("cell", name="已完成").first.is_visible() or page.get_by_text("已完成").first.is_visible()
    check_a11y(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下載 第 1 版").click()
    download = download_info.value
    assert download.suggested_filename == "dossier-2015-v1.pdf"
    with open(download.path(), "rb") as fh:
        assert fh.read(5) == b"%PDF-"


def test_staff_have_no_dossier_link(page, live_server):
    sign_in(page, live_server, "staff")
    assert page.get_by_role("link", name="參獎資料", exact=True).count() == 0
