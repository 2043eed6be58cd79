"""The registry of dossier sections: each feature says here what it contributes to the application dossier.

A feature registers its section(s) once, in its own registration.py, with a stable key, a label, a default
order, a print template (under templates/pdf/dossier/) and a gather function. The dossier calls
gather(context) while it builds; the function returns the template's variables, or None when its module
has no data for the award cycle (the section is then left out, and the preview says so). A gather function
takes only what falls in the award cycle's reporting period (`context.in_period`, `context.moments`,
`context.covers`) and says what it left out (`context.left_out`), so every section keeps to the period the
same way. This module imports no feature, so any feature may import it; the dossier package reads the registry.

    from qms.spine.sections import Section, register_section
    register_section(Section("publications", _l("Publications"), order=80,
                             template="pdf/dossier/publications.html", gather=gather_publications))
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable

from qms.spine import clock, records


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


def span_of(when, zone) -> tuple[dt.date, dt.date] | None:
    """(first day, last day) of a date, an aware datetime (its day in the office's zone), a year or a pair of
    those; None when undated."""
    if when is None:
        return None
    if isinstance(when, tuple):
        first, last = (span_of(part, zone) for part in when)
        if first is None and last is None:
            return None
        return (first or last)[0], (last or first)[1]
    if isinstance(when, dt.datetime):
        day = when.astimezone(zone).date() if when.tzinfo else when.date()
        return day, day
    if isinstance(when, dt.date):
        return when, when
    if isinstance(when, int):
        return dt.date(when, 1, 1), dt.date(when, 12, 31)
    raise TypeError(f"not a date, a year or a pair of them: {when!r}")


@dataclass
class GatherContext:
    """What a gather function gets: the dossier being built and helpers to cite evidence, warn, keep to the award
    cycle's period and say what fell outside it."""

    dossier: Any
    cycle: Any
    organization: Any
    chinese: bool
    options: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    index: dict[tuple, IndexEntry] = field(default_factory=dict)
    included: list = field(default_factory=list)  # (Section, variables) of the sections gathered so far
    section_key: str = ""  # the section being gathered (the dossier sets it before each gather)
    left_outs: dict = field(default_factory=dict)  # (section key, describe) -> how many records were left out
    _next_anchor: int = 0

    @property
    def period(self) -> tuple[dt.date, dt.date] | None:
        """The first and last day the award cycle reports on; None when the cycle has no period (all is in)."""
        start, end = getattr(self.cycle, "period_start", None), getattr(self.cycle, "period_end", None)
        return (start, end) if start is not None and end is not None else None

    @property
    def moments(self) -> tuple[dt.datetime, dt.datetime] | None:
        """The period for timestamp columns: its first moment and the first moment after it (UTC)."""
        if self.period is None:
            return None
        start, end = self.period
        return clock.start_of_day(start), clock.start_of_day(end + dt.timedelta(days=1))

    def in_period(self, when) -> bool:
        """Whether `when` (a date, an aware datetime, a year or a (first, last) pair of those) meets the period.
        A span counts when it overlaps the period; undated records and a cycle without a period count as in."""
        span = span_of(when, clock.zone())
        if self.period is None or span is None:
            return True
        return span[0] <= self.period[1] and span[1] >= self.period[0]

    def covers(self, record) -> bool:
        """Whether any registered record belongs in this dossier: a record kept per award cycle when it is this
        cycle's, any other when its record type's `when` falls in the period (undated records do)."""
        try:
            record_type = records.type_of(record)
        except LookupError:
            return True
        cycle_id = record_type.cycle_id(record) if record_type.cycle_id else getattr(record, "award_cycle_id", None)
        if cycle_id is not None and self.cycle is not None:
            return cycle_id == self.cycle.id
        return self.in_period(record_type.when(record) if record_type.when else None)

    def left_out(self, count: int, describe: Callable[[int], str], section_key: str | None = None) -> None:
        """Note that `count` records were left out as outside the period; `describe(count)` names them
        (e.g. "2 drills dated outside the period"). Notes with the same section and describe add up."""
        if count:
            key = (section_key or self.section_key, describe)
            self.left_outs[key] = self.left_outs.get(key, 0) + count

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
