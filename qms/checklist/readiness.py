"""Readiness arithmetic: plain functions over plain values, so tests can check them by hand.

The rule (also stated on the checklist page): an item's readiness is its self-assessed score, counted only as
far as its workflow status allows — not started 0 %, in progress at most 50 %, in review at most 90 %, ready
in full. Evidence past its expiry date no longer counts: an item that has evidence, all of it expired, counts at
most as in progress (LAPSED_CAP) until its evidence is renewed. A dimension's and the whole assessment's readiness
is the points-weighted mean over the items below it; items are weighted by their own points, so the figure holds
whatever the points add up to. Where every item below a node has zero points, the items count equally.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from qms.checklist.models import ItemStatus

STATUS_CAP = {
    ItemStatus.NOT_STARTED: 0,
    ItemStatus.IN_PROGRESS: 50,
    ItemStatus.IN_REVIEW: 90,
    ItemStatus.READY: 100,
}

# An item whose only evidence has expired stands where an item still being worked on stands.
LAPSED_CAP = STATUS_CAP[ItemStatus.IN_PROGRESS]


def item_readiness(status: ItemStatus, score: int | None, lapsed: bool = False) -> float:
    """0–100: the score, capped by what the status allows (and by LAPSED_CAP when the item's evidence has all
    expired); no score counts 0."""
    cap = STATUS_CAP[ItemStatus(status)]
    if lapsed:
        cap = min(cap, LAPSED_CAP)
    return float(min(score or 0, cap))


def is_lapsed(expiry_dates: Iterable[dt.date | None], today: dt.date) -> bool:
    """True when there is evidence and none of it is current (each expired before today)."""
    dates = list(expiry_dates)
    return bool(dates) and all(day is not None and day < today for day in dates)


def weighted_mean(pairs: Iterable[tuple[Decimal | float, float]]) -> float | None:
    """Mean of values weighted by points; equal weights if all points are zero; None for no values."""
    pairs = [(float(weight or 0), float(value)) for weight, value in pairs]
    if not pairs:
        return None
    total_weight = sum(weight for weight, _value in pairs)
    if total_weight <= 0:
        return sum(value for _weight, value in pairs) / len(pairs)
    return sum(weight * value for weight, value in pairs) / total_weight


@dataclass
class Leaf:
    """What the arithmetic needs of one assessed item."""

    node_id: int
    points: Decimal
    status: ItemStatus
    score: int | None
    ancestors: tuple[int, ...] = ()  # node ids from the top-level dimension down to the parent
    lapsed: bool = False  # it has evidence, all of it expired

    @property
    def readiness(self) -> float:
        return item_readiness(self.status, self.score, self.lapsed)


@dataclass
class Rollup:
    readiness: float | None
    score: float | None  # points-weighted mean score, unscored items counting 0
    items: int
    ready_items: int
    scored_items: int


@dataclass
class Figures:
    overall: Rollup
    by_node: dict[int, Rollup] = field(default_factory=dict)  # every non-leaf node id, and every leaf


def _rollup(leaves: list[Leaf]) -> Rollup:
    return Rollup(
        readiness=weighted_mean((leaf.points, leaf.readiness) for leaf in leaves),
        score=weighted_mean((leaf.points, leaf.score or 0) for leaf in leaves),
        items=len(leaves),
        ready_items=sum(1 for leaf in leaves if leaf.status == ItemStatus.READY and not leaf.lapsed),
        scored_items=sum(1 for leaf in leaves if leaf.score is not None),
    )


def compute(leaves: list[Leaf]) -> Figures:
    """Readiness and score for the whole assessment and for every node that has items under it."""
    groups: dict[int, list[Leaf]] = {}
    for leaf in leaves:
        for node_id in (*leaf.ancestors, leaf.node_id):
            groups.setdefault(node_id, []).append(leaf)
    return Figures(overall=_rollup(leaves), by_node={node_id: _rollup(group) for node_id, group in groups.items()})


@dataclass
class Gap:
    item_id: int
    missing_points: float  # points × the share of the score still missing


def missing_points(points: Decimal, score: int | None) -> float:
    """How many of an item's points its score leaves on the table: points × (100 − score) / 100."""
    return float(points) * (100 - (score or 0)) / 100


def is_overdue(due_date: dt.date | None, status: ItemStatus, today: dt.date) -> bool:
    return due_date is not None and due_date < today and status != ItemStatus.READY


def expires_before(expires_on: dt.date | None, deadline: dt.date | None, today: dt.date) -> bool:
    """Evidence that will have lapsed by the submission deadline (or has lapsed already)."""
    if expires_on is None:
        return False
    return expires_on < today or (deadline is not None and expires_on < deadline)
