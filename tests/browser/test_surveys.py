"""The quality team imports the demo round's responses through the pages and sees the radar chart."""
import re
from types import SimpleNamespace

import pytest

from qms import spreadsheets
from qms.surveys import definition_files
from qms.surveys.demo import demo_table
from tests.browser.test_roles import sign_in

pytestmark = pytest.mark.browser


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
    assert page.get_by_text("已匯入 1786 份問卷，有效樣本 1760 份").is_visible()
    assert page.get_by_role("img", name=re.compile("雷達圖")).is_visible()
    assert page.get_by_text("± 2.34 %").first.is_visible()
    check_a11y(page)


def test_kiosk_vote_opens_a_follow_up_case(page, browser, live_server, check_a11y):
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server}/surveys/kiosks")
    page.get_by_label("評價機或櫃台").fill("1 號櫃台平板")
    page.get_by_role("button", name="產生評價網址").click()
    kiosk_url = page.locator("code").inner_text()
    check_a11y(page)
    tablet = browser.new_context(locale="zh-TW").new_page()   # nobody signs in on the tablet
    try:
        tablet.goto(kiosk_url)
        check_a11y(tablet)
        tablet.get_by_label("哪裡讓您不滿意？（選填）").fill("等候太久")
        tablet.get_by_role("button", name="不滿意").click()
        assert tablet.get_by_text("謝謝您的寶貴意見！").is_visible()
    finally:
        tablet.context.close()
    page.goto(f"{live_server}/surveys/cases")
    assert page.get_by_role("cell", name="等候太久").is_visible()
    check_a11y(page)
