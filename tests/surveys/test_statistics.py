"""Survey statistics checked against references worked out here from first principles with plain Python loops."""
import math
import statistics
from statistics import NormalDist

import numpy as np
import pytest
from scipy.stats import f as f_dist

from qms.surveys import statistics as st

NAN = float("nan")
Z95 = 1.959963984540054


# --- references: plain loops over lists, no numpy and nothing from the module under test ---------------------------

def complete_rows(matrix) -> list[list[float]]:
    return [[float(v) for v in row] for row in matrix if not any(math.isnan(v) for v in row)]


def column(rows, j) -> list[float]:
    return [row[j] for row in rows]


def ref_alpha(rows) -> float:
    k = len(rows[0])
    item_variances = sum(statistics.variance(column(rows, j)) for j in range(k))
    total_variance = statistics.variance([sum(row) for row in rows])
    return k / (k - 1) * (1 - item_variances / total_variance)


def ref_standardized(rows) -> float:
    k = len(rows[0])
    pairs = [statistics.correlation(column(rows, i), column(rows, j)) for i in range(k) for j in range(k) if i != j]
    mean_r = sum(pairs) / len(pairs)
    return k * mean_r / (1 + (k - 1) * mean_r)


def ref_if_deleted(rows) -> list[float]:
    k = len(rows[0])
    return [ref_alpha([[v for j, v in enumerate(row) if j != i] for row in rows]) for i in range(k)]


def ref_item_rest(rows) -> list[float]:
    k = len(rows[0])
    return [statistics.correlation(column(rows, i), [sum(row) - row[i] for row in rows]) for i in range(k)]


def ref_item(values, k):
    answered = [v for v in values if not math.isnan(v)]
    counts = [0] * k
    for v in answered:
        counts[int(v) - 1] += 1
    top_two = 0
    for v in answered:
        if v >= k - 1:
            top_two += 1
    return (len(answered), statistics.fmean(answered), statistics.stdev(answered), 100 * top_two / len(answered),
            counts)


def values(items: list[st.Value]) -> list[float]:
    assert all(item.value is not None and item.reason == "" for item in items)
    return [item.value for item in items]


def check_against_references(matrix: np.ndarray):
    rows = complete_rows(matrix.tolist())
    result = st.reliability(matrix)
    assert result.complete_n == len(rows)
    assert result.alpha.value == pytest.approx(ref_alpha(rows), abs=1e-9)
    assert result.standardized.value == pytest.approx(ref_standardized(rows), abs=1e-9)
    assert values(result.if_deleted) == pytest.approx(ref_if_deleted(rows), abs=1e-9)
    assert values(result.item_rest) == pytest.approx(ref_item_rest(rows), abs=1e-9)
    # The one-statistic functions agree with the combined one.
    assert st.cronbach_alpha(matrix) == result.alpha
    assert st.standardized_alpha(matrix) == result.standardized
    assert st.alpha_if_deleted(matrix) == result.if_deleted
    assert st.item_rest_correlations(matrix) == result.item_rest
    return result


# --- a small hand-made set -------------------------------------------------------------------------------------------

HAND = np.array([
    [5, 4, 5, 4],
    [4, 4, 4, 3],
    [3, 3, 4, 3],
    [2, 3, 2, 2],
    [4, 5, 5, 4],
    [3, 2, 3, 2],
], dtype=float)


def test_alpha_of_the_hand_made_set_matches_the_step_by_step_value():
    # Item sample variances (ddof=1), sum of squared deviations / 5:
    #   Q1 5,4,3,2,4,3  mean 3.5   SS 2.25+.25+.25+2.25+.25+.25 = 5.5      var 1.1
    #   Q2 4,4,3,3,5,2  mean 3.5   SS .25+.25+.25+.25+2.25+2.25 = 5.5      var 1.1
    #   Q3 5,4,4,2,5,3  mean 23/6  SS (49+1+1+121+49+25)/36 = 41/6          var 41/30
    #   Q4 4,3,3,2,4,2  mean 3     SS 1+0+0+1+1+1 = 4                       var 0.8
    #   Σ var_i = 33/30 + 33/30 + 41/30 + 24/30 = 131/30
    # Row totals 18,15,13,9,18,10: mean 83/6, SS (625+49+25+841+625+529)/36 = 449/6, var 449/30
    # α = 4/3 · (1 − (131/30)/(449/30)) = 4/3 · 318/449 = 424/449 ≈ 0.944321
    assert st.cronbach_alpha(HAND).value == pytest.approx(424 / 449, abs=1e-12)
    result = check_against_references(HAND)
    assert result.complete_n == 6


