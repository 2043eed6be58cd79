"""Dashboard cards: each feature registers a card provider; the dashboard shows what they return."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from flask import render_template, request
from flask_babel import get_locale
from markupsafe import Markup


@dataclass
class Card:
    title: str
    lines: list[tuple[str, str]] = field(default_factory=list)  # (label, value) pairs
    link: str | None = None
    link_text: str = ""
    note: str = ""


CardProvider = Callable[[Any, Any], "Card | None"]  # (user, current award cycle) -> card or None
_providers: list[tuple[int, str, CardProvider]] = []


def register_card(name: str, provider: CardProvider, order: int = 100) -> None:
    global _providers
    _providers = [entry for entry in _providers if entry[1] != name]
    _providers.append((order, name, provider))
    _providers.sort(key=lambda entry: (entry[0], entry[1]))


def cards_for(user, cycle) -> list[Card]:
    cards = []
    for _order, _name, provider in _providers:
        card = provider(user, cycle)
        if card is not None:
            cards.append(card)
    return cards


@dataclass(frozen=True)
class NavEntry:
    endpoint: str
    label: Any  # lazy translated
    roles: frozenset | None = None  # None: every signed-in user
    order: int = 100


_nav: dict[str, NavEntry] = {}


_nav_by_role: dict = {}  # role -> its entries, in order; emptied when an entry is registered


def register_nav(endpoint: str, label, roles=None, order: int = 100) -> None:
    """A link in the main navigation; features add theirs when they are registered."""
    _nav[endpoint] = NavEntry(endpoint, label, frozenset(roles) if roles else None, order)
    _nav_by_role.clear()
    _nav_html.clear()


def nav_for(user) -> list[NavEntry]:
    """The user's links, worked out once per role (every page shows them; labels stay lazy, translated when shown)."""
    entries = _nav_by_role.get(user.role)
    if entries is None:
        entries = _nav_by_role[user.role] = tuple(
            entry for entry in sorted(_nav.values(), key=lambda e: (e.order, e.endpoint))
            if entry.roles is None or user.has_role(*entry.roles))
    return list(entries)


_nav_html: dict[tuple, Markup] = {}  # (role, current endpoint, locale, script root) -> the rendered links


def main_nav(user) -> Markup:
    """The main navigation's links as HTML, rendered once per role, current page, language and mount point: the
    same links on every page (their url_for and translations) cost a tenth of a small page's time."""
    key = (user.role, request.endpoint, str(get_locale()), request.script_root)
    html = _nav_html.get(key)
    if html is None:
        if len(_nav_html) > 4096:  # bounded: roles x pages x languages is a few hundred
            _nav_html.clear()
        rendered = render_template("_main_nav.html", entries=nav_for(user))  # an autoescaped template's output
        html = _nav_html[key] = Markup(rendered)  # nosec B704: HTML our template made, every value escaped
    return html
