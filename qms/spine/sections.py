"""The registry of dossier sections: each feature says here what it contributes to the application dossier.

A feature registers its section(s) once, in its own registration.py, with a stable key, a label, a default
order, a print template (under templates/pdf/dossier/) and a gather function. The dossier calls
gather(context) while it builds; the function returns the template's variables, or None when its module
has no data for the award cycle (the section is then left out, and the preview says so). This module
imports no feature, so any feature may import it; the dossier package reads the registry.

    from qms.spine.sections import Section, register_section
    register_section(Section("publications", _l("Publications"), order=80,
                             template="pdf/dossier/publications.html", gather=gather_publications))
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class Citation:
    """One place where a piece of evidence is cited: the anchor the evidence index points at."""

    anchor: str
    where: str  # e.g. "1.1 政府服務流程之透明化"


@dataclass
class IndexEntry:
    key: tuple  # ("evidence", id) or (record type name, id)
    title: str
    kind: str
    citations: list[Citation] = field(default_factory=list)


@dataclass
class GatherContext:
    """What a gather function gets: the dossier being built and helpers to cite evidence and warn."""

    dossier: Any
    cycle: Any
    organization: Any
    chinese: bool
    options: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    index: dict[tuple, IndexEntry] = field(default_factory=dict)
    included: list = field(default_factory=list)  # (Section, variables) of the sections gathered so far
    _next_anchor: int = 0

    def cite(self, key: tuple, title: str, kind: str, where: str) -> str:
        """Note that evidence `key` is cited at `where`; returns the anchor id to put on the citation."""
        self._next_anchor += 1
        anchor = f"cite-{self._next_anchor}"
        entry = self.index.setdefault(key, IndexEntry(key=key, title=title, kind=kind))
        entry.citations.append(Citation(anchor=anchor, where=where))
        return anchor

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def text(self, record, zh: str = "name_zh", en: str = "name_en") -> str:
        """A record's name in the dossier's language (Chinese unless it is English and an English name exists)."""
        english = getattr(record, en, "")
        return getattr(record, zh) if self.chinese or not english else english


Gather = Callable[[GatherContext], "dict | None"]


@dataclass(frozen=True)
class Section:
    key: str  # stable: stored in each dossier's chosen list
    label: Any  # lazy translated
    order: int  # default position; a dossier may reorder
    template: str
    gather: Gather
    late: int = 0  # 1: gathered after the others (evidence index); 2: after those too (table of contents)
    in_toc: bool = True
    default: bool = True  # chosen in a new dossier


_sections: dict[str, Section] = {}


def register_section(section: Section) -> Section:
    existing = _sections.get(section.key)
    if existing is not None and existing.template != section.template:
        raise ValueError(f"dossier section {section.key!r} is already registered")
    _sections[section.key] = section
    return section


def get(key: str) -> Section | None:
    return _sections.get(key)


def all_sections() -> list[Section]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def default_keys() -> list[str]:
    return [s.key for s in all_sections() if s.default]
