"""Satisfaction-survey statistics: item summaries, Cronbach's alpha with its Feldt interval, and margins of error."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

Z_95 = 1.959963984540054  # two-sided 95 % normal quantile
Z_OFFICE = 1.96  # the rounded value offices print and calculate with

FEWER_THAN_TWO_ITEMS = "fewer than two items"
FEWER_THAN_TWO_COMPLETE = "fewer than two complete responses"
ZERO_VARIANCE = "zero variance"
NO_RESPONSES = "no responses"
CONFIDENCE_OUT_OF_RANGE = "confidence outside 0 to 1"
ALPHA_NOT_FINITE = "alpha not finite"
PROPORTION_OUT_OF_RANGE = "proportion outside 0 to 1"
Z_NOT_POSITIVE = "z not positive"
POPULATION_TOO_SMALL = "population too small"
SAMPLE_LARGER_THAN_POPULATION = "sample larger than population"

# A variance of a sum is a sum of covariances, each carrying rounding error of order eps times its size; a sum that
# is truly zero (e.g. two items that always add up to k + 1) comes out as dust of that order, not as 0.0.
_RELATIVE_ZERO = 1e-12


@dataclass(frozen=True)
class Value:
    """A statistic that may be unavailable; `reason` is a short stable English key, "" when `value` is present."""

    value: float | None
    reason: str = ""


@dataclass(frozen=True)
class ItemStats:
    """Summary of one item's non-blank answers."""

    n: int
    mean: float | None
    sd: float | None
    top_two_pct: float | None
    distribution: list[int]


@dataclass
class Reliability:
    """Internal-consistency statistics for one set of items, all on the same listwise-complete rows."""

    complete_n: int
    alpha: Value
    standardized: Value
    ci_lower: Value
    ci_upper: Value
    if_deleted: list[Value] = field(default_factory=list)
    item_rest: list[Value] = field(default_factory=list)


def item_stats(column: np.ndarray, k: int) -> ItemStats:
    """Count, mean, sample SD, top-two share and answer distribution of one item on a 1..k scale.

    n = number of non-blank answers; mean = Σx / n; sd = sqrt(Σ(x − mean)² / (n − 1)) (None when n < 2);
    top_two_pct = 100 · #{x ≥ k − 1} / n; distribution[j] = #{x = j + 1} for j = 0..k−1. Blanks (NaN) are left
    out of every figure. Raises ValueError when an answer is not a whole number from 1 to k.
    """
    if k < 2:
        raise ValueError("a scale needs at least two points")
    values = np.asarray(column, dtype=float).ravel()
    values = values[~np.isnan(values)]
    n = int(values.size)
    if n and (np.any(values != np.rint(values)) or values.min() < 1 or values.max() > k):
        raise ValueError(f"answers must be whole numbers from 1 to {k}")
    distribution = np.bincount(values.astype(np.int64) - 1, minlength=k).tolist() if n else [0] * k
    if n == 0:
        return ItemStats(0, None, None, None, distribution)
    return ItemStats(
        n=n,
        mean=float(values.mean()),
        sd=float(values.std(ddof=1)) if n >= 2 else None,
        top_two_pct=float(np.count_nonzero(values >= k - 1) * 100 / n),
        distribution=distribution,
    )


def cronbach_alpha(answers: np.ndarray) -> Value:
    """Raw Cronbach's alpha on listwise-complete rows.

    α = k/(k − 1) · (1 − Σ var_i / var_total), where var_i is item i's sample variance (ddof=1), var_total the
    sample variance of the row sums, and k the number of items.
    """
    return _alpha(_covariance(answers)[1])


def standardized_alpha(answers: np.ndarray) -> Value:
    """Standardized alpha on listwise-complete rows.

    α_std = k · r̄ / (1 + (k − 1) · r̄), r̄ = mean of the k(k − 1) off-diagonal Pearson correlations between items.
    """
    return _standardized(_covariance(answers)[1])


def alpha_ci(alpha: float, n: int, k: int, confidence: float = 0.95) -> tuple[Value, Value]:
    """Feldt (1965) confidence interval for alpha, as pingouin.cronbach_alpha reports it.

    df1 = n − 1, df2 = (n − 1)(k − 1), c = confidence;
    lower = 1 − (1 − α) · F⁻¹(1 − (1 − c)/2; df1, df2), upper = 1 − (1 − α) · F⁻¹((1 − c)/2; df1, df2),
    with n the number of complete responses and k the number of items.
    """
    reason = ""
    if k < 2:
        reason = FEWER_THAN_TWO_ITEMS
    elif n < 2:
        reason = FEWER_THAN_TWO_COMPLETE
    elif not 0 < confidence < 1:
        reason = CONFIDENCE_OUT_OF_RANGE
    elif not math.isfinite(alpha):
        reason = ALPHA_NOT_FINITE
    if reason:
        return Value(None, reason), Value(None, reason)
    # scipy.stats takes a noticeable fraction of a second to import and only the interval needs it.
    from scipy.stats import f

    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - confidence) / 2
    lower = 1 - (1 - alpha) * float(f.ppf(1 - tail, df1, df2))
    upper = 1 - (1 - alpha) * float(f.ppf(tail, df1, df2))
    return Value(lower), Value(upper)


