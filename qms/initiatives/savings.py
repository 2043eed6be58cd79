"""What an improvement is worth, as plain arithmetic the pages show with its formula.

A "day" counts as one working day of 8 hours (480 minutes): the citizen time a multi-day wait costs is the
office time it takes, not calendar time. "On the spot" is 0 minutes.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from qms.initiatives.models import TimeUnit

MINUTES_PER = {TimeUnit.ON_THE_SPOT: Decimal(0), TimeUnit.MINUTES: Decimal(1), TimeUnit.HOURS: Decimal(60),
               TimeUnit.DAYS: Decimal(8 * 60)}


def to_minutes(value: Decimal | int | float | None, unit: TimeUnit | str) -> Decimal:
    unit = TimeUnit(unit)
    if unit == TimeUnit.ON_THE_SPOT:
        return Decimal(0)
    return Decimal(str(value or 0)) * MINUTES_PER[unit]


@dataclass(frozen=True)
class Saving:
    minutes_before: Decimal
    minutes_after: Decimal
    minutes_saved_per_case: Decimal
    yearly_cases: int
    hours_saved_per_year: Decimal
    stamp_levels_removed: int | None  # per case
    stamps_removed_per_year: int | None


def saving(before_value, before_unit, after_value, after_unit, yearly_cases: int,
           stamps_before: int | None = None, stamps_after: int | None = None) -> Saving:
    before = to_minutes(before_value, before_unit)
    after = to_minutes(after_value, after_unit)
    per_case = before - after
    levels = (stamps_before - stamps_after) if stamps_before is not None and stamps_after is not None else None
    return Saving(
        minutes_before=before, minutes_after=after, minutes_saved_per_case=per_case, yearly_cases=yearly_cases,
        hours_saved_per_year=per_case * yearly_cases / 60,
        stamp_levels_removed=levels, stamps_removed_per_year=levels * yearly_cases if levels is not None else None)


def of(improvement) -> Saving:
    return saving(improvement.before_value, improvement.before_unit, improvement.after_value,
                  improvement.after_unit, improvement.yearly_cases, improvement.stamps_before,
                  improvement.stamps_after)


@dataclass
class Total:
    improvements: int = 0
    cases: int = 0
    hours_saved: Decimal = Decimal(0)
    stamps_removed: int = 0

    def add(self, value: Saving) -> None:
        self.improvements += 1
        self.cases += value.yearly_cases
        self.hours_saved += value.hours_saved_per_year
        self.stamps_removed += value.stamps_removed_per_year or 0


def totals(rows: Iterable[tuple[object, Saving]]) -> tuple[Total, dict[object, Total]]:
    """The grand total and one total per key (an initiative, a core, a year) of (key, saving) pairs."""
    grand, by_key = Total(), defaultdict(Total)
    for key, value in rows:
        grand.add(value)
        by_key[key].add(value)
    return grand, dict(by_key)