def test_item_stats_of_the_hand_made_set():
    # Q1 on a 5-point scale: 5,4,3,2,4,3 -> one 2, two 3s, two 4s, one 5; 4s and 5s are the top two: 3 of 6.
    q1 = st.item_stats(HAND[:, 0], 5)
    assert q1 == st.ItemStats(n=6, mean=3.5, sd=pytest.approx(math.sqrt(1.1), abs=1e-12), top_two_pct=50.0,
                              distribution=[0, 1, 2, 2, 1])
    for j in range(4):
        n, mean, sd, top_two, counts = ref_item(HAND[:, j].tolist(), 5)
        got = st.item_stats(HAND[:, j], 5)
        assert (got.n, got.distribution) == (n, counts)
        assert got.mean == pytest.approx(mean, abs=1e-12)
        assert got.sd == pytest.approx(sd, abs=1e-12)
        assert got.top_two_pct == pytest.approx(top_two, abs=1e-12)


# --- a random set with a common factor and blanks ---------------------------------------------------------------------

def factor_data(seed: int, n: int, k: int, scale: int, blank_share: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    factor = rng.normal(size=(n, 1))
    loadings = rng.uniform(0.4, 1.0, size=(1, k))
    raw = (scale + 1) / 2 + factor * loadings + rng.normal(scale=0.8, size=(n, k))
    answers = np.clip(np.rint(raw), 1, scale)
    answers[rng.random((n, k)) < blank_share] = np.nan
    return answers


def test_random_set_with_blanks_uses_listwise_complete_rows():
    answers = factor_data(seed=20240613, n=400, k=6, scale=5, blank_share=0.04)
    rows = complete_rows(answers.tolist())
    assert 250 < len(rows) < 400  # the blanks really do remove rows
    result = check_against_references(answers)
    assert result.complete_n == len(rows)
    assert 0.5 < result.alpha.value < 1  # the common factor shows
    # Listwise deletion: the same as handing over only the complete rows.
    complete = answers[~np.isnan(answers).any(axis=1)]
    assert st.reliability(complete) == result
    # Every row with a blank changes the answer if it were kept.
    assert result.alpha.value != pytest.approx(ref_alpha([[0 if math.isnan(v) else v for v in row]
                                                          for row in answers.tolist()]), abs=1e-6)


@pytest.mark.parametrize("scale", [5, 7])
def test_item_stats_exclude_blanks(scale):
    answers = factor_data(seed=scale, n=300, k=4, scale=scale, blank_share=0.1)
    for j in range(4):
        values_j = answers[:, j].tolist()
        n, mean, sd, top_two, counts = ref_item(values_j, scale)
        got = st.item_stats(answers[:, j], scale)
        assert got.n == n == sum(1 for v in values_j if not math.isnan(v)) < 300
        assert got.distribution == counts and len(got.distribution) == scale and sum(got.distribution) == n
        assert got.mean == pytest.approx(mean, abs=1e-9)
        assert got.sd == pytest.approx(sd, abs=1e-9)
        assert got.top_two_pct == pytest.approx(top_two, abs=1e-9)


def test_seven_point_set_with_many_items():
    check_against_references(factor_data(seed=7, n=250, k=12, scale=7, blank_share=0.01))


# --- Feldt interval ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("alpha,n,k,confidence", [(0.85, 89, 7, 0.95), (0.6, 15, 10, 0.95), (0.93, 1760, 22, 0.9),
                                                  (-0.2, 30, 3, 0.99)])
def test_feldt_interval_follows_the_formula(alpha, n, k, confidence):
    df1, df2 = n - 1, (n - 1) * (k - 1)
    expected_lower = 1 - (1 - alpha) * f_dist.ppf(1 - (1 - confidence) / 2, df1, df2)
    expected_upper = 1 - (1 - alpha) * f_dist.ppf((1 - confidence) / 2, df1, df2)
    lower, upper = st.alpha_ci(alpha, n, k, confidence)
    assert lower.value == pytest.approx(expected_lower, abs=1e-12)
    assert upper.value == pytest.approx(expected_upper, abs=1e-12)
    assert lower.value < alpha < upper.value


