"""A staff member updates an item they own; the dashboard's readiness moves."""
import re

import pytest

from tests.browser.test_roles import sign_in

pytestmark = pytest.mark.browser


def gsa_readiness_line(page):
    card = page.get_by_role("region", name="準備度")
    return card.get_by_text(re.compile(r"準備度 \d+ %")).nth(1).inner_text()


def test_staff_updates_an_owned_item_and_dashboard_readiness_changes(page, live_server, check_a11y):
    sign_in(page, live_server, "staff")
    before = gsa_readiness_line(page)
    page.get_by_role("link", name="自我評核", exact=True).click()
    check_a11y(page)
    page.get_by_role("link", name=re.compile("政府服務獎")).click()
    assert page.get_by_text("目前顯示您負責的項目").is_visible()  # staff see their own items first
    check_a11y(page)
    page.get_by_role("link", name="服務人員禮儀與專業", exact=True).click()
    check_a11y(page)
    page.get_by_label("狀態").select_option("ready")
    page.get_by_label("分數", exact=True).select_option("90")
    page.get_by_label("說明內容").fill("每月辦理**禮儀訓練**，並以秘密客查核成效。")
    page.get_by_role("button", name="儲存").click()
    assert page.get_by_text("已儲存評核項目 1.3").is_visible()
    page.get_by_role("link", name="儀表板", exact=True).click()
    after = gsa_readiness_line(page)
    assert before != after
    # 1.3 (80 points) went from in review at 75 to ready at 90: +15 × 80 / 1000 points = +1.2 percentage points
    before_pct, after_pct = (int(re.search(r"準備度 (\d+) %", text).group(1)) for text in (before, after))
    assert after_pct - before_pct in (1, 2)
    assert "3 項已完成" in after


def test_staff_cannot_edit_an_item_they_do_not_own(page, live_server):
    sign_in(page, live_server, "staff")
    page.get_by_role("link", name="自我評核", exact=True).click()
    page.get_by_role("link", name=re.compile("政府服務獎")).click()
    page.get_by_role("link", name="顯示所有項目").click()
    page.get_by_role("link", name="服務流程與標準化", exact=True).click()  # owned by the quality team
    assert page.get_by_label("狀態").count() == 0
    assert page.get_by_role("button", name="儲存").count() == 0


def test_quality_sees_the_gap_list_and_radar(page, live_server, check_a11y):
    sign_in(page, live_server, "quality")
    page.get_by_role("link", name="自我評核", exact=True).click()
    page.get_by_role("link", name=re.compile("政府服務獎")).click()
    assert page.get_by_role("heading", name="待補強清單").is_visible()
    assert page.get_by_role("img", name=re.compile("雷達圖")).is_visible()
    check_a11y(page)
    page.get_by_role("link", name="自我評核", exact=True).click()
    page.get_by_role("link", name="評獎架構", exact=True).click()
    page.get_by_role("link", name=re.compile("Baldrige")).click()
    assert page.get_by_role("rowheader", name=re.compile("領導")).first.is_visible()
    check_a11y(page)
