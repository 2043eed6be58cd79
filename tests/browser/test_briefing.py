"""The quality team opens the demo briefing deck, presents it and moves through the slides by keyboard."""
import pytest

from tests.browser.test_roles import sign_in

pytestmark = pytest.mark.browser


def test_presentation_mode_moves_by_keyboard(page, live_server, check_a11y):
    sign_in(page, live_server, "quality")
    page.goto(f"{live_server}/briefing/")
    check_a11y(page)
    page.get_by_role("link", name="蘆竹區戶政事務所 實地評審簡報").click()
    assert page.locator("#time-status").is_visible()
    check_a11y(page)
    page.locator("a[href$='/present']").click()
    status = page.locator("#slide-status")
    assert status.get_attribute("aria-live") == "polite"
    first = status.inner_text()
    assert "1" in first and "10" in first
    assert page.locator("#slide-1").is_visible() and not page.locator("#slide-2").is_visible()
    page.keyboard.press("ArrowRight")
    assert page.locator("#slide-2").is_visible() and not page.locator("#slide-1").is_visible()
    second = status.inner_text()
    assert second != first and "2" in second
    page.keyboard.press("End")
    assert page.locator("#slide-10").is_visible()
    assert status.inner_text().count("10") == 2  # slide 10 of 10
    page.keyboard.press("Home")
    assert page.locator("#slide-1").is_visible() and not page.locator("#slide-10").is_visible()
    assert status.inner_text() == first
    check_a11y(page)
