"""Every user-visible string has a Traditional Chinese translation; language choice works and sticks."""
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from qms.config import ROOT
from qms.spine.access import Role

CATALOG = ROOT / "qms" / "translations" / "zh_Hant_TW" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2)}


def extracted_msgids() -> set:
    with open(ROOT / "babel.cfg") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_string_in_code_and_templates_is_translated_to_traditional_chinese():
    msgids = extracted_msgids()
    assert len(msgids) > 150  # extraction really ran over the code and templates
    with open(CATALOG, "rb") as fh:
        catalog = read_po(fh)
    missing = []
    for msgid in sorted(msgids):
        message = catalog.get(msgid)
        translated = message is not None and (all(message.string) if isinstance(message.string, tuple)
                                              else bool(message.string))
        if not translated or (message and message.fuzzy):
            missing.append(msgid)
    assert missing == [], f"untranslated (run `make extract-messages` and translate): {missing}"


def test_catalogue_has_no_simplified_characters_in_common_words():
    text = Path(CATALOG).read_text(encoding="utf-8")
    msgstrs = [line for line in text.splitlines() if line.startswith("msgstr")]
    for simplified in ("数", "这", "个", "选", "请输", "码", "户", "务", "时间"):
        assert not any(simplified in line for line in msgstrs), simplified


def test_default_language_is_traditional_chinese(client):
    body = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-Hant-TW">' in body and "登入" in body


def test_browser_preferring_english_gets_english_before_sign_in(client):
    body = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in body and "Sign in" in body
    body = client.get("/login", headers={"Accept-Language": "zh-TW,zh;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="zh-Hant-TW">' in body


def test_switching_language_is_saved_on_the_user_and_returns_to_the_page(login_as, db):
    client = login_as(Role.STAFF)
    response = client.post_form("/locale", {"locale": "en", "next": "/cycles"})
    assert response.status_code == 302 and response.headers["Location"] == "/cycles"
    db.session.refresh(client.user)
    assert client.user.locale == "en"
    assert "Award cycles" in client.get("/cycles").get_data(as_text=True)


def test_switching_language_refuses_unknown_locale_and_foreign_next(login_as, db):
    client = login_as(Role.STAFF)
    response = client.post_form("/locale", {"locale": "fr", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    db.session.refresh(client.user)
    assert client.user.locale == "zh_Hant_TW"


def test_anonymous_visitor_can_switch_language(client):
    client.post_form("/locale", {"locale": "en", "next": "/login"})
    assert "Sign in" in client.get("/login").get_data(as_text=True)


def test_english_dates_and_chinese_roc_dates(login_as):
    from tests.factories import OrganizationFactory

    OrganizationFactory()
    assert "民國104年5月31日" in login_as(Role.STAFF).get("/organization").get_data(as_text=True)
    assert "31 May 2015" in login_as(Role.STAFF, locale="en").get("/organization").get_data(as_text=True)


def test_template_strings_escape_percent_signs():
    """Jinja's gettext always %-formats, so a lone % in a template string breaks the page at render time."""
    import re

    escaped = re.compile(r"%%|%\(")
    literal = re.compile(r"""_\(\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        for match in literal.finditer(path.read_text(encoding="utf-8")):
            if "%" in escaped.sub("", match.group(1)):
                offenders.append(f"{path.name}: {match.group(1)[:60]}")
    assert offenders == []