# pingouin's documented example (datasets/cronbach_alpha.csv, 15 respondents × 10 items on a 1-7 scale, shown wide):
#   pg.cronbach_alpha(...) -> (0.591719, array([0.195, 0.84 ]))
PINGOUIN = np.array([
    [3, 2, 4, 1, 4, 5, 1, 4, 3, 2],
    [5, 4, 6, 3, 5, 1, 2, 5, 5, 5],
    [7, 3, 5, 5, 6, 4, 3, 3, 6, 5],
    [2, 4, 3, 3, 2, 2, 2, 6, 6, 3],
    [6, 5, 6, 5, 4, 4, 4, 6, 7, 5],
    [1, 2, 3, 4, 2, 5, 2, 3, 5, 2],
    [4, 3, 5, 3, 5, 2, 1, 2, 4, 3],
    [2, 4, 4, 3, 7, 2, 2, 4, 6, 5],
    [6, 5, 5, 5, 1, 6, 5, 2, 3, 2],
    [5, 4, 6, 4, 3, 5, 3, 1, 7, 2],
    [4, 3, 5, 2, 5, 3, 2, 3, 4, 1],
    [4, 2, 3, 2, 5, 3, 4, 2, 3, 4],
    [5, 5, 6, 2, 3, 3, 2, 4, 4, 5],
    [6, 5, 5, 4, 2, 2, 1, 4, 6, 5],
    [4, 3, 5, 5, 3, 1, 3, 2, 3, 4],
], dtype=float)


def test_published_pingouin_example():
    result = check_against_references(PINGOUIN)
    assert round(result.alpha.value, 6) == 0.591719
    assert round(result.ci_lower.value, 3) == 0.195
    assert round(result.ci_upper.value, 3) == 0.84


def test_reliability_interval_uses_complete_rows_and_item_count():
    answers = factor_data(seed=99, n=200, k=5, scale=5, blank_share=0.03)
    result = st.reliability(answers)
    lower, upper = st.alpha_ci(result.alpha.value, result.complete_n, 5)
    assert (result.ci_lower, result.ci_upper) == (lower, upper)


def test_feldt_interval_not_available():
    assert st.alpha_ci(0.8, 1, 5) == (st.Value(None, "fewer than two complete responses"),) * 2
    assert st.alpha_ci(0.8, 100, 1) == (st.Value(None, "fewer than two items"),) * 2
    assert st.alpha_ci(0.8, 100, 5, confidence=1.0)[0].reason == "confidence outside 0 to 1"
    assert st.alpha_ci(math.nan, 100, 5)[1].reason == "alpha not finite"


# --- n/a cases --------------------------------------------------------------------------------------------------------

def test_one_item_has_no_reliability():
    result = st.reliability(np.array([[1.0], [3.0], [5.0]]))
    none = st.Value(None, "fewer than two items")
    assert (result.complete_n, result.alpha, result.standardized, result.ci_lower, result.ci_upper) == \
        (3, none, none, none, none)
    assert result.if_deleted == [none] and result.item_rest == [none]
    assert st.reliability(np.empty((4, 0))).if_deleted == []


def test_two_items_have_alpha_but_nothing_left_when_one_is_dropped():
    answers = np.array([[1, 2], [2, 2], [4, 5], [5, 4]], dtype=float)
    rows = complete_rows(answers.tolist())
    result = st.reliability(answers)
    assert result.alpha.value == pytest.approx(ref_alpha(rows), abs=1e-12)
    assert result.if_deleted == [st.Value(None, "fewer than two items")] * 2
    r = statistics.correlation(column(rows, 0), column(rows, 1))
    assert values(result.item_rest) == pytest.approx([r, r], abs=1e-12)


def test_identical_answers_have_zero_variance():
    result = st.reliability(np.full((10, 4), 4.0))
    zero = st.Value(None, "zero variance")
    assert (result.alpha, result.standardized, result.ci_lower, result.ci_upper) == (zero, zero, zero, zero)
    assert result.if_deleted == [zero] * 4 and result.item_rest == [zero] * 4


def test_items_that_cancel_out_have_zero_total_variance():
    # The second item is the first reversed, so every row adds up to 6.
    first = np.array([1, 2, 3, 4, 5, 2, 4], dtype=float)
    result = st.reliability(np.column_stack([first, 6 - first]))
    assert result.alpha == st.Value(None, "zero variance")
    assert result.standardized == st.Value(None, "zero variance")
    assert values(result.item_rest) == pytest.approx([-1.0, -1.0], abs=1e-12)


def test_one_constant_item_spoils_only_what_needs_its_variance():
    answers = HAND.copy()
    answers[:, 2] = 3.0
    rows = complete_rows(answers.tolist())
    result = st.reliability(answers)
    assert result.alpha.value == pytest.approx(ref_alpha(rows), abs=1e-12)
    assert result.standardized == st.Value(None, "zero variance")
    assert values(result.if_deleted) == pytest.approx(ref_if_deleted(rows), abs=1e-12)
    assert result.item_rest[2] == st.Value(None, "zero variance")
    for i in (0, 1, 3):
        rest = [sum(row) - row[i] for row in rows]
        assert result.item_rest[i].value == pytest.approx(statistics.correlation(column(rows, i), rest), abs=1e-12)


