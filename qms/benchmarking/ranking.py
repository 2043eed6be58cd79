"""Ranks, medians and gaps across organizations, and derived metrics: plain functions, checked by hand in tests.

Ranking is standard competition ranking ("1224"): organizations with equal values share the best of their ranks
and the next rank skips. Organizations without a value are not ranked.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from statistics import median as _median


def rank(values: Mapping[object, Decimal | None], higher_is_better: bool) -> dict[object, int]:
    present = [(key, value) for key, value in values.items() if value is not None]
    ordered = sorted(present, key=lambda pair: pair[1], reverse=higher_is_better)
    ranks: dict[object, int] = {}
    previous, previous_rank = object(), 0
    for position, (key, value) in enumerate(ordered, start=1):
        if value != previous:
            previous, previous_rank = value, position
        ranks[key] = previous_rank
    return ranks


def median(values) -> Decimal | None:
    present = [Decimal(v) for v in values if v is not None]
    return Decimal(_median(present)) if present else None


def best(values, higher_is_better: bool) -> Decimal | None:
    present = [v for v in values if v is not None]
    if not present:
        return None
    return max(present) if higher_is_better else min(present)


def gap_to(value: Decimal | None, reference: Decimal | None, higher_is_better: bool) -> Decimal | None:
    """How far value is behind reference (positive: behind; negative: ahead), in the metric's unit."""
    if value is None or reference is None:
        return None
    return reference - value if higher_is_better else value - reference


@dataclass(frozen=True)
class Derived:
    value: Decimal | None
    reason: str = ""  # why there is no value: "zero denominator" or "missing"


def ratio(numerator: Decimal | None, denominator: Decimal | None) -> Derived:
    if numerator is None or denominator is None:
        return Derived(None, "missing")
    if denominator == 0:
        return Derived(None, "zero")
    return Derived(Decimal(numerator) / Decimal(denominator))
