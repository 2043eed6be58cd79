"""The registry of briefing slide kinds: each feature says here which live slides it can put in a briefing deck.

A slide kind is to the site-visit briefing what a section is to the dossier. A feature registers its kinds once,
in its own registration.py, with a stable key, a label, a slide-body template (under templates/slides/) and a
gather function. The briefing calls gather(context) each time it renders a slide (page, presentation or PDF), so
a live slide always shows the award cycle's current figures; gather returns the template's variables, or None
when its module has no data for the cycle (the slide then says so). Gather functions reuse their module's own
computation (the functions its pages and dossier section use), so a slide's figures are the module's figures.
The context is the dossier's GatherContext (period, text in the deck's language) plus the slide being rendered.

    from qms.spine.slides import SlideKind, register_slide_kind
    register_slide_kind(SlideKind("publications", _l("Publications"), "slides/publications.html", gather, order=80))
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from qms.spine.sections import GatherContext


@dataclass
class SlideContext(GatherContext):
    """A GatherContext whose `dossier` is the deck, with the slide being rendered (free slides read its fields)."""

    slide: Any = None


SlideGather = Callable[[SlideContext], "dict | None"]


@dataclass(frozen=True)
class SlideKind:
    key: str  # stable: stored on each slide
    label: Any  # lazy translated
    template: str  # the slide's body, the same HTML in the browser, the 16:9 PDF and the notes handout
    gather: SlideGather
    order: int = 100  # position in the "add a slide" list
    live: bool = True  # False: a free slide (title, text, image) whose content is the slide's own fields
    default_seconds: int = 60  # planned time of a new slide of this kind


_kinds: dict[str, SlideKind] = {}


def register_slide_kind(kind: SlideKind) -> SlideKind:
    existing = _kinds.get(kind.key)
    if existing is not None and existing.template != kind.template:
        raise ValueError(f"slide kind {kind.key!r} is already registered")
    _kinds[kind.key] = kind
    return kind


def get(key: str) -> SlideKind | None:
    return _kinds.get(key)


def all_kinds() -> list[SlideKind]:
    return sorted(_kinds.values(), key=lambda k: (k.order, k.key))
