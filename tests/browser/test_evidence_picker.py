"""The quality team links evidence by typing part of a title: the list follows the typing (and works without
JavaScript), never offers the record itself, and the link shows on both records."""
import os
import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_roles import sign_in

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("QMS_SCREENSHOTS")
ITEM = "服務人員禮儀與專業"  # checklist item 1.3 of the demo's government service award
PUBLICATION = "幸福新移民寶典"


def open_item(page):
    page.get_by_role("link", name="自我評核", exact=True).click()
    page.get_by_role("link", name=re.compile("政府服務獎")).click()
    page.get_by_role("link", name=ITEM, exact=True).click()


def test_link_a_publication_to_a_checklist_item_by_typing_part_of_its_title(page, live_server, check_a11y):
    sign_in(page, live_server, "quality")
    open_item(page)
    item_url = page.url
    page.get_by_role("link", name="連結 QMS 紀錄").click()
    picker_url = page.url
    search = page.locator("main").get_by_role("searchbox")
    search.press_sequentially("新移民", delay=60)
    choice = page.get_by_role("radio", name=re.compile(PUBLICATION))
    choice.wait_for()
    assert page.url == picker_url  # the list followed the typing; the page did not reload
    assert re.search(r"1", page.locator("p[role=status][data-picker-status]").inner_text())
    # the item itself is never offered, even when its own title is typed
    search.fill("禮儀與專業")
    expect(page.locator("[data-picker-matches]")).not_to_contain_text("新移民")
    assert page.get_by_role("radio", name=re.compile(ITEM)).count() == 0
    search.fill("")
    search.press_sequentially("新移民", delay=60)
    choice.wait_for()
    search.focus()
    page.keyboard.press("ArrowDown")  # from the field to the first record, chosen
    assert choice.is_checked() and choice.evaluate("node => node === document.activeElement")
    check_a11y(page)
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/evidence-picker.png", full_page=True)
    page.get_by_role("button", name="加入紀錄").click()
    assert page.url.startswith(item_url)
    evidence = page.locator("#evidence + ul")
    assert evidence.get_by_role("link", name=PUBLICATION).is_visible()


def find_then_link_without_javascript(page, live_server) -> str:
    """From an initiative's page: type, press Find, choose among the records listed, link. Returns the address
    of the page that listed them."""
    sign_in(page, live_server, "quality")
    page.get_by_role("link", name="SPARK 創新服務", exact=True).click()
    page.get_by_role("link", name="線上申辦", exact=True).click()
    initiative_url = page.url
    main = page.locator("main")
    main.get_by_role("searchbox").fill("禮儀")
    main.get_by_role("button", name=re.compile("^(搜尋|Find)$")).click()
    choice = page.get_by_role("radio", name=re.compile(ITEM))
    assert choice.is_visible() and "q=" in page.url
    assert page.get_by_role("radio", name=re.compile("線上申辦")).count() == 0  # never itself
    found_url = page.url
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/evidence-cite-no-js.png", full_page=True)
    choice.check()
    page.get_by_role("button", name="連結為佐證資料").click()
    assert page.url.startswith(initiative_url)
    assert page.locator("#supports + ul").get_by_role("link", name=re.compile(ITEM)).is_visible()
    return found_url


def test_without_javascript_find_then_link_what_an_initiative_supports(browser, live_server, page, check_a11y):
    context = browser.new_context(locale="zh-TW", java_script_enabled=False)
    no_js = context.new_page()
    no_js.set_default_timeout(10_000)
    try:
        found_url = find_then_link_without_javascript(no_js, live_server)
    finally:
        context.close()
    # axe runs as a script: the page the search led to is checked again in a browser that runs scripts
    sign_in(page, live_server, "quality")
    page.goto(found_url)
    assert page.get_by_role("radio", name=re.compile(ITEM)).is_visible()
    check_a11y(page)
