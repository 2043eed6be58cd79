"""Readiness arithmetic against figures computed by hand."""
import datetime as dt
from decimal import Decimal

import pytest

from qms.checklist.models import ItemStatus
from qms.checklist.readiness import (
    Leaf,
    compute,
    expires_before,
    is_overdue,
    item_readiness,
    missing_points,
    weighted_mean,
)

S = ItemStatus


@pytest.mark.parametrize("status,score,expected", [
    (S.READY, 80, 80), (S.READY, 100, 100), (S.IN_REVIEW, 95, 90), (S.IN_REVIEW, 70, 70),
    (S.IN_PROGRESS, 70, 50), (S.IN_PROGRESS, 30, 30), (S.NOT_STARTED, 100, 0), (S.READY, None, 0),
])
def test_item_readiness_is_the_score_capped_by_status(status, score, expected):
    assert item_readiness(status, score) == expected


def test_points_weighted_readiness_by_hand():
    leaves = [Leaf(1, Decimal(30), S.READY, 80), Leaf(2, Decimal(50), S.IN_PROGRESS, 70),
              Leaf(3, Decimal(20), S.NOT_STARTED, None)]
    # (30×80 + 50×50 + 20×0) / 100 = 49
    assert compute(leaves).overall.readiness == pytest.approx(49.0)
    # score: (30×80 + 50×70 + 20×0) / 100 = 59
    assert compute(leaves).overall.score == pytest.approx(59.0)


def test_weights_that_do_not_sum_to_100():
    leaves = [Leaf(1, Decimal(7), S.READY, 100), Leaf(2, Decimal(13), S.IN_REVIEW, 60)]
    # (7×100 + 13×60) / 20 = 74
    assert compute(leaves).overall.readiness == pytest.approx(74.0)
    leaves = [Leaf(1, Decimal("2.5"), S.READY, 40), Leaf(2, Decimal("0.5"), S.READY, 100)]
    # (2.5×40 + 0.5×100) / 3 = 50
    assert compute(leaves).overall.readiness == pytest.approx(50.0)


def test_all_zero_points_count_equally():
    leaves = [Leaf(1, Decimal(0), S.READY, 90), Leaf(2, Decimal(0), S.READY, 30)]
    assert compute(leaves).overall.readiness == pytest.approx(60.0)


def test_rollup_per_dimension_uses_the_items_under_it():
    # dimension 10 holds items 1 (40 pts) and 2 (20 pts); dimension 20 holds item 3 (40 pts)
    leaves = [Leaf(1, Decimal(40), S.READY, 90, ancestors=(10,)), Leaf(2, Decimal(20), S.IN_PROGRESS, 80, (10,)),
              Leaf(3, Decimal(40), S.IN_REVIEW, 100, (20,))]
    figures = compute(leaves)
    assert figures.by_node[10].readiness == pytest.approx((40 * 90 + 20 * 50) / 60)  # 76.67
    assert figures.by_node[20].readiness == pytest.approx(90.0)
    assert figures.overall.readiness == pytest.approx((40 * 90 + 20 * 50 + 40 * 90) / 100)  # 82
    assert figures.by_node[10].ready_items == 1 and figures.by_node[10].items == 2


def test_empty_is_none():
    assert compute([]).overall.readiness is None
    assert weighted_mean([]) is None


def test_missing_points():
    assert missing_points(Decimal(90), 55) == pytest.approx(40.5)
    assert missing_points(Decimal(80), None) == 80
    assert missing_points(Decimal(80), 100) == 0


def test_overdue_and_expiry():
    today = dt.date(2026, 11, 26)
    assert is_overdue(dt.date(2026, 11, 25), S.IN_PROGRESS, today)
    assert not is_overdue(dt.date(2026, 11, 25), S.READY, today)
    assert not is_overdue(today, S.IN_PROGRESS, today)
    deadline = dt.date(2027, 1, 31)
    assert expires_before(dt.date(2027, 1, 1), deadline, today)
    assert not expires_before(dt.date(2027, 2, 1), deadline, today)
    assert expires_before(dt.date(2026, 1, 1), None, today)  # lapsed already
    assert not expires_before(None, deadline, today)