def alpha_if_deleted(answers: np.ndarray) -> list[Value]:
    """Raw alpha of the other k − 1 items when each item is dropped, on the rows complete for all k items.

    From the covariance matrix C: α₋ᵢ = (k − 1)/(k − 2) · (1 − (tr C − Cᵢᵢ) / (ΣC − 2·Σⱼ Cᵢⱼ + Cᵢᵢ)).
    """
    return _if_deleted(_covariance(answers)[1])


def item_rest_correlations(answers: np.ndarray) -> list[Value]:
    """Corrected item-total correlation: Pearson r of each item with the sum of the other items, complete rows.

    From the covariance matrix C: rᵢ = (Σⱼ Cᵢⱼ − Cᵢᵢ) / sqrt(Cᵢᵢ · (ΣC − 2·Σⱼ Cᵢⱼ + Cᵢᵢ)).
    """
    return _item_rest(_covariance(answers)[1])


def margin_of_error(n: int, p: float = 0.5, z: float = Z_95, population: int | None = None) -> Value:
    """Margin of error of a proportion, as a proportion (0.0234 means ±2.34 %).

    m = z · sqrt(p(1 − p) / n), times the finite-population correction sqrt((N − n) / (N − 1)) when a population N
    is given (a census, N = n, has margin 0).
    """
    if n < 1:
        return Value(None, NO_RESPONSES)
    if not 0 <= p <= 1:
        return Value(None, PROPORTION_OUT_OF_RANGE)
    if not z > 0:
        return Value(None, Z_NOT_POSITIVE)
    margin = z * math.sqrt(p * (1 - p) / n)
    if population is not None:
        if population <= 1:
            return Value(None, POPULATION_TOO_SMALL)
        if population < n:
            return Value(None, SAMPLE_LARGER_THAN_POPULATION)
        margin *= math.sqrt((population - n) / (population - 1))
    return Value(margin)


def explain_margin(target: float, n: int, p_observed: float | None = None, *,
                   z: float = Z_OFFICE) -> dict[str, float | None]:
    """Which assumption would turn a sample of n into a printed margin `target` (a proportion, e.g. 0.02).

    With m₀ = z · sqrt(0.25 / n), the margin at p = 0.5 without correction:
      z_for_target          = target / sqrt(0.25 / n) = 2 · target · sqrt(n); confidence_for_target = 2Φ(z) − 1
      n_for_target          = ⌈z² · 0.25 / target²⌉
      p_for_target          = the p ≤ 0.5 with p(1 − p) = n · (target / z)²  (None when target > m₀)
      population_for_target = N with m₀ · sqrt((N − n)/(N − 1)) = target, i.e. N = (n − r)/(1 − r), r = (target/m₀)²
                              (None when target ≥ m₀ or n < 2: the correction only ever shrinks the margin)
      margin_at_observed_p  = z · sqrt(p_observed(1 − p_observed) / n)  (None without p_observed)
    Every entry is None when its inputs make it meaningless (n < 1, target ≤ 0). z defaults to the printed 1.96.
    """
    result: dict[str, float | None] = dict.fromkeys(
        ("z_for_target", "confidence_for_target", "n_for_target", "p_for_target", "population_for_target",
         "margin_at_observed_p"))
    usable_target = math.isfinite(target) and target > 0 and z > 0
    if usable_target:
        exact_n = z * z * 0.25 / (target * target)
        # Rounding dust (1.96² · 0.25 / 0.02² = 2400.9999999999995) must not push an exact n up or down by one.
        result["n_for_target"] = math.ceil(round(exact_n, 9))
    if usable_target and n >= 1:
        z_target = 2 * target * math.sqrt(n)
        result["z_for_target"] = z_target
        result["confidence_for_target"] = math.erf(z_target / math.sqrt(2))
        q = n * (target / z) ** 2  # the p(1 − p) the target implies
        if q <= 0.25 * (1 + _RELATIVE_ZERO):
            q = min(q, 0.25)
            # 2q / (1 + sqrt(1 − 4q)) is the smaller root of p² − p + q, without 1 − sqrt(1 − 4q)'s cancellation.
            result["p_for_target"] = 2 * q / (1 + math.sqrt(1 - 4 * q))
        r = 4 * q  # (target / m₀)²
        if n >= 2 and r < 1:
            result["population_for_target"] = (n - r) / (1 - r)
    if p_observed is not None:
        result["margin_at_observed_p"] = margin_of_error(n, p_observed, z).value
    return result


