"""An admin sees where a user is signed in, ends that session, and lifts a sign-in lock, as a person would."""
import os

import pytest

from tests.browser.test_roles import PASSWORDS, sign_in

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("QMS_SCREENSHOTS")


def test_admin_ends_a_staff_session_and_lifts_a_lock(browser, live_server, check_a11y):
    staff_context = browser.new_context(locale="zh-TW")
    staff = staff_context.new_page()
    sign_in(staff, live_server, "staff")
    # Someone guesses the leader's password from this browser until the leader is locked here.
    guesser = browser.new_context(locale="zh-TW").new_page()
    for _attempt in range(5):
        guesser.goto(f"{live_server}/login")
        guesser.get_by_label("帳號").fill("leader")
        guesser.get_by_label("密碼").fill("not-the-password")
        guesser.get_by_role("button", name="登入").click()
    assert guesser.get_by_text("登入失敗次數過多").is_visible()

    admin_context = browser.new_context(locale="zh-TW")
    admin = admin_context.new_page()
    sign_in(admin, live_server, "admin")
    admin.get_by_role("link", name="使用者").first.click()
    admin.get_by_role("link", name="編輯 staff").click()
    sessions = admin.get_by_role("table", name="staff 登入中的工作階段")
    assert sessions.get_by_role("cell", name="127.0.0.1", exact=True).is_visible()
    check_a11y(admin)
    if SHOTS:
        admin.screenshot(path=f"{SHOTS}/user-sessions.png", full_page=True)
    sessions.get_by_role("button", name="結束工作階段").click()
    assert admin.get_by_text("已結束這個工作階段").is_visible()
    staff.goto(f"{live_server}/")
    assert "/login" in staff.url  # the staff member's browser is signed out

    admin.goto(f"{live_server}/users/locks")
    locks = admin.get_by_role("table", name="目前的登入鎖定")
    assert locks.get_by_role("cell", name="leader", exact=True).is_visible()
    check_a11y(admin)
    if SHOTS:
        admin.screenshot(path=f"{SHOTS}/sign-in-locks.png", full_page=True)
    locks.get_by_role("button", name="解除鎖定").click()
    assert admin.get_by_text("已解除登入鎖定").is_visible()
    guesser.goto(f"{live_server}/login")
    guesser.get_by_label("帳號").fill("leader")
    guesser.get_by_label("密碼").fill(PASSWORDS["leader"])
    guesser.get_by_role("button", name="登入").click()
    guesser.wait_for_url(f"{live_server}/")
    staff_context.close()
    admin_context.close()
