"""The checklist's items and the audit trail read at desktop (1366 px) and tablet (768 px) width: nothing is wider
than the window (a table that only scrolls sideways counts as too wide), headers keep to a few lines, figures
and names do not break after every character, and the audit trail shows changes as labelled values."""
import os
import re

import pytest

from tests.browser.test_roles import sign_in
from tests.conftest import make_config

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("QMS_SCREENSHOTS")
WIDTHS = (1366, 768)
LONG_NAME = "LINE_pre_check_of_ID_card_renewal_" * 6 + "handbook.pdf"  # one long word, as file names are
# Elements that reach past the right edge of the window, also inside a sideways-scrolling .table-responsive.
TOO_WIDE = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll('body *')].filter(e => {
    const box = e.getBoundingClientRect();
    return box.width > 0 && box.right > width + 1 && getComputedStyle(e).position !== 'fixed'
      && !e.closest('.visually-hidden');
  }).slice(0, 5).map(e => e.tagName.toLowerCase() + '.' + [...e.classList].join('.') + ' '
    + (e.textContent || '').trim().slice(0, 30));
}"""
# How many lines of text a cell holds, from the boxes of its text.
LINES = """(cell) => {
  const range = document.createRange();
  range.selectNodeContents(cell);
  const tops = [];
  for (const box of range.getClientRects()) {
    if (box.width > 0 && !tops.some(top => Math.abs(top - box.top) < 4)) tops.push(box.top);
  }
  return tops.length;
}"""


@pytest.fixture(scope="module")
def long_audit_event(live_server, migrated_database):
    """An audit event about a record with a long one-word name (a deleted publication's file name, say)."""
    from qms import create_app
    from qms.core.models import AuditEvent
    from qms.extensions import db

    app = create_app(make_config(migrated_database))
    with app.app_context():
        db.session.add(AuditEvent(actor_name="品管小組 林組長", entity_type="publication", entity_id=987654,
                                  entity_title=LONG_NAME, action="delete", summary=LONG_NAME, changes={}))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return LONG_NAME


def lines_of(cells) -> list[tuple[str, int]]:
    return [(cell.inner_text(), cell.evaluate(LINES)) for cell in cells.all()]


def assert_fits(page, name: str, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate(TOO_WIDE) == [], f"{name} at {width} px"
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)


# (width, language): both widths in Chinese, and the tablet width in English, whose words are longer.
VIEWS = [(1366, "zh"), (768, "zh"), (768, "en")]
WORDS = {"zh": {"items": "評核項目", "headers": ["代碼", "評核項目", "配分", "負責人"], "audit": "稽核軌跡"},
         "en": {"items": "Items", "headers": ["Code", "Item", "Points", "Owner"], "audit": "Audit trail"}}


def open_page(browser, live_server, width: int, language: str):
    """A signed-in page at this width: the quality team in Chinese; the admin, switched to English, in English."""
    context = browser.new_context(locale="zh-TW", viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in(page, live_server, "admin" if language == "en" else "quality")
    english = page.locator("button[value=en]:visible")
    if language == "en" and english.count():  # the choice is kept on the account for the next test
        english.first.click()
        page.wait_for_load_state()
    return context, page


@pytest.mark.parametrize(("width", "language"), VIEWS)
def test_checklist_items_table_reads_at_desktop_and_tablet_width(browser, live_server, check_a11y, width,
                                                                 language):
    words = WORDS[language]
    context, page = open_page(browser, live_server, width, language)
    page.goto(f"{live_server}/checklist/")
    links = [link.get_attribute("href") for link in page.locator("a[href*='/checklist/assessments/']").all()]
    assert len(links) >= 2
    for number, href in enumerate(dict.fromkeys(links)):
        page.goto(f"{live_server}{href}?mine=0")
        items = page.get_by_role("table", name=words["items"])
        headers = lines_of(items.locator("thead th"))
        assert [text for text, _count in headers][:4] == words["headers"]
        assert all(count <= 3 for _text, count in headers), headers  # not one character a line
        cells = lines_of(items.locator("tbody td"))
        scores = [(text, count) for text, count in cells if re.fullmatch(r"\d+ %", text)]
        assert scores and all(count == 1 for _text, count in scores), scores  # "90 %" stays whole
        owners = [(text, count) for text, count in cells if re.fullmatch(r"\S*(小組|戶籍員|主任) \S+", text)]
        assert owners and all(count <= 2 for _text, count in owners), owners  # a name breaks at its space at most
        assert_fits(page, f"checklist-assessment-{number + 1}-{language}", width)
        check_a11y(page)
    context.close()


@pytest.mark.parametrize(("width", "language"), VIEWS)
def test_audit_trail_wraps_long_names_and_labels_changes(browser, live_server, long_audit_event, check_a11y, width,
                                                         language):
    context, page = open_page(browser, live_server, width, language)
    page.goto(f"{live_server}/audit")
    trail = page.get_by_role("table", name=WORDS[language]["audit"])
    assert trail.get_by_role("cell", name=long_audit_event).first.is_visible()
    assert all(count <= 3 for _text, count in lines_of(trail.locator("thead th")))
    body = page.content()
    assert "{'" not in body and "['" not in body
    assert trail.locator("dl dt").count() > 0  # changes as "label: old → new"
    assert_fits(page, f"audit-trail-{language}", width)
    check_a11y(page)
    context.close()
