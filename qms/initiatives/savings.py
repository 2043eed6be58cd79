"""What an improvement is worth, as plain arithmetic the pages show with its formula.

Two figures, never added together. Citizen time spent (at the counter, travelling, filling in forms) gives the
hours saved: (minutes before − minutes after) × cases per year ÷ 60, "on the spot" counting as 0 minutes.
Turnaround (elapsed days until the citizen has the result) gives the days saved, in case-days:
(days before − days after) × cases per year. A wait of days is not time the citizen spends working, so it is
never turned into hours.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _

from qms.i18n import rounded
from qms.initiatives.models import TimeUnit

MINUTES_PER = {TimeUnit.ON_THE_SPOT: Decimal(0), TimeUnit.MINUTES: Decimal(1), TimeUnit.HOURS: Decimal(60)}


def to_minutes(value: Decimal | int | float | None, unit: TimeUnit | str) -> Decimal:
    unit = TimeUnit(unit)
    if unit == TimeUnit.ON_THE_SPOT:
        return Decimal(0)
    return Decimal(str(value or 0)) * MINUTES_PER[unit]


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@dataclass(frozen=True)
class Saving:
    yearly_cases: int
    # citizen time spent, per case; None when the improvement does not record it
    minutes_before: Decimal | None
    minutes_after: Decimal | None
    minutes_saved_per_case: Decimal | None
    hours_saved_per_year: Decimal | None
    stamp_levels_removed: int | None  # per case
    stamps_removed_per_year: int | None
    # turnaround, per case; None when the improvement does not record it
    days_before: Decimal | None = None
    days_after: Decimal | None = None
    days_saved_per_case: Decimal | None = None
    case_days_saved_per_year: Decimal | None = None


def saving(before_value, before_unit, after_value, after_unit, yearly_cases: int,
           stamps_before: int | None = None, stamps_after: int | None = None,
           turnaround_before_days=None, turnaround_after_days=None) -> Saving:
    """The saving of one improvement; a pair (time spent, turnaround) counts only when both its sides are given."""
    before = after = per_case = hours = None
    if before_unit is not None and after_unit is not None:
        before, after = to_minutes(before_value, before_unit), to_minutes(after_value, after_unit)
        per_case = before - after
        hours = per_case * yearly_cases / 60
    days_before, days_after = _decimal(turnaround_before_days), _decimal(turnaround_after_days)
    days_per_case = case_days = None
    if days_before is not None and days_after is not None:
        days_per_case = days_before - days_after
        case_days = days_per_case * yearly_cases
    levels = (stamps_before - stamps_after) if stamps_before is not None and stamps_after is not None else None
    return Saving(
        yearly_cases=yearly_cases, minutes_before=before, minutes_after=after, minutes_saved_per_case=per_case,
        hours_saved_per_year=hours, stamp_levels_removed=levels,
        stamps_removed_per_year=levels * yearly_cases if levels is not None else None,
        days_before=days_before, days_after=days_after, days_saved_per_case=days_per_case,
        case_days_saved_per_year=case_days)


def of(improvement) -> Saving:
    return saving(improvement.before_value, improvement.before_unit, improvement.after_value,
                  improvement.after_unit, improvement.yearly_cases, improvement.stamps_before,
                  improvement.stamps_after, improvement.turnaround_before_days, improvement.turnaround_after_days)


@dataclass
class Total:
    improvements: int = 0
    cases: int = 0
    hours_saved: Decimal = Decimal(0)
    stamps_removed: int = 0
    case_days_saved: Decimal = Decimal(0)
    with_time_spent: int = 0  # improvements that record citizen time spent
    with_turnaround: int = 0  # improvements that record turnaround

    def add(self, value: Saving) -> None:
        self.improvements += 1
        self.cases += value.yearly_cases
        self.stamps_removed += value.stamps_removed_per_year or 0
        if value.hours_saved_per_year is not None:
            self.hours_saved += value.hours_saved_per_year
            self.with_time_spent += 1
        if value.case_days_saved_per_year is not None:
            self.case_days_saved += value.case_days_saved_per_year
            self.with_turnaround += 1


def totals(rows: Iterable[tuple[object, Saving]]) -> tuple[Total, dict[object, Total]]:
    """The grand total and one total per key (an initiative, a core, a year) of (key, saving) pairs."""
    grand, by_key = Total(), defaultdict(Total)
    for key, value in rows:
        grand.add(value)
        by_key[key].add(value)
    return grand, dict(by_key)


# --- the formulas, as the pages, the export and the dossier print them ------------------------

def figure(value: Decimal | int | float, places: int = 1) -> str:
    """A term of a formula: thousands grouped, rounded as every figure of QMS is, without trailing zeros."""
    text = f"{rounded(value, places):,.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def hours_formula(value: Saving) -> str:
    """"(50 − 5) min × 300 cases = 225 h"; empty when the time spent is not recorded."""
    if value.hours_saved_per_year is None:
        return ""
    return _("(%(before)s − %(after)s) min × %(cases)s cases = %(hours)s h", before=figure(value.minutes_before),
             after=figure(value.minutes_after), cases=f"{value.yearly_cases:,}",
             hours=figure(value.hours_saved_per_year))


def days_formula(value: Saving) -> str:
    """"(6 − 0) days × 820 cases = 4,920 case-days"; empty when the turnaround is not recorded."""
    if value.case_days_saved_per_year is None:
        return ""
    return _("(%(before)s − %(after)s) days × %(cases)s cases = %(days)s case-days",
             before=figure(value.days_before, 2), after=figure(value.days_after, 2),
             cases=f"{value.yearly_cases:,}", days=figure(value.case_days_saved_per_year))