def reliability(answers: np.ndarray) -> Reliability:
    """Alpha, standardized alpha, Feldt 95 % interval, alpha if deleted and item-rest r for one set of items.

    Everything comes from one covariance matrix of the listwise-complete rows, so the cost is O(n·k + k²).
    """
    n, cov = _covariance(answers)
    alpha = _alpha(cov)
    if alpha.value is None:
        ci_lower = ci_upper = Value(None, alpha.reason)
    else:
        ci_lower, ci_upper = alpha_ci(alpha.value, n, cov.items)
    return Reliability(complete_n=n, alpha=alpha, standardized=_standardized(cov), ci_lower=ci_lower,
                       ci_upper=ci_upper, if_deleted=_if_deleted(cov), item_rest=_item_rest(cov))


# --- from the covariance matrix ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Cov:
    """Sample covariance matrix (ddof=1) of the complete rows; `matrix` is None with fewer than two of them."""

    items: int
    matrix: np.ndarray | None
    constant: np.ndarray  # items whose complete-row answers are all equal


def _covariance(answers: np.ndarray) -> tuple[int, _Cov]:
    data = np.asarray(answers, dtype=float)
    if data.ndim != 2:
        raise ValueError("answers must be a 2-D array (respondents × items)")
    complete = data[~np.isnan(data).any(axis=1)]
    n, k = complete.shape
    if n < 2 or k == 0:
        return n, _Cov(k, None, np.zeros(k, dtype=bool))
    centred = complete - complete.mean(axis=0)
    cov = centred.T @ centred / (n - 1)
    # An all-equal column is recognised exactly here, so its variance is a true 0 rather than rounding dust.
    constant = complete.min(axis=0) == complete.max(axis=0)
    cov[constant, :] = 0.0
    cov[:, constant] = 0.0
    return n, _Cov(k, cov, constant)


def _not_ready(cov: _Cov) -> str:
    if cov.items < 2:
        return FEWER_THAN_TWO_ITEMS
    if cov.matrix is None:
        return FEWER_THAN_TWO_COMPLETE
    return ""


def _alpha(cov: _Cov) -> Value:
    reason = _not_ready(cov)
    if reason:
        return Value(None, reason)
    c, k = cov.matrix, cov.items
    item_variance, total_variance = float(np.trace(c)), float(c.sum())
    if total_variance <= _RELATIVE_ZERO * float(np.abs(c).sum()):
        return Value(None, ZERO_VARIANCE)
    return Value(k / (k - 1) * (1 - item_variance / total_variance))


def _standardized(cov: _Cov) -> Value:
    reason = _not_ready(cov)
    if reason:
        return Value(None, reason)
    if cov.constant.any():
        return Value(None, ZERO_VARIANCE)
    c, k = cov.matrix, cov.items
    sd = np.sqrt(np.diag(c))
    correlations = c / np.outer(sd, sd)
    mean_r = float((correlations.sum() - np.trace(correlations)) / (k * (k - 1)))
    denominator = 1 + (k - 1) * mean_r
    # k · denominator is the variance of the sum of standardized items; zero when they cancel out exactly.
    if denominator <= _RELATIVE_ZERO * k:
        return Value(None, ZERO_VARIANCE)
    return Value(k * mean_r / denominator)


def _rest_moments(c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per item i: its variance Cᵢᵢ, cov(item, rest), var(rest) and the size of the terms var(rest) sums."""
    diag = np.diag(c)
    row = c.sum(axis=1)
    absolute = np.abs(c)
    rest_variance = c.sum() - 2 * row + diag
    rest_scale = absolute.sum() - 2 * absolute.sum(axis=1) + np.abs(diag)
    return diag, row - diag, rest_variance, rest_scale


def _if_deleted(cov: _Cov) -> list[Value]:
    k = cov.items
    if k <= 2:
        # Dropping one of two items leaves a single item, which has no alpha.
        return [Value(None, FEWER_THAN_TWO_ITEMS)] * k
    if cov.matrix is None:
        return [Value(None, FEWER_THAN_TWO_COMPLETE)] * k
    c = cov.matrix
    diag, _, rest_variance, rest_scale = _rest_moments(c)
    zero = rest_variance <= _RELATIVE_ZERO * rest_scale
    alphas = (k - 1) / (k - 2) * (1 - (np.trace(c) - diag) / np.where(zero, 1.0, rest_variance))
    return [Value(None, ZERO_VARIANCE) if z else Value(float(a)) for a, z in zip(alphas, zero, strict=True)]


def _item_rest(cov: _Cov) -> list[Value]:
    reason = _not_ready(cov)
    if reason:
        return [Value(None, reason)] * cov.items
    diag, item_rest_cov, rest_variance, rest_scale = _rest_moments(cov.matrix)
    zero = cov.constant | (rest_variance <= _RELATIVE_ZERO * rest_scale)
    denominator = np.sqrt(np.where(zero, 1.0, diag * rest_variance))
    # Rounding can carry a perfect correlation a hair past ±1.
    r = np.clip(item_rest_cov / denominator, -1.0, 1.0)
    return [Value(None, ZERO_VARIANCE) if z else Value(float(v)) for v, z in zip(r, zero, strict=True)]