@pytest.mark.parametrize("answers", [
    np.array([[1, 2, 3], [2, NAN, 3], [NAN, 4, 4]], dtype=float),
    np.array([[1, 2, 3]], dtype=float),
    np.empty((0, 3)),
])
def test_fewer_than_two_complete_rows(answers):
    result = st.reliability(answers)
    none = st.Value(None, "fewer than two complete responses")
    assert result.complete_n == (1 if len(answers) else 0)
    assert (result.alpha, result.standardized, result.ci_lower, result.ci_upper) == (none, none, none, none)
    assert result.if_deleted == [none] * 3 and result.item_rest == [none] * 3


def test_item_stats_with_few_answers():
    assert st.item_stats(np.array([NAN, NAN]), 5) == st.ItemStats(0, None, None, None, [0, 0, 0, 0, 0])
    assert st.item_stats(np.array([NAN, 6.0]), 7) == st.ItemStats(1, 6.0, None, 100.0, [0, 0, 0, 0, 0, 1, 0])
    with pytest.raises(ValueError):
        st.item_stats(np.array([1.0, 6.0]), 5)
    with pytest.raises(ValueError):
        st.item_stats(np.array([2.5]), 5)


# --- margin of error --------------------------------------------------------------------------------------------------

def test_margin_of_the_office_round():
    m = st.margin_of_error(1760).value
    assert round(m * 100, 2) == 2.34
    assert abs(m - 1.959963984540054 * math.sqrt(0.25 / 1760)) < 1e-12
    observed = st.margin_of_error(1760, p=0.8).value
    assert abs(observed - Z95 * math.sqrt(0.8 * 0.2 / 1760)) < 1e-12


def test_margin_with_finite_population_correction():
    n, population = 1760, 8000
    expected = Z95 * math.sqrt(0.25 / n) * math.sqrt((population - n) / (population - 1))
    assert abs(st.margin_of_error(n, population=population).value - expected) < 1e-12
    assert st.margin_of_error(n, population=n).value == 0.0  # a census


@pytest.mark.parametrize("kwargs,reason", [
    ({"n": 0}, "no responses"),
    ({"n": 100, "population": 1}, "population too small"),
    ({"n": 100, "population": 50}, "sample larger than population"),
    ({"n": 100, "p": 1.5}, "proportion outside 0 to 1"),
    ({"n": 100, "z": 0.0}, "z not positive"),
])
def test_margin_not_available(kwargs, reason):
    assert st.margin_of_error(**kwargs) == st.Value(None, reason)


def test_explain_a_printed_two_percent_margin():
    explained = st.explain_margin(0.02, 1760, p_observed=0.8)
    z = explained["z_for_target"]
    assert round(z, 3) == 1.678
    assert abs(z * math.sqrt(0.25 / 1760) - 0.02) < 1e-12
    assert round(explained["confidence_for_target"] * 100, 1) == 90.7
    assert abs(explained["confidence_for_target"] - (2 * NormalDist().cdf(z) - 1)) < 1e-12

    assert explained["n_for_target"] == 2401
    assert 1.96 * math.sqrt(0.25 / 2401) <= 0.02 + 1e-15 < 1.96 * math.sqrt(0.25 / 2400)

    p = explained["p_for_target"]
    assert 0 < p <= 0.5
    assert abs(1.96 * math.sqrt(p * (1 - p) / 1760) - 0.02) < 1e-12

    population = explained["population_for_target"]
    assert population > 1760
    assert abs(1.96 * math.sqrt(0.25 / 1760) * math.sqrt((population - 1760) / (population - 1)) - 0.02) < 1e-12

    assert abs(explained["margin_at_observed_p"] - 1.96 * math.sqrt(0.8 * 0.2 / 1760)) < 1e-12


def test_explain_a_margin_larger_than_the_half_margin():
    explained = st.explain_margin(0.03, 1760)
    assert explained["p_for_target"] is None and explained["population_for_target"] is None
    assert explained["margin_at_observed_p"] is None
    assert abs(explained["z_for_target"] * math.sqrt(0.25 / 1760) - 0.03) < 1e-12
    assert explained["n_for_target"] == math.ceil(1.96 ** 2 * 0.25 / 0.03 ** 2)


def test_explain_without_responses():
    explained = st.explain_margin(0.02, 0, p_observed=0.5)
    assert explained["n_for_target"] == 2401
    assert all(explained[key] is None for key in ("z_for_target", "confidence_for_target", "p_for_target",
                                                  "population_for_target", "margin_at_observed_p"))
