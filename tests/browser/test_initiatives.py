"""The quality team records an initiative with two process improvements and sees the time saved add up."""
import re

import pytest

from tests.browser.test_roles import sign_in

pytestmark = pytest.mark.browser


def test_create_initiative_with_two_improvements_and_see_totals(page, live_server, check_a11y):
    sign_in(page, live_server, "quality")
    page.get_by_role("link", name="SPARK 創新服務", exact=True).click()
    check_a11y(page)
    page.get_by_role("link", name="新增創新服務").click()
    page.get_by_label("標題", exact=True).fill("戶籍謄本自動化")
    page.get_by_label("核心主軸").select_option(label="一次臨櫃，萬事OK")
    page.get_by_label("狀態").select_option("piloting")
    page.get_by_label("臨櫃", exact=True).check()
    page.get_by_label("標籤").fill("流程簡化, 自動化")
    check_a11y(page)
    page.get_by_role("button", name="儲存").click()
    assert page.get_by_role("heading", name="戶籍謄本自動化", level=1).is_visible()

    def add(service, before, before_unit, after, after_unit, cases, turnaround=None):
        page.get_by_role("link", name="新增流程簡化").click()
        page.get_by_label("服務項目").fill(service)
        if before is not None:
            page.get_by_label("簡化前時間").fill(before)
        page.get_by_label("簡化前單位").select_option(before_unit)
        if after is not None:
            page.get_by_label("簡化後時間").fill(after)
        page.get_by_label("簡化後單位").select_option(after_unit)
        if turnaround is not None:
            page.get_by_label("簡化前辦結天數").fill(turnaround[0])
            page.get_by_label("簡化後辦結天數").fill(turnaround[1])
        page.get_by_label("每年件數").fill(cases)
        page.get_by_label("統計年度").fill("2015")
        page.get_by_role("button", name="儲存").click()

    add("謄本自動列印", "30", "minutes", "10", "minutes", "1200")    # 1,200 × 20 ÷ 60 = 400 h
    add("英文謄本", None, "", None, "", "150", turnaround=("1", "0"))  # 150 × (1 − 0) = 150 case-days, no hours
    assert page.get_by_text("已新增流程簡化").is_visible()
    check_a11y(page)
    total_row = page.get_by_role("row", name=re.compile("^合計"))
    assert "400.0" in total_row.inner_text() and "150.0" in total_row.inner_text()
    assert "1,350" in total_row.inner_text()
    page.get_by_role("link", name="SPARK 創新服務", exact=True).click()
    page.get_by_role("link", name="節省時間總覽").click()
    row = page.get_by_role("row", name=re.compile("戶籍謄本自動化"))
    assert row.get_by_text("400.0").is_visible() and row.get_by_text("150.0").is_visible()
    check_a11y(page)
