"""The quality team imports the demo round's responses through the pages and sees the radar chart."""
import os
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from qms import spreadsheets
from qms.surveys import definition_files
from qms.surveys.demo import demo_table
from tests.browser.test_roles import sign_in

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("QMS_SCREENSHOTS", "/tmp/qms-shots")
Path(SHOTS).mkdir(parents=True, exist_ok=True)


def demo_csv(tmp_path):
    spec = definition_files.parse(definition_files.shipped_files()[0].read_text(encoding="utf-8"))
    questions = [SimpleNamespace(code=q.code, kind=SimpleNamespace(value=q.kind), reverse=q.reverse, position=i)
                 for i, q in enumerate(spec.questions)]
    path = tmp_path / "round-2014.csv"
    path.write_bytes(spreadsheets.write(demo_table(SimpleNamespace(questions=questions, scale_points=5)), "csv"))
    return path


def test_import_the_demo_round_and_see_the_radar(page, live_server, check_a11y, tmp_path):
    sign_in(page, live_server, "quality")
    page.get_by_role("link", name="滿意度調查", exact=True).click()
    check_a11y(page)
    page.get_by_role("link", name="新增調查期次").first.click()
    page.get_by_label("調查期次").fill("103年1–8月（重新匯入）")
    page.get_by_label("發出份數").fill("2032")
    page.get_by_label("回收份數").fill("1786")
    page.get_by_label("報告中刊載的抽樣誤差（%）").fill("2.0")
    page.get_by_role("button", name="儲存").click()
    page.get_by_label("問卷資料（XLSX、ODS 或 CSV）").set_input_files(str(demo_csv(tmp_path)))
    page.get_by_role("button", name="下一步：對應欄位").click()
    assert page.get_by_label(re.compile("^A1 ")).input_value() != ""   # columns guessed from the headings
    check_a11y(page)
    page.get_by_role("button", name="匯入問卷資料").click()
    assert re.search(r"/surveys/rounds/\d+/imports/\d+$", page.url)  # the import's page: it runs as a job
    assert page.get_by_role("status").get_by_text("已匯入 1786 份問卷，有效樣本 1760 份").is_visible()
    check_a11y(page)
    page.get_by_role("link", name="回到調查期次").click()
    assert page.get_by_role("img", name=re.compile("雷達圖")).is_visible()
    assert page.get_by_text("± 2.34 %").first.is_visible()
    check_a11y(page)


def test_kiosk_vote_opens_a_follow_up_case(page, browser, live_server, check_a11y):
    """An admin issues a kiosk (QR code, copy button); a citizen at a 390 px phone votes dissatisfied with a reason
    and contact, given before the vote is sent; the quality team sees the case and the admin the kiosk's count."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server}/surveys/kiosks")
    page.get_by_label("評價機或櫃台").fill("1 號櫃台平板")
    page.get_by_role("button", name="產生評價網址").click()
    kiosk_url = page.locator("#new-kiosk-url").inner_text()
    assert page.locator("img.qms-qr").evaluate("img => img.complete && img.naturalWidth > 100")
    copy = page.locator("[data-copy-target=new-kiosk-url]")
    copy.click()  # shown by static/js/copy.js
    assert page.evaluate("navigator.clipboard.readText()") == kiosk_url
    check_a11y(page)
    page.screenshot(path=f"{SHOTS}/kiosks-new-address.png", full_page=True)
    tablet = browser.new_context(locale="zh-TW", viewport={"width": 390, "height": 844}).new_page()
    try:
        tablet.goto(kiosk_url)
        assert tablet.locator("nav, footer").count() == 0 and tablet.get_by_role("button", name="English").count() == 0
        assert tablet.get_by_label("哪裡讓您不滿意？（選填）").count() == 0   # asked on the next step, before sending
        check_a11y(tablet)
        tablet.screenshot(path=f"{SHOTS}/kiosk-390-choose.png", full_page=True)
        tablet.get_by_role("link", name="不滿意").click()
        tablet.get_by_label("哪裡讓您不滿意？（選填）").fill("等候太久")
        tablet.get_by_label("聯絡方式（選填）").fill("0912-345-678")
        assert tablet.locator("#contact-notice").is_visible()
        assert tablet.evaluate("document.documentElement.scrollWidth") <= 390
        check_a11y(tablet)
        tablet.screenshot(path=f"{SHOTS}/kiosk-390-dissatisfied.png", full_page=True)
        tablet.get_by_role("button", name=re.compile("Send my vote|送出評價")).click()
        assert tablet.get_by_text("謝謝您的寶貴意見！").is_visible()
        check_a11y(tablet)
    finally:
        tablet.context.close()
    page.goto(f"{live_server}/surveys/cases")
    assert page.get_by_role("cell", name="等候太久").is_visible()
    check_a11y(page)
    page.goto(f"{live_server}/surveys/kiosks")
    row = page.get_by_role("row").filter(has_text="1 號櫃台平板")
    assert row.get_by_role("cell").nth(3).inner_text() == "1"   # one dissatisfied vote
    row.get_by_role("link", name=re.compile("停用")).click()        # a confirmation page, no script needed
    check_a11y(page)
    page.screenshot(path=f"{SHOTS}/kiosk-revoke-confirm.png", full_page=True)
    page.locator("main form button[type=submit]").click()
    assert page.get_by_text("「1 號櫃台平板」已停用，不能再記錄評價。").is_visible()
    assert row.get_by_role("link").count() == 0
