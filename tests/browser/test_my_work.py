"""A staff member finds an overdue checklist item in My work, updates it, and it leaves the list."""
import re

import pytest

from tests.browser.test_roles import sign_in

pytestmark = pytest.mark.browser

ITEM = re.compile("服務人員禮儀與專業")  # 1.3 of the government service award: the demo staff's, due 2015-06-15


def test_an_owner_clears_an_overdue_item_from_my_work(page, live_server, check_a11y):
    sign_in(page, live_server, "staff")
    page.goto(f"{live_server}/me")
    check_a11y(page)
    overdue = page.locator("section:has(#group-overdue)")
    link = overdue.get_by_role("link", name=ITEM).first
    assert link.is_visible()
    href = link.get_attribute("href")
    row = overdue.locator("tr", has=page.locator(f'a[href="{href}"]'))
    assert "2015" in row.inner_text() or "104" in row.inner_text()  # the due date, 民國 104 in Chinese
    link.click()
    page.get_by_label("狀態").select_option("ready")
    page.get_by_role("button", name="儲存").click()
    page.goto(f"{live_server}/me")
    assert page.locator(f'a[href="{href}"]').count() == 0
    assert overdue.get_by_role("link").count() > 0  # the staff's other overdue items are still there


def test_the_daily_loop_pages_pass_axe(page, live_server, check_a11y):
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server}/admin/reminders")
    check_a11y(page)
    page.get_by_role("button", name=re.compile("Run the reminder scan now|立即執行提醒掃描")).click()
    for path in ("/inbox", "/me/settings", "/me/team"):
        page.goto(f"{live_server}{path}")
        check_a11y(page)
    page.context.clear_cookies()  # the staff member owns overdue items: the scan left them notifications
    sign_in(page, live_server, "staff")
    page.goto(f"{live_server}/inbox")
    assert page.get_by_role("link", name=re.compile(r"(Inbox|收件匣) \(\d+\)")).is_visible()
    check_a11y(page)
