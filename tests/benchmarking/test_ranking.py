"""Ranks, medians, gaps and ratios by hand."""
from decimal import Decimal as D

from qms.benchmarking.ranking import best, gap_to, median, rank, ratio


def test_higher_is_better_with_ties_sharing_a_rank():
    assert rank({"a": D(10), "b": D(30), "c": D(20), "d": D(30)}, higher_is_better=True) == {
        "b": 1, "d": 1, "c": 3, "a": 4}


def test_lower_is_better_and_missing_values_are_unranked():
    assert rank({"a": D(10), "b": None, "c": D(5), "d": D(10)}, higher_is_better=False) == {"c": 1, "a": 2, "d": 2}


def test_median_best_and_gaps():
    values = [D(3083), D(4462), D(4817), D(4096)]
    assert median(values) == D("4279")  # (4096 + 4462) / 2
    assert median([D(1), D(9), D(4)]) == D(4)
    assert median([None]) is None
    assert best(values, True) == D(4817) and best(values, False) == D(3083)
    assert gap_to(D(5045), D(4279), True) == D(-766)   # ahead of the median by 766
    assert gap_to(D(30), D(33), False) == D(-3)        # fewer staff than the reference: ahead
    assert gap_to(None, D(1), True) is None


def test_ratio_refuses_zero_and_missing():
    assert ratio(D(151354), D(30)).value == D(151354) / D(30)
    assert ratio(D(5), D(0)).value is None and ratio(D(5), D(0)).reason == "zero"
    assert ratio(None, D(3)).reason == "missing"
