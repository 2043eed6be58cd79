"""Citizen time saved, against values computed by hand (a day is 8 working hours; on the spot is 0)."""
from decimal import Decimal

import pytest

from qms.initiatives.models import TimeUnit
from qms.initiatives.savings import Total, saving, to_minutes, totals

U = TimeUnit


@pytest.mark.parametrize("value,unit,minutes", [
    (50, U.MINUTES, 50), (Decimal("1.5"), U.HOURS, 90), (6, U.DAYS, 2880), (90, U.DAYS, 43200),
    (999, U.ON_THE_SPOT, 0), (0, U.MINUTES, 0),
])
def test_to_minutes(value, unit, minutes):
    assert to_minutes(value, unit) == minutes


# The digest's nine pairs, each with an illustrative 1,000 cases a year: hours = 1,000 × minutes saved ÷ 60.
DIGEST_PAIRS = [
    ("英文謄本", 6, U.DAYS, 0, U.ON_THE_SPOT, 2880),
    ("改名查詢", 50, U.MINUTES, 5, U.MINUTES, 45),
    ("專人大宗謄本", 30, U.MINUTES, 10, U.MINUTES, 20),
    ("國籍歸化測試", 90, U.DAYS, 0, U.ON_THE_SPOT, 43200),
    ("遷徙免書證免謄本", 50, U.MINUTES, 5, U.MINUTES, 45),
    ("數位除戶謄本", 50, U.MINUTES, 5, U.MINUTES, 45),
    ("自動拍照", 60, U.MINUTES, 5, U.MINUTES, 55),
    ("規費電腦化", 5, U.MINUTES, 1, U.MINUTES, 4),
    ("線上申辦案件", 50, U.MINUTES, 5, U.MINUTES, 45),
]


@pytest.mark.parametrize("service,before,before_unit,after,after_unit,minutes_saved", DIGEST_PAIRS)
def test_digest_pairs(service, before, before_unit, after, after_unit, minutes_saved):
    result = saving(before, before_unit, after, after_unit, 1000)
    assert result.minutes_saved_per_case == minutes_saved
    assert result.hours_saved_per_year == Decimal(minutes_saved) * 1000 / 60


def test_hours_and_stamps_by_hand():
    # 2,400 cases × (30 − 10) min ÷ 60 = 800 h; stamps 3 → 1: 2 levels × 2,400 = 4,800 stamps a year
    result = saving(30, U.MINUTES, 10, U.MINUTES, 2400, stamps_before=3, stamps_after=1)
    assert result.hours_saved_per_year == 800
    assert (result.stamp_levels_removed, result.stamps_removed_per_year) == (2, 4800)
    # mixed units: 2 hours before, 45 minutes after, 120 cases: 120 × 75 ÷ 60 = 150 h
    assert saving(2, U.HOURS, 45, U.MINUTES, 120).hours_saved_per_year == 150
    # no stamp data: nothing is claimed
    assert saving(5, U.MINUTES, 1, U.MINUTES, 10).stamps_removed_per_year is None


def test_totals_per_key():
    a = saving(50, U.MINUTES, 5, U.MINUTES, 600)      # 450 h
    b = saving(1, U.DAYS, 0, U.ON_THE_SPOT, 30)       # 30 × 480 ÷ 60 = 240 h
    c = saving(10, U.MINUTES, 4, U.MINUTES, 100, 2, 1)  # 10 h, 100 stamps
    grand, by_key = totals([("x", a), ("y", b), ("x", c)])
    assert grand.hours_saved == 700 and grand.cases == 730 and grand.stamps_removed == 100
    assert by_key["x"].hours_saved == 460 and by_key["x"].improvements == 2
    assert by_key["y"] == Total(improvements=1, cases=30, hours_saved=Decimal(240), stamps_removed=0)
