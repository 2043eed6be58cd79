"""Citizen time saved, against values computed by hand: time spent (hours) and turnaround (case-days), never mixed."""
from decimal import Decimal

import pytest
from flask_babel import force_locale

from qms.initiatives import demo
from qms.initiatives.models import TimeUnit
from qms.initiatives.savings import Total, days_formula, figure, hours_formula, saving, to_minutes, totals

U = TimeUnit


@pytest.mark.parametrize("value,unit,minutes", [
    (50, U.MINUTES, 50), (Decimal("1.5"), U.HOURS, 90), (999, U.ON_THE_SPOT, 0), (0, U.MINUTES, 0),
])
def test_to_minutes(value, unit, minutes):
    assert to_minutes(value, unit) == minutes


def test_days_are_not_a_unit_of_time_spent():
    # 6 days used to count as 6 × 8 working hours = 2,880 minutes of the citizen's time
    with pytest.raises(ValueError):
        to_minutes(6, "days")


# The demo's nine pairs, as the presentation gives them, with the demo's illustrative cases a year.
# Hours saved = (minutes before − after) × cases ÷ 60; case-days saved = (days before − after) × cases.
DEMO_BY_HAND = {
    #  service: (hours saved a year, case-days saved a year)
    "英文謄本": (None, Decimal(4920)),             # turnaround 6 days → on the spot: 6 × 820 = 4,920 case-days
    "改名查詢": (Decimal(225), None),              # (50 − 5) × 300 = 13,500 min = 225 h
    "專人大宗謄本": (Decimal(800), None),          # (30 − 10) × 2,400 = 48,000 min = 800 h
    "遷徙免書證免謄本": (Decimal(2625), None),     # (50 − 5) × 3,500 = 157,500 min = 2,625 h
    "數位除戶謄本": (Decimal(900), None),          # (50 − 5) × 1,200 = 54,000 min = 900 h
    "自動拍照": (Decimal(220000) / 60, None),      # (60 − 5) × 4,000 = 220,000 min = 3,666⅔ h
    "規費電腦化": (Decimal(80000) / 60, None),     # (5 − 1) × 20,000 = 80,000 min = 1,333⅓ h
    "線上申辦案件": (Decimal(1500), None),         # (50 − 5) × 2,000 = 90,000 min = 1,500 h
    "國籍歸化測試": (None, Decimal(5400)),         # turnaround 90 days → test on arrival: 90 × 60 = 5,400 case-days
}


def demo_savings():
    found = {}
    for rows in demo.IMPROVEMENTS.values():
        for service, minutes, days, cases in rows:
            found[service] = saving(minutes and minutes[0], minutes and U.MINUTES, minutes and minutes[1],
                                    minutes and U.MINUTES, cases, turnaround_before_days=days and days[0],
                                    turnaround_after_days=days and days[1])
    return found


@pytest.mark.parametrize("service", list(DEMO_BY_HAND))
def test_demo_improvements_by_hand(service):
    result = demo_savings()[service]
    hours, case_days = DEMO_BY_HAND[service]
    assert (result.hours_saved_per_year, result.case_days_saved_per_year) == (hours, case_days)


def test_demo_totals_by_hand():
    # hours: 225 + 800 + 2,625 + 900 + 3,666⅔ + 1,333⅓ + 1,500 = 11,050 h (663,000 min ÷ 60), from 7 improvements;
    # case-days: 4,920 + 5,400 = 10,320, from 2. Before the split, the two waits counted 6 × 480 min × 820 ÷ 60
    # = 39,360 h and 90 × 480 × 60 ÷ 60 = 43,200 h, for 93,610 h in all.
    grand, _by = totals((service, value) for service, value in demo_savings().items())
    assert grand.hours_saved == 11050 and grand.case_days_saved == 10320
    assert (grand.improvements, grand.with_time_spent, grand.with_turnaround) == (9, 7, 2)
    assert grand.cases == 34280


def test_formulas_show_each_figure_with_its_terms(app):
    savings = demo_savings()
    with force_locale("en"):
        assert hours_formula(savings["改名查詢"]) == "(50 − 5) min × 300 cases = 225 h"
        assert hours_formula(savings["自動拍照"]) == "(60 − 5) min × 4,000 cases = 3,666.7 h"
        assert days_formula(savings["英文謄本"]) == "(6 − 0) days × 820 cases = 4,920 case-days"
        assert days_formula(savings["國籍歸化測試"]) == "(90 − 0) days × 60 cases = 5,400 case-days"
        # a measure not recorded has no formula, and no figure
        assert hours_formula(savings["英文謄本"]) == "" and days_formula(savings["改名查詢"]) == ""
    assert (figure(Decimal("1333.3333")), figure(800), figure(Decimal("0.5"), 2)) == ("1,333.3", "800", "0.5")


def test_hours_and_stamps_by_hand():
    # 2,400 cases × (30 − 10) min ÷ 60 = 800 h; stamps 3 → 1: 2 levels × 2,400 = 4,800 stamps a year
    result = saving(30, U.MINUTES, 10, U.MINUTES, 2400, stamps_before=3, stamps_after=1)
    assert result.hours_saved_per_year == 800 and result.case_days_saved_per_year is None
    assert (result.stamp_levels_removed, result.stamps_removed_per_year) == (2, 4800)
    # mixed units: 2 hours before, 45 minutes after, 120 cases: 120 × 75 ÷ 60 = 150 h
    assert saving(2, U.HOURS, 45, U.MINUTES, 120).hours_saved_per_year == 150
    # no stamp data: nothing is claimed
    assert saving(5, U.MINUTES, 1, U.MINUTES, 10).stamps_removed_per_year is None


def test_both_measures_of_one_improvement_stay_apart():
    # 30 → 5 min at the counter and 3 → 0.5 days until the result, 1,200 cases:
    # 25 × 1,200 ÷ 60 = 500 h; 2.5 × 1,200 = 3,000 case-days
    result = saving(30, U.MINUTES, 5, U.MINUTES, 1200, turnaround_before_days=3,
                    turnaround_after_days=Decimal("0.5"))
    assert (result.hours_saved_per_year, result.case_days_saved_per_year) == (500, 3000)
    assert (result.days_before, result.days_after, result.days_saved_per_case) == (3, Decimal("0.5"), Decimal("2.5"))
    # turnaround alone: no hours are claimed
    only_days = saving(None, None, None, None, 1200, turnaround_before_days=6, turnaround_after_days=0)
    assert only_days.hours_saved_per_year is None and only_days.minutes_saved_per_case is None
    assert only_days.case_days_saved_per_year == 7200


def test_totals_per_key():
    a = saving(50, U.MINUTES, 5, U.MINUTES, 600)      # 450 h
    b = saving(None, None, None, None, 30, turnaround_before_days=1, turnaround_after_days=0)  # 30 case-days
    c = saving(10, U.MINUTES, 4, U.MINUTES, 100, 2, 1)  # 10 h, 100 stamps
    grand, by_key = totals([("x", a), ("y", b), ("x", c)])
    assert grand.hours_saved == 460 and grand.case_days_saved == 30
    assert grand.cases == 730 and grand.stamps_removed == 100
    assert by_key["x"].hours_saved == 460 and by_key["x"].improvements == 2
    assert by_key["y"] == Total(improvements=1, cases=30, hours_saved=Decimal(0), stamps_removed=0,
                                case_days_saved=Decimal(30), with_time_spent=0, with_turnaround=1)
