"""The tour: each role visits every page of its navigation and one record page of each record type it may read,
in Traditional Chinese and in English, at 1366 px (the kiosk at 390 px), as a new user would.

On every page: no console error, no failed request, no 4xx/5xx, no serious or critical axe-core violation, no
element wider than the viewport, and in the English UI no Chinese text outside user data marked with `lang`.
A screenshot of each page is saved to a folder the test prints (QMS_TOUR_SHOTS, or a temporary folder).
"""
from __future__ import annotations

import os
import tempfile

import pytest
from sqlalchemy import select

from qms import create_app, demo
from tests.browser.conftest import SERIOUS
from tests.browser.test_roles import PASSWORDS
from tests.conftest import make_config

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("QMS_TOUR_SHOTS") or tempfile.mkdtemp(prefix="qms-tour-")
ROLES = {"admin": "admin", "quality": "quality", "staff": "staff", "leader": "leader"}
# Text nodes with Chinese characters whose nearest lang attribute is not Chinese (the English UI's leaks).
CJK_OUTSIDE_LANG = """() => {
  const cjk = /[\\u3000-\\u303f\\u3400-\\u9fff\\uff00-\\uffef]/;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const found = [];
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    if (!cjk.test(node.textContent) || !parent || parent.closest('script,style,[hidden]')) continue;
    const marked = parent.closest('[lang]');
    const chinese = marked && marked.getAttribute('lang').toLowerCase().startsWith('zh');
    if (!chinese) found.push(node.textContent.trim().slice(0, 40));
  }
  return found.slice(0, 10);
}"""
TOO_WIDE = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > width + 1
    && getComputedStyle(e).position !== 'fixed' && !e.closest('.table-responsive,.visually-hidden'))
    .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + [...e.classList].join('.'));
}"""


def pages_for(database_url: str, username: str) -> list[tuple[str, str]]:
    """(name, path) of the role's navigation and of one record page of each record type it may read."""
    from qms.auth.services import get_by_username
    from qms.spine import navigation, records

    app = create_app(make_config(database_url))
    with app.test_request_context():
        user = get_by_username(username)
        found = [(f"nav-{entry.endpoint}", app.url_for(entry.endpoint)) for entry in navigation.nav_for(user)]
        from qms.extensions import db

        for record_type in records.all_types():
            if not record_type.endpoint or not record_type.readable(user):
                continue
            record_id = db.session.scalar(select(record_type.model.id).order_by(record_type.model.id).limit(1))
            if record_id is None:
                continue
            url = record_type.url_for(record_id)
            if url:
                found.append((f"record-{record_type.name}", url))
        db.session.remove()
        db.engine.dispose()  # no connection left for the garbage collector to close mid-test
    seen, unique = set(), []
    for name, path in found:
        if path not in seen:
            seen.add(path)
            unique.append((name, path))
    return unique


def visit(page, axe, base: str, path: str, shot: str, english: bool, errors: list[str]) -> list[str]:
    """Open one page and list what is wrong with it; `errors` collects the page's console errors and failed
    requests (listeners registered once per page) and is emptied here."""
    errors.clear()
    problems: list[str] = []
    response = page.goto(base + path)
    page.wait_for_load_state("networkidle")
    if response is None or response.status >= 400:
        problems.append(f"{path}: status {response.status if response else 'none'}")
    page.screenshot(path=shot, full_page=True)
    problems += [f"{path}: {error}" for error in errors]
    serious = [v for v in axe.run(page).response["violations"] if v.get("impact") in SERIOUS]
    problems += [f"{path}: axe {v['id']} at {[n['target'] for n in v['nodes']][:2]}" for v in serious]
    wide = page.evaluate(TOO_WIDE)
    if wide:
        problems.append(f"{path}: wider than the viewport: {wide}")
    if english:
        leaks = page.evaluate(CJK_OUTSIDE_LANG)
        if leaks:
            problems.append(f"{path}: Chinese outside lang-marked data: {leaks}")
    return problems


def watch(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("requestfailed", lambda request: errors.append(f"failed {request.url}"))
    page.on("response", lambda response: errors.append(f"{response.status} {response.url}")
            if response.status >= 400 else None)
    return errors


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORDS[username])
    page.locator("main form").filter(has=page.locator("input[name=password]")).locator("button[type=submit]").click()
    page.wait_for_url(f"{base}/")


def choose_language(page, english: bool) -> None:
    """The signed-in user's language, through the switch in the top bar (it is stored on the user)."""
    current = page.locator("html").get_attribute("lang") or ""
    if english != current.startswith("en"):
        page.locator("form[action='/locale'] button[name=locale]").click()
        page.wait_for_load_state()


@pytest.mark.parametrize("locale", ["zh-TW", "en"])
@pytest.mark.parametrize("username", list(ROLES))
def test_tour(browser, live_server, migrated_database, axe, username, locale):
    english = locale == "en"
    context = browser.new_context(locale=locale, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = watch(page)
    sign_in(page, live_server, username)
    choose_language(page, english)
    problems = []
    visited = []
    for name, path in pages_for(migrated_database, username):
        shot = os.path.join(SHOTS, f"{username}-{locale}-{name}.png")
        problems += visit(page, axe, live_server, path, shot, english, errors)
        visited.append(path)
    page.goto(f"{live_server}/")
    field = page.locator("main input.form-control, header input.form-control").first
    if field.count():
        field.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
        outline = page.evaluate("() => parseFloat(getComputedStyle(document.activeElement).outlineWidth)")
        if outline < 2:
            problems.append(f"focused input has an outline of {outline}px")
    choose_language(page, False)  # the next tour of this user starts in Chinese again
    context.close()
    print(f"\ntour {username} {locale}: {len(visited)} pages, screenshots in {SHOTS}: {visited}")
    assert len(visited) >= 5
    assert problems == [], "\n".join(problems)


def test_kiosk_at_phone_width(browser, live_server, migrated_database, axe):
    from qms.extensions import db
    from qms.surveys import services

    app = create_app(make_config(migrated_database))
    with app.app_context():
        _kiosk, token = services.issue_kiosk_token("第 3 櫃台平板", None)
        db.session.remove()
        db.engine.dispose()
    context = browser.new_context(locale="zh-TW", viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors = watch(page)
    problems = visit(page, axe, live_server, f"/kiosk/{token}", os.path.join(SHOTS, "kiosk-390.png"), False, errors)
    context.close()
    assert problems == [], "\n".join(problems)


def test_the_tour_covers_every_role_and_record_type(migrated_database):
    assert set(ROLES) == {username for username, *_rest in demo.USERS}
