"""Scoring a drill: plain functions over plain values, checked by hand in tests.

The rule (also shown on the drill page): each criterion is worth its weight. Yes/no scores all or nothing;
1–5 scores value ÷ 5 of the weight; points score value ÷ maximum. "Not applicable" leaves the criterion out of
both the score and the possible total. Total % = points scored ÷ points possible × 100, per section likewise.
A criterion is missed when it scores below half its weight; a missed critical criterion fails the whole drill,
whatever the total. The rating is the highest band whose minimum the total reaches.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from qms.drills.models import ScaleKind

FAILED = "failed"


def allowed(scale: ScaleKind, value: Decimal, max_points: Decimal | None) -> bool:
    scale = ScaleKind(scale)
    if scale == ScaleKind.YES_NO:
        return value in (0, 1)
    if scale == ScaleKind.ONE_TO_FIVE:
        return value in (1, 2, 3, 4, 5)
    return max_points is not None and 0 <= value <= max_points


def fraction(scale: ScaleKind, value: Decimal, max_points: Decimal | None) -> Decimal:
    scale = ScaleKind(scale)
    if scale == ScaleKind.YES_NO:
        return Decimal(value)
    if scale == ScaleKind.ONE_TO_FIVE:
        return Decimal(value) / 5
    return Decimal(value) / Decimal(max_points)


@dataclass(frozen=True)
class Mark:
    """One criterion as scored: what the arithmetic needs."""

    criterion_id: int
    section: str
    weight: Decimal
    scale: ScaleKind
    value: Decimal | None  # None: not applicable
    max_points: Decimal | None = None
    critical: bool = False

    @property
    def fraction(self) -> Decimal | None:
        return None if self.value is None else fraction(self.scale, self.value, self.max_points)

    @property
    def missed(self) -> bool:
        return self.fraction is not None and self.fraction < Decimal("0.5")


@dataclass
class Result:
    scored: Decimal
    possible: Decimal
    total_pct: Decimal | None
    sections: dict[str, Decimal | None] = field(default_factory=dict)
    missed: list[int] = field(default_factory=list)
    critical_missed: list[int] = field(default_factory=list)
    rating: str = ""


def rating_for(total_pct: Decimal | None, bands: list[dict], critical_failed: bool) -> str:
    """The key of the band reached ("failed" when a critical criterion was missed); bands highest first."""
    if critical_failed:
        return FAILED
    if total_pct is None:
        return ""
    for band in sorted(bands, key=lambda b: -Decimal(str(b["min"]))):
        if total_pct >= Decimal(str(band["min"])):
            return band["key"]
    return ""


def score(marks: list[Mark], bands: list[dict]) -> Result:
    def pct(group: list[Mark]) -> tuple[Decimal, Decimal, Decimal | None]:
        applicable = [m for m in group if m.value is not None]
        possible = sum((m.weight for m in applicable), Decimal(0))
        scored = sum((m.weight * m.fraction for m in applicable), Decimal(0))
        return scored, possible, (scored / possible * 100 if possible else None)

    scored, possible, total = pct(marks)
    sections = {}
    for section in dict.fromkeys(m.section for m in marks):
        sections[section] = pct([m for m in marks if m.section == section])[2]
    critical_missed = [m.criterion_id for m in marks if m.critical and m.missed]
    return Result(scored=scored, possible=possible, total_pct=total, sections=sections,
                  missed=[m.criterion_id for m in marks if m.missed], critical_missed=critical_missed,
                  rating=rating_for(total, bands, bool(critical_missed)))
