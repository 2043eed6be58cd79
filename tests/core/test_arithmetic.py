"""Figures users rely on, checked against the values printed in the Luzhu presentation (DIGEST.md)."""
import datetime as dt

import pytest

from qms.core.services import days_until, population_per_staff, roc_year
from qms.i18n import roc_date


@pytest.mark.parametrize("office,staff,population,expected", [
    ("桃園市蘆竹區", 30, 151354, 5045),
    ("臺北市中正區", 53, 163388, 3083),
    ("高雄市小港區", 35, 156171, 4462),
    ("新北市淡水區", 33, 158953, 4817),
    ("臺中市北區", 36, 147471, 4096),
])
def test_population_per_staff_matches_the_2014_benchmarking_table(office, staff, population, expected):
    assert population_per_staff(population, staff) == expected


def test_population_per_staff_rounds_half_up_and_handles_missing():
    assert population_per_staff(5, 2) == 3  # 2.5 -> 3, not banker's 2
    assert population_per_staff(7, 2) == 4  # 3.5 -> 4
    assert population_per_staff(153283, 30) == 5109
    assert population_per_staff(None, 30) is None
    assert population_per_staff(1000, 0) is None


def test_days_until():
    today = dt.date(2026, 11, 26)
    assert days_until(dt.date(2026, 12, 31), today) == 35
    assert days_until(today, today) == 0
    assert days_until(dt.date(2026, 11, 20), today) == -6
    assert days_until(None, today) is None


def test_roc_years_as_the_source_writes_them():
    assert roc_year(2014) == 103  # "103年" in the presentation is 2014
    assert roc_year(2015) == 104
    assert roc_date(dt.date(2015, 5, 31)) == "民國104年5月31日"
