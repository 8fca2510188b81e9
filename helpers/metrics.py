r"""Metrics for cross-sectional forecasts: the per-date Information Coefficient and friends.

The Information Coefficient (IC) of date :math:`t` is the Spearman rank
correlation, across assets, between the forecasts made at :math:`t` and the
returns that follow:

.. math:: \mathrm{IC}_t = \operatorname{corr}\big(\operatorname{rank}(\hat r_{\cdot,t+1}),
          \operatorname{rank}(r_{\cdot,t+1})\big).

It is computed date by date, never over the pooled panel, where market-wide
moves from date to date would dominate it.

Besides :func:`information_coefficient`, the module has :func:`ic_summary`
(mean IC, ICIR and a Newey–West t-statistic), :data:`ic_scorer` (the mean
per-date IC as a scikit-learn scorer), :func:`ic_difference_test` (is one
model's IC higher than another's?) and :func:`oos_r2` (the out-of-sample
:math:`R^2` against a forecast of zero, as in Gu, Kelly & Xiu 2020).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sklearn
from scipy import stats
from sklearn.metrics import make_scorer

from helpers._newey_west import check_kernel, check_nw_lags, long_run_mean_cov
from helpers._ranks import average_ranks
from helpers._threads import inner_threads
from helpers._validation import check_panel_index

__all__ = [
    "ICDifferenceTest",
    "ic_difference_test",
    "ic_scorer",
    "ic_summary",
    "information_coefficient",
    "mean_information_coefficient",
    "oos_r2",
    "oos_r2_scorer",
]


def information_coefficient(y_true, y_pred, dates=None) -> pd.Series:
    """Per-date Spearman Information Coefficient of forecasts against outcomes.

    Parameters
    ----------
    y_true : pandas.Series or array-like
        Realised returns (or any outcome), one per row.
    y_pred : pandas.Series or array-like
        Forecasts made for the same rows.
    dates : array-like, optional
        The date of every row. If omitted, the ``date`` level of ``y_true``'s
        (or ``y_pred``'s) ``(date, asset)`` index is used.

    Returns
    -------
    pandas.Series
        One IC per date, indexed by the sorted dates. Rows where either side
        is NaN are dropped date by date; ties get average ranks, as in
        ``scipy.stats.spearmanr``. A date with fewer than 3 valid pairs, or
        where one side is constant, has an IC of NaN; the number of such dates
        is in ``.attrs["n_undefined"]`` and the number of pairs used per date
        in ``.attrs["n_pairs"]``.

    Notes
    -----
    Vectorised: every date's values are laid out as one row of a padded array
    and ranked at once (average ranks along the rows, with padding and
    dropped pairs set to +inf so that they rank last; outcomes and forecasts
    are ranked in two threads), then the Pearson correlations of the centred
    ranks are computed for all dates together. No per-date Python call is
    made.

    Examples
    --------
    >>> import helpers
    >>> sim = helpers.simulate_panel(n_dates=36, n_assets=200, seed=0)
    >>> ic = helpers.information_coefficient(sim.y, sim.expected)
    >>> len(ic), bool(ic.mean() > 0)
    (36, True)
    """
    truth, pred, dates = _align(y_true, y_pred, dates)
    codes, unique = _date_codes(dates)
    n_dates = len(unique)
    counts = np.bincount(codes, minlength=n_dates)
    valid = np.isfinite(truth) & np.isfinite(pred)
    # Padding and dropped pairs hold +inf: they sort after every valid value, so the
    # valid values of a date get the ranks 1..n_t they would get on their own.
    if n_dates and np.all(counts == counts[0]) and np.all(codes[1:] >= codes[:-1]):
        # A balanced panel sorted by date (the usual case): every date is a row as it stands.
        width = int(counts[0])
        inside = valid.reshape(n_dates, width)
        padded = np.stack([truth.reshape(n_dates, width), pred.reshape(n_dates, width)])
        if not valid.all():
            padded[:, ~inside] = np.inf
    else:
        order = np.argsort(codes, kind="stable")
        codes, truth, pred, valid = codes[order], truth[order], pred[order], valid[order]
        starts = np.concatenate([[0], np.cumsum(counts)])
        width = max(int(counts.max()), 1) if len(counts) else 1
        slot = np.arange(len(codes)) - starts[codes]
        padded = np.full((2, n_dates, width), np.inf)
        padded[0, codes[valid], slot[valid]] = truth[valid]
        padded[1, codes[valid], slot[valid]] = pred[valid]
        inside = np.zeros((n_dates, width), dtype=bool)
        inside[codes[valid], slot[valid]] = True
    ranks = _ranks_of_both(padded)
    n_pairs = inside.sum(axis=1)
    centred = ranks - ((n_pairs + 1) / 2.0)[None, :, None]
    centred *= inside[None]
    cross = np.einsum("tw,tw->t", centred[0], centred[1])
    ss_true = np.einsum("tw,tw->t", centred[0], centred[0])
    ss_pred = np.einsum("tw,tw->t", centred[1], centred[1])
    defined = (n_pairs >= 3) & (ss_true > 0) & (ss_pred > 0)
    ic = np.full(n_dates, np.nan)
    ic[defined] = cross[defined] / np.sqrt(ss_true[defined] * ss_pred[defined])
    out = pd.Series(ic, index=pd.Index(unique, name="date"), name="ic")
    out.attrs["n_undefined"] = int((~defined).sum())
    out.attrs["n_pairs"] = pd.Series(n_pairs, index=out.index, name="n_pairs")
    return out


def _date_codes(dates: pd.Index) -> tuple[np.ndarray, pd.Index]:
    """Integer code of each row's date (0 = earliest) and the sorted distinct dates."""
    codes, unique = pd.factorize(dates, sort=True)
    return codes, unique


def _ranks_of_both(padded: np.ndarray) -> np.ndarray:
    """Average ranks along the last axis of both layers of a (2, dates, width) array."""
    ranks = np.empty(padded.shape)
    n_dates = padded.shape[1]

    def rank(dates):  # the padding's ties need no averaging: its ranks are not used
        for layer in (0, 1):
            average_ranks(padded[layer, dates], tied_inf=False, out=ranks[layer, dates])

    if padded[0].size < 100_000 or inner_threads() < 2:
        rank(slice(None))
        return ranks
    # NumPy releases the GIL while sorting: two threads rank half of the dates each.
    half = n_dates // 2
    with ThreadPoolExecutor(2, thread_name_prefix="information_coefficient") as pool:
        list(pool.map(rank, [slice(0, half), slice(half, n_dates)]))
    return ranks


def _paired_arrays(y_true, y_pred):
    """Float arrays of outcomes and forecasts, row for row (Series must share their index)."""
    if isinstance(y_true, pd.Series) and isinstance(y_pred, pd.Series):
        if not y_true.index.equals(y_pred.index):
            raise ValueError(
                "y_true and y_pred must have the same index, row for row; nothing is "
                "joined silently. Align them first, e.g. y_pred.reindex(y_true.index)."
            )
    truth = np.asarray(y_true, dtype="float64").ravel()
    pred = np.asarray(y_pred, dtype="float64").ravel()
    if len(truth) != len(pred):
        raise ValueError(
            f"y_true has {len(truth)} rows and y_pred has {len(pred)}; they must match."
        )
    return truth, pred


def _align(y_true, y_pred, dates):
    """Return float arrays of outcomes and forecasts and the date of every row."""
    if isinstance(y_true, pd.DataFrame) and y_true.shape[1] == 1:
        y_true = y_true.iloc[:, 0]
    if isinstance(y_pred, pd.DataFrame) and y_pred.shape[1] == 1:
        y_pred = y_pred.iloc[:, 0]
    truth, pred = _paired_arrays(y_true, y_pred)
    if dates is None:
        for source in (y_true, y_pred):
            index = getattr(source, "index", None)
            if isinstance(index, pd.MultiIndex) and "date" in index.names:
                check_panel_index(index, "y_true")
                dates = index.get_level_values("date")
                break
        else:
            raise ValueError(
                "information_coefficient needs the date of every row: pass Series indexed "
                "by (date, asset), or the dates as dates=... . The IC is computed per "
                "date, never over the pooled panel."
            )
    dates = pd.Index(np.asarray(dates)) if not isinstance(dates, pd.Index) else dates
    if len(dates) != len(truth):
        raise ValueError(f"dates has {len(dates)} entries for {len(truth)} rows; give one per row.")
    if dates.hasnans:
        raise ValueError("Some rows have a missing date; drop them first.")
    return truth, pred, dates


# ---------------------------------------------------------------------------
# Summaries and tests of a series of per-date ICs
# ---------------------------------------------------------------------------


def _mean_std_error(values: np.ndarray, lags, kernel: str = "bartlett") -> tuple[float, str]:
    """Standard error of the mean of ``values`` (plain, Newey–West or Hansen–Hodrick)
    and the kernel used (see _newey_west)."""
    e = (values - values.mean())[:, None]
    cov, used = long_run_mean_cov(e, lags, kernel)
    return float(np.sqrt(cov[0, 0])), used


def _ic_values(ic, name: str) -> pd.Series:
    if isinstance(ic, pd.DataFrame) and ic.shape[1] == 1:
        ic = ic.iloc[:, 0]
    if not isinstance(ic, pd.Series):
        raise TypeError(
            f"{name} must be a pandas Series of per-date ICs (from "
            f"helpers.information_coefficient); got {type(ic).__name__}."
        )
    if not pd.api.types.is_numeric_dtype(ic.dtype):
        raise TypeError(f"{name} must be numeric; got dtype {ic.dtype}.")
    return ic.astype("float64")


def ic_summary(ic, nw_lags=None, *, kernel: str = "bartlett") -> pd.Series:
    r"""Summary statistics of a series of per-date Information Coefficients.

    Parameters
    ----------
    ic : pandas.Series
        Per-date ICs, as returned by :func:`information_coefficient`. Dates
        with an undefined (NaN) IC are left out and counted.
    nw_lags : int, str or None, default None
        None for the plain t-statistic :math:`\bar{\mathrm{IC}} / (s / \sqrt{T})`;
        an integer :math:`L \ge 0` for a Newey–West t-statistic with Bartlett
        weights and :math:`L` lags; ``"auto"`` for
        :math:`L = \lfloor 4 (T/100)^{2/9} \rfloor`, as in
        :func:`helpers.fama_macbeth`.
    kernel : str, default "bartlett"
        Weights of the autocovariances: ``"bartlett"`` for Newey–West,
        ``"uniform"`` for Hansen–Hodrick. For ICs of overlapping
        :math:`h`-period forward returns use ``kernel="uniform"`` with
        ``nw_lags=h - 1``: Bartlett weights with :math:`h-1` lags down-weight
        exactly the autocovariances the overlap creates and understate the
        variance. If the uniform estimate is not positive, Newey–West is used
        instead, with a ``RuntimeWarning``.

    Returns
    -------
    pandas.Series
        ``mean_ic``; ``std_ic`` (``ddof=1``); ``icir``, the ratio of the two
        (the information ratio of the IC, per period); ``t_stat`` and
        ``p_value`` (two-sided, Student t with :math:`T - 1` degrees of
        freedom) of the hypothesis that the mean IC is zero; ``hit_rate``, the
        share of dates with a positive IC; ``n_dates`` used and
        ``n_undefined`` dates left out.

    Notes
    -----
    The Newey–West variance of the mean is
    :math:`\frac{1}{T(T-1)} \sum_{|j| \le L} (1 - \frac{|j|}{L+1})
    \sum_t e_t e_{t-j}` with :math:`e_t = \mathrm{IC}_t - \bar{\mathrm{IC}}`
    (Hansen–Hodrick: weights 1 instead of :math:`1 - |j|/(L+1)`),
    the same as statsmodels' HAC covariance with ``use_correction=True`` (see
    the tests) and as the Fama–MacBeth standard errors of
    :func:`helpers.fama_macbeth`. With :math:`L = 0` it is :math:`s^2 / T`.

    Examples
    --------
    >>> import helpers
    >>> sim = helpers.simulate_panel(n_dates=120, n_assets=300, seed=0)
    >>> ic = helpers.information_coefficient(sim.y, sim.expected)
    >>> s = helpers.ic_summary(ic, nw_lags=3)
    >>> list(s.index)
    ['mean_ic', 'std_ic', 'icir', 't_stat', 'p_value', 'hit_rate', 'n_dates', 'n_undefined']
    >>> bool(s["t_stat"] > 3)
    True
    """
    ic = _ic_values(ic, "ic")
    values = ic.to_numpy()
    defined = np.isfinite(values)
    values = values[defined]
    n = len(values)
    if n < 2:
        raise ValueError(
            f"ic has {n} date(s) with a defined IC; a summary needs at least 2 dates."
        )
    lags = check_nw_lags(nw_lags, n)
    kernel = check_kernel(kernel)
    mean = float(values.mean())
    std = float(values.std(ddof=1))
    se, _ = _mean_std_error(values, lags, kernel)
    t_stat = mean / se if se > 0 else np.nan
    p_value = float(2 * stats.t.sf(abs(t_stat), df=n - 1)) if se > 0 else np.nan
    return pd.Series(
        {
            "mean_ic": mean,
            "std_ic": std,
            "icir": mean / std if std > 0 else np.nan,
            "t_stat": t_stat,
            "p_value": p_value,
            "hit_rate": float((values > 0).mean()),
            "n_dates": n,
            "n_undefined": int((~defined).sum()),
        },
        name=ic.name if ic.name is not None else "ic",
    )


@dataclass(frozen=True)
class ICDifferenceTest:
    """Result of :func:`ic_difference_test`.

    Attributes
    ----------
    mean_difference : float
        Mean over common dates of :math:`\\mathrm{IC}^a_t - \\mathrm{IC}^b_t`.
    std_error : float
        Its standard error (plain or Newey–West).
    t_stat, p_value : float
        t-statistic and two-sided p-value (Student t, :math:`T - 1` degrees of
        freedom) of the hypothesis that the mean difference is zero.
    n_dates : int
        Dates where both ICs are defined.
    nw_lags : int or None
        Lags of the long-run variance (None: plain standard error).
    kernel : str
        ``"bartlett"`` (Newey–West) or ``"uniform"`` (Hansen–Hodrick): the
        kernel actually used.
    """

    mean_difference: float
    std_error: float
    t_stat: float
    p_value: float
    n_dates: int
    nw_lags: int | None
    kernel: str = "bartlett"

    def to_series(self) -> pd.Series:
        """The numeric results as a pandas Series (for tables; ``kernel`` is left out)."""
        values = {k: v for k, v in self.__dict__.items() if k != "kernel"}
        return pd.Series(values, name="ic_difference")


def ic_difference_test(ic_a, ic_b, nw_lags=None, *, kernel: str = "bartlett") -> ICDifferenceTest:
    r"""Test whether forecast *a* has a higher mean per-date IC than forecast *b*.

    The two forecasts are scored on the same dates, so their ICs are
    correlated: the test works on the per-date difference
    :math:`d_t = \mathrm{IC}^a_t - \mathrm{IC}^b_t` (a Diebold–Mariano-style
    test), whose mean is divided by its (Newey–West) standard error.

    Parameters
    ----------
    ic_a, ic_b : pandas.Series
        Per-date ICs of the two forecasts (from
        :func:`information_coefficient`), indexed by date. Only dates where
        both are defined are used; the two indexes must share at least 2 dates.
    nw_lags : int, str or None, default None
        Lags of the long-run variance of :math:`\bar d`, as in
        :func:`ic_summary`.
    kernel : str, default "bartlett"
        Newey–West or Hansen–Hodrick weights, as in :func:`ic_summary`.

    Returns
    -------
    ICDifferenceTest

    Examples
    --------
    >>> import helpers
    >>> sim = helpers.simulate_panel(n_dates=120, n_assets=300, seed=0)
    >>> oracle = helpers.information_coefficient(sim.y, sim.expected)
    >>> momentum = helpers.information_coefficient(sim.y, sim.X["momentum"])
    >>> res = helpers.ic_difference_test(oracle, momentum, nw_lags=3)
    >>> bool(res.mean_difference > 0), res.n_dates
    (True, 120)
    """
    a = _ic_values(ic_a, "ic_a")
    b = _ic_values(ic_b, "ic_b")
    if a.index.has_duplicates or b.index.has_duplicates:
        raise ValueError("ic_a and ic_b must have one IC per date; their indexes repeat dates.")
    common = a.index.intersection(b.index)
    d = (a.reindex(common) - b.reindex(common)).dropna()
    if len(d) < 2:
        raise ValueError(
            f"ic_a and ic_b share {len(d)} date(s) where both ICs are defined; the test "
            "needs at least 2. Score both forecasts on the same dates."
        )
    lags = check_nw_lags(nw_lags, len(d))
    kernel = check_kernel(kernel)
    values = d.to_numpy()
    mean = float(values.mean())
    se, used = _mean_std_error(values, lags, kernel)
    t_stat = mean / se if se > 0 else np.nan
    p_value = float(2 * stats.t.sf(abs(t_stat), df=len(d) - 1)) if se > 0 else np.nan
    return ICDifferenceTest(mean, se, t_stat, p_value, len(d), lags, used)


# ---------------------------------------------------------------------------
# Scorers
# ---------------------------------------------------------------------------


def mean_information_coefficient(y_true, y_pred, dates=None) -> float:
    """Mean over dates of the per-date Spearman IC (NaN dates left out).

    The score behind :data:`~helpers.metrics.ic_scorer`; the arguments are
    those of :func:`information_coefficient`. A forecast that is constant
    within every date (for example a Lasso shrunk to its intercept) ranks no
    asset above another: its score is 0, not an error, so that a grid search
    reaching such a model still runs. Dates with fewer than 3 valid pairs at
    every date raise an error: that is a data problem, not a forecast.

    Examples
    --------
    >>> import helpers
    >>> sim = helpers.simulate_panel(n_dates=36, n_assets=200, seed=0)
    >>> round(helpers.mean_information_coefficient(sim.y, sim.expected), 2)
    0.12
    >>> helpers.mean_information_coefficient(sim.y, 0.0 * sim.expected)
    0.0
    """
    ic = information_coefficient(y_true, y_pred, dates=dates)
    if ic.notna().sum() == 0:
        truth, pred, row_dates = _align(y_true, y_pred, dates)
        valid = np.isfinite(truth) & np.isfinite(pred)
        frame = pd.DataFrame({"date": np.asarray(row_dates)[valid], "pred": pred[valid]})
        per_date = frame.groupby("date")["pred"].agg(["size", "nunique"])
        usable = per_date["size"] >= 3
        if usable.any() and (per_date.loc[usable, "nunique"] == 1).all():
            return 0.0
        raise ValueError(
            "No date has a defined IC (each needs at least 3 valid pairs and variation "
            "on both sides); check that the test set holds whole cross-sections."
        )
    return float(ic.mean())


def _make_ic_scorer():
    scorer = make_scorer(mean_information_coefficient, greater_is_better=True)
    # Request `dates` by default, so that with metadata routing enabled a caller
    # only passes params={"dates": ...}; without routing the request is ignored.
    with sklearn.config_context(enable_metadata_routing=True):
        scorer.set_score_request(dates=True)
    return scorer


#: The mean per-date Information Coefficient as a scorer (higher is better).
#:
#: Use it as ``scoring=helpers.ic_scorer`` in ``cross_val_score``,
#: ``cross_validate`` or ``GridSearchCV``. The dates of the test rows are read
#: from ``y``'s ``(date, asset)`` index (scikit-learn keeps a Series' index when
#: it selects the rows of a fold). With plain arrays, enable metadata routing
#: and pass the dates: the scorer already requests ``dates`` (as if
#: ``set_score_request(dates=True)`` had been called) and
#: :class:`helpers.WalkForwardSplit` requests ``groups``, so that
#: ``cross_val_score(model, X_array, y_array, cv=helpers.WalkForwardSplit(),
#: scoring=helpers.ic_scorer, params={"dates": dates, "groups": dates})``
#: works after ``sklearn.set_config(enable_metadata_routing=True)``.
ic_scorer = _make_ic_scorer()


def oos_r2(y_true, y_pred) -> float:
    r"""Out-of-sample :math:`R^2` against a forecast of zero.

    .. math:: R^2_{\mathrm{oos}} = 1 - \frac{\sum_{(i,t)} (r_{i,t+1} - \hat r_{i,t+1})^2}
              {\sum_{(i,t)} r_{i,t+1}^2},

    pooled over all rows, as in Gu, Kelly & Xiu (2020). The benchmark is a
    forecast of zero, not the sample mean: the historical mean of individual
    returns is so noisy that beating it is too easy, and it is not known out
    of sample. Positive values mean the forecast beats "expect nothing".

    Parameters
    ----------
    y_true, y_pred : array-like or pandas.Series
        Realised returns and forecasts, one per row. Series must share their
        index. Rows where either side is NaN are not allowed (drop them first).

    Returns
    -------
    float

    Examples
    --------
    >>> import helpers
    >>> round(helpers.oos_r2([0.02, -0.01, 0.03], [0.01, 0.0, 0.01]), 4)
    0.5714
    """
    truth, pred = _paired_arrays(y_true, y_pred)
    if len(truth) == 0:
        raise ValueError("oos_r2 needs at least one row.")
    if not (np.isfinite(truth).all() and np.isfinite(pred).all()):
        bad = int((~np.isfinite(truth)).sum() + (~np.isfinite(pred)).sum())
        raise ValueError(
            f"y_true and y_pred hold {bad} missing or infinite values; drop those rows "
            "first (the R^2 is a sum over rows, so nothing is skipped silently)."
        )
    denominator = float(truth @ truth)
    if denominator == 0:
        raise ValueError("y_true is zero everywhere; the R^2 against zero is undefined.")
    residual = truth - pred
    return 1.0 - float(residual @ residual) / denominator


#: The out-of-sample R^2 against a forecast of zero (:func:`~helpers.oos_r2`) as a scorer.
oos_r2_scorer = make_scorer(oos_r2, greater_is_better=True)
