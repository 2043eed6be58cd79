"""Drill scoring by hand: weights, scales, not-applicable, critical fail and rating bands."""
from decimal import Decimal as D

from qms.drills.models import ScaleKind as S
from qms.drills.scoring import FAILED, Mark, rating_for, score

BANDS = [{"key": "excellent", "min": 90}, {"key": "good", "min": 80}, {"key": "fair", "min": 70},
         {"key": "needs_improvement", "min": 0}]


def test_weighted_total_across_scales():
    marks = [Mark(1, "A", D(10), S.YES_NO, D(1)),               # 10 of 10
             Mark(2, "A", D(20), S.ONE_TO_FIVE, D(4)),          # 20 × 4/5 = 16
             Mark(3, "B", D(25), S.POINTS, D(15), D(25)),       # 25 × 15/25 = 15
             Mark(4, "B", D(5), S.YES_NO, D(0))]                # 0 of 5
    result = score(marks, BANDS)
    assert result.scored == D(41) and result.possible == D(60)
    assert result.total_pct == D(41) / D(60) * 100                # 68.33 %
    assert result.sections == {"A": D(26) / D(30) * 100, "B": D(15) / D(30) * 100}
    assert result.rating == "needs_improvement"
    assert result.missed == [4]                                    # 15/25 is not below half


def test_not_applicable_leaves_the_criterion_out():
    marks = [Mark(1, "A", D(10), S.YES_NO, D(1)), Mark(2, "A", D(90), S.YES_NO, None)]
    assert score(marks, BANDS).total_pct == 100


def test_a_missed_critical_criterion_fails_whatever_the_total():
    marks = [Mark(1, "A", D(95), S.YES_NO, D(1)), Mark(2, "A", D(5), S.YES_NO, D(0), critical=True)]
    result = score(marks, BANDS)
    assert result.total_pct == 95 and result.critical_missed == [2] and result.rating == FAILED


def test_one_to_five_below_half_is_missed():
    assert score([Mark(1, "A", D(10), S.ONE_TO_FIVE, D(2))], BANDS).missed == [1]   # 2/5 = 40 %
    assert score([Mark(1, "A", D(10), S.ONE_TO_FIVE, D(3))], BANDS).missed == []    # 3/5 = 60 %


def test_rating_bands_at_their_edges():
    assert rating_for(D(90), BANDS, False) == "excellent"
    assert rating_for(D("89.99"), BANDS, False) == "good"
    assert rating_for(D(70), BANDS, False) == "fair"
    assert rating_for(D(0), BANDS, False) == "needs_improvement"
    assert rating_for(D(100), BANDS, True) == FAILED


def test_telephone_courtesy_weights():
    # switchboard 45 (speed 25 + courtesy 20), business unit 55 (speed 15 + courtesy 25 + content 15)
    marks = [Mark(1, "S", D(25), S.POINTS, D(25), D(25)), Mark(2, "S", D(20), S.POINTS, D(16), D(20)),
             Mark(3, "U", D(15), S.POINTS, D(10), D(15)), Mark(4, "U", D(25), S.POINTS, D(20), D(25)),
             Mark(5, "U", D(15), S.POINTS, D(15), D(15), critical=True)]
    result = score(marks, BANDS)
    assert result.possible == 100 and result.total_pct == D(86)   # 25 + 16 + 10 + 20 + 15
    assert result.sections["S"] == D(41) / D(45) * 100 and result.rating == "good"


# The demo counter-service scorecard as tests/browser/test_drills.py scores it on the form, whose running total
# (static/js/drill-score.js) must show what this arithmetic gives: A1 not applicable, A2 missed, C1 at 4 of 5.
COUNTER_SAMPLE = [("A1", 5, S.YES_NO, None, False), ("A2", 5, S.YES_NO, 0, False), ("A3", 10, S.YES_NO, 1, False),
                  ("B1", 15, S.YES_NO, 1, True), ("B2", 15, S.YES_NO, 1, True), ("C1", 10, S.ONE_TO_FIVE, 4, False),
                  ("C2", 10, S.ONE_TO_FIVE, 5, False), ("C3", 10, S.ONE_TO_FIVE, 5, False),
                  ("D1", 10, S.ONE_TO_FIVE, 5, False), ("D2", 5, S.YES_NO, 1, False), ("D3", 5, S.YES_NO, 1, False)]


def test_the_counter_sample_the_browser_test_scores():
    marks = [Mark(n, code[0], D(weight), scale, None if value is None else D(value), critical=critical)
             for n, (code, weight, scale, value, critical) in enumerate(COUNTER_SAMPLE)]
    result = score(marks, BANDS)
    assert result.scored == D(88) and result.possible == D(95)         # A1's 5 points leave the possible total
    assert f"{result.total_pct:.1f}" == "92.6" and result.rating == "excellent"
    assert result.missed == [1] and result.critical_missed == []
