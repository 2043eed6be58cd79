"""Staff log a failing counter drill; the action is done and verified by another user; the dashboard counts move."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_roles import sign_in

pytestmark = pytest.mark.browser


def open_actions(page):
    page.get_by_role("link", name="儀表板", exact=True).click()
    card = page.get_by_role("region", name="秘密客")
    return int(re.match(r"(\d+) 件尚未確認成效", card.get_by_text(re.compile(r"\d+ 件尚未確認成效")).inner_text())[1])


def test_failing_drill_to_verified_action(browser, live_server, check_a11y):
    staff_context, quality_context = browser.new_context(locale="zh-TW"), browser.new_context(locale="zh-TW")
    staff, quality = staff_context.new_page(), quality_context.new_page()
    try:
        sign_in(staff, live_server, "staff")
        before = open_actions(staff)
        staff.get_by_role("link", name="秘密客", exact=True).click()
        check_a11y(staff)
        staff.get_by_role("link", name="臨櫃服務評分表").click()
        staff.get_by_label("受測櫃台或單位").fill("第 7 櫃台")
        for row in staff.get_by_role("row").filter(has=staff.locator("select")).all():
            row.locator("select").first.select_option(index=1)  # the best score on every criterion
        staff.get_by_role("row", name=re.compile("B1 依規定查驗身分")).locator("select").first.select_option("0")
        check_a11y(staff)
        staff.get_by_role("button", name="儲存").click()
        assert staff.get_by_text("不合格（關鍵項目未達標）").first.is_visible()
        assert staff.get_by_text("複查日期").is_visible()
        check_a11y(staff)
        assert open_actions(staff) == before + 1  # the missed critical criterion raised one action

        sign_in(quality, live_server, "quality")
        quality.get_by_role("link", name="秘密客", exact=True).click()
        quality.get_by_role("link", name="矯正措施", exact=True).click()
        quality.get_by_role("link", name=re.compile("^B1 ")).click()
        quality.get_by_label("負責人").select_option(label="戶籍員 陳小姐")
        quality.get_by_label("根本原因").fill("新進同仁未熟悉查驗規定")
        quality.get_by_label("處理措施").fill("辦理查驗作業教育訓練並張貼檢核表")
        quality.get_by_role("button", name="儲存").click()
        action_url = quality.url

        staff.goto(action_url)
        staff.get_by_role("button", name="標示完成").click()
        assert staff.get_by_text("已完成，待確認成效").first.is_visible()

        quality.goto(action_url)
        check_a11y(quality)
        quality.get_by_label("成效確認").fill("複查 3 次，查驗皆正確")
        quality.get_by_label("結果").select_option("yes")
        quality.get_by_role("button", name="記錄成效確認").click()
        assert quality.get_by_text("已確認成效：矯正措施結案").is_visible()

        assert open_actions(staff) == before  # verified: no longer open
        staff.get_by_role("link", name="秘密客", exact=True).click()
        staff.get_by_role("link", name="矯正措施", exact=True).click()
        assert staff.get_by_role("link", name=re.compile("^B1 ")).count() == 0
    finally:
        staff_context.close()
        quality_context.close()


def test_the_running_total_is_the_saved_total(page, live_server, check_a11y):
    """The sample of tests/drills/test_scoring.py (COUNTER_SAMPLE) scored on the demo counter-service form."""
    sign_in(page, live_server, "staff")
    page.get_by_role("link", name="秘密客", exact=True).click()
    page.get_by_role("link", name="臨櫃服務評分表").click()
    running = page.locator("#drill-total")
    assert running.get_attribute("aria-live") == "polite"
    expect(running).not_to_contain_text("%")  # every criterion starts unscored: no total yet
    page.get_by_label("受測櫃台或單位").fill("第 8 櫃台")

    def row(code):
        return page.get_by_role("row", name=re.compile(f"^{code} "))

    for select in page.get_by_role("row").filter(has=page.locator("select")).locator("select").all():
        select.select_option(index=1)  # the best score on every criterion
    expect(running).to_contain_text("100.0 %")
    row("A1").locator("select").select_option("na")
    row("A1").locator("input").fill("本次情境未經過抽號機")
    row("A2").locator("select").select_option("0")
    row("C1").locator("select").select_option("4")
    expect(running).to_contain_text("92.6 %")
    expect(running).to_contain_text("優良")
    row("B1").locator("select").select_option("0")  # a missed critical criterion fails whatever the total
    expect(running).to_contain_text("不合格（關鍵項目未達標）")
    row("B1").locator("select").select_option("1")
    expect(running).to_contain_text("優良")
    check_a11y(page)
    shown = re.search(r"(\d+\.\d) %", running.inner_text())[1]
    page.get_by_role("button", name="儲存").click()
    page.wait_for_url(re.compile(r"/drills/\d+$"))
    assert page.locator(".qms-countdown").inner_text() == f"{shown} %" == "92.6 %"
    assert page.get_by_text("優良", exact=True).first.is_visible()
    check_a11y(page)
