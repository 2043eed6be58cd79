"""A person signs in as each demo role, sees what the role may see, switches language, signs out."""
import re

import pytest

from qms import demo

pytestmark = pytest.mark.browser

PASSWORDS = {username: password for username, _name, _role, password in demo.USERS}
NAV_BY_ROLE = {
    # (visible nav labels in Chinese, hidden ones)
    "admin": (["儀表板", "機關概況", "參獎年度", "稽核軌跡", "使用者"], []),
    "quality": (["儀表板", "機關概況", "參獎年度", "稽核軌跡"], ["使用者"]),
    "staff": (["儀表板", "機關概況", "參獎年度"], ["稽核軌跡", "使用者"]),
    "leader": (["儀表板", "機關概況", "參獎年度"], ["稽核軌跡", "使用者"]),
}


def sign_in(page, base_url, username):
    page.goto(f"{base_url}/login")
    page.get_by_label("帳號").fill(username)
    page.get_by_label("密碼").fill(PASSWORDS[username])
    page.get_by_role("button", name="登入").click()
    page.wait_for_url(f"{base_url}/")


@pytest.mark.parametrize("username", ["admin", "quality", "staff", "leader"])
def test_each_role_signs_in_sees_its_pages_and_signs_out(page, live_server, check_a11y, username):
    page.goto(f"{live_server}/")
    assert page.url.startswith(f"{live_server}/login")  # not signed in: sent to sign in
    check_a11y(page)
    sign_in(page, live_server, username)
    assert page.locator("html").get_attribute("lang") == "zh-Hant-TW"
    assert page.get_by_role("heading", name="目前參獎年度").is_visible()
    assert page.get_by_text("政府服務品質獎").first.is_visible()
    check_a11y(page)

    nav = page.get_by_role("navigation", name="主選單")
    visible, hidden = NAV_BY_ROLE[username]
    for label in hidden:
        assert nav.get_by_role("link", name=label, exact=True).count() == 0
    for label in visible:
        nav.get_by_role("link", name=label, exact=True).click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", level=1).is_visible()
        check_a11y(page)

    page.get_by_role("button", name="登出").click()
    page.wait_for_url(re.compile(r".*/login"))
    assert page.get_by_text("您已登出").is_visible()
    page.goto(f"{live_server}/cycles")
    assert "/login" in page.url


def test_switch_to_english_and_back(page, live_server, check_a11y):
    sign_in(page, live_server, "staff")
    page.get_by_role("link", name="參獎年度", exact=True).click()
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.url.endswith("/cycles")  # stays on the same page
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Award cycles", level=1).is_visible()
    check_a11y(page)
    page.get_by_role("link", name="Dashboard", exact=True).click()  # the choice sticks across pages
    assert page.get_by_role("heading", name="Current award cycle").is_visible()
    page.get_by_role("button", name="繁體中文").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-Hant-TW"
    assert page.get_by_role("heading", name="目前參獎年度").is_visible()


def test_admin_fixes_a_form_error_and_creates_a_cycle(page, live_server, check_a11y):
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server}/cycles/new")
    page.get_by_label("獎項").fill("政府服務獎")
    page.get_by_label("年度", exact=True).fill("19")
    page.get_by_role("button", name="儲存").click()
    error = page.locator("#year-error")
    assert error.is_visible()
    assert page.get_by_label("年度", exact=True).get_attribute("aria-invalid") == "true"
    check_a11y(page)
    page.get_by_label("年度", exact=True).fill("2027")
    page.get_by_label("送件截止日").fill("2027-03-31")
    page.get_by_role("button", name="儲存").click()
    page.wait_for_url(f"{live_server}/cycles")
    row = page.get_by_role("row").filter(has_text="2027")
    assert row.get_by_role("cell", name="政府服務獎", exact=True).is_visible()
    assert row.get_by_text("民國116年3月31日").is_visible()


def test_wrong_password_is_refused_with_a_message(page, live_server, check_a11y):
    page.goto(f"{live_server}/login")
    page.get_by_label("帳號").fill("leader")
    page.get_by_label("密碼").fill("not-the-password")
    page.get_by_role("button", name="登入").click()
    assert page.get_by_text("帳號或密碼錯誤").is_visible()
    check_a11y(page)
