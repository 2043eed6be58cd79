"""Which language the text of a rendered page is in: Chinese left in the English UI outside user data marked with
`lang` (WCAG 3.1.2), and English left in the Chinese UI. Plain functions over HTML, for page tests and the tour."""
from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment, Doctype, NavigableString

# CJK punctuation, ideographs, compatibility ideographs and full-width forms (「、」（）： …).
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
# Attributes a screen reader speaks or a pointer shows: they are text of the page too.
SPOKEN_ATTRIBUTES = ("aria-label", "title", "alt", "placeholder", "aria-description", "aria-roledescription")
NOT_TEXT = ("script", "style", "template")
# <title> cannot hold a marked-up part: the page's own title is checked as the <h1> that repeats it.
NOT_CHECKED = ("head",) + NOT_TEXT


def language_of(element) -> str:
    """The element's language: its own or its nearest ancestor's lang attribute ("" when none says)."""
    while element is not None and getattr(element, "attrs", None) is not None:
        if element.get("lang") is not None:
            return element["lang"].lower()
        element = element.parent
    return ""


def _chinese(language: str) -> bool:
    return language.startswith("zh")


def cjk_outside_lang(html: str) -> list[str]:
    """Text and spoken attributes with Chinese characters whose element is not marked lang="zh…"."""
    soup = BeautifulSoup(html, "html.parser")
    found: list[str] = []
    for node in soup.find_all(string=CJK):
        if isinstance(node, (Comment, Doctype)) or not isinstance(node, NavigableString):
            continue
        parent = node.parent
        if parent is None or parent.name in NOT_CHECKED or parent.find_parent(NOT_CHECKED) \
                or _chinese(language_of(parent)):
            continue
        found.append(node.strip()[:60])
    for element in soup.find_all(True):
        if element.name in NOT_CHECKED or element.find_parent(NOT_CHECKED):
            continue
        for attribute in SPOKEN_ATTRIBUTES:
            value = element.get(attribute)
            if value and CJK.search(value) and not _chinese(language_of(element)):
                found.append(f"{element.name}[{attribute}]={value[:60]}")
    return found


def visible_text(html: str, spoken: bool = True) -> str:
    """The page's text, and its spoken attributes unless `spoken` is false, one string (scripts and styles left
    out)."""
    soup = BeautifulSoup(html, "html.parser")
    for element in soup.find_all(NOT_TEXT):
        element.decompose()
    attributes = [element.get(attribute) for element in soup.find_all(True) for attribute in SPOKEN_ATTRIBUTES
                  if spoken and element.get(attribute)]
    return " ".join([soup.get_text(" ")] + attributes)


def english_left_in(html: str, phrases) -> list[str]:
    """Which of these English phrases a Chinese page still shows (as whole words)."""
    text = visible_text(html)
    return [phrase for phrase in phrases if re.search(rf"(?<![\w/.-]){re.escape(phrase)}(?![\w/.-])", text)]
