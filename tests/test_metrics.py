"""Tests for helpers.information_coefficient against a loop of scipy.stats.spearmanr."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.stats import spearmanr

import helpers


def _loop(y, p):
    out = {}
    for date, g in pd.DataFrame({"y": y, "p": p}).groupby(level="date"):
        g = g.dropna()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scipy warns on constant input
            out[date] = spearmanr(g["y"], g["p"])[0] if len(g) >= 3 else np.nan
    return pd.Series(out, dtype=float)


def _panel(n_dates, n_assets, seed, ties=False, nan_share=0.1):
    rng = np.random.default_rng(seed)
    index = pd.MultiIndex.from_product(
        [pd.date_range("2000-01-31", periods=n_dates, freq="ME"), range(n_assets)],
        names=["date", "asset"],
    )
    keep = rng.random(len(index)) < 0.85
    index = index[keep]
    y = rng.normal(size=len(index))
    p = 0.3 * y + rng.normal(size=len(index))
    if ties:
        y, p = np.round(y), np.round(p * 2) / 2
    y[rng.random(len(y)) < nan_share] = np.nan
    p[rng.random(len(p)) < nan_share] = np.nan
    return pd.Series(y, index=index), pd.Series(p, index=index)


@settings(max_examples=40, deadline=None)
@given(n_dates=st.integers(1, 12), n_assets=st.integers(1, 30), seed=st.integers(0, 10_000), ties=st.booleans())
def test_equals_a_loop_of_scipy_spearmanr(n_dates, n_assets, seed, ties):
    y, p = _panel(n_dates, n_assets, seed, ties)
    ic = helpers.information_coefficient(y, p)
    ref = _loop(y, p).reindex(ic.index)
    np.testing.assert_allclose(ic.to_numpy(), ref.to_numpy(), atol=1e-12, equal_nan=True)


def test_undefined_dates_are_nan_and_counted():
    index = pd.MultiIndex.from_product([pd.date_range("2000-01-31", periods=3, freq="ME"), range(4)],
                                       names=["date", "asset"])
    y = pd.Series([1, 2, 3, 4, 1, 2, np.nan, np.nan, 5, 5, 5, 5], index=index, dtype=float)
    p = pd.Series([1, 3, 2, 4, 1, 2, 3, 4, 1, 2, 3, 4], index=index, dtype=float)
    ic = helpers.information_coefficient(y, p)
    assert ic.iloc[0] == pytest.approx(0.8)
    assert np.isnan(ic.iloc[1]) and np.isnan(ic.iloc[2])  # 2 pairs; constant y
    assert ic.attrs["n_undefined"] == 2
    assert ic.attrs["n_pairs"].tolist() == [4, 2, 4]


def test_per_date_is_not_pooled():
    """Market-wide moves: each date's forecasts rank perfectly, the pooled IC does not."""
    rng = np.random.default_rng(1)
    index = pd.MultiIndex.from_product([pd.date_range("2000-01-31", periods=50, freq="ME"), range(20)],
                                       names=["date", "asset"])
    signal = rng.normal(size=len(index))
    market = np.repeat(rng.normal(0, 10, 50), 20)
    y = pd.Series(signal + market, index=index)
    p = pd.Series(signal, index=index)
    ic = helpers.information_coefficient(y, p)
    np.testing.assert_allclose(ic, 1.0)
    assert spearmanr(y, p)[0] < 0.3


def test_dates_argument_and_errors():
    y, p = _panel(5, 10, 0)
    ic = helpers.information_coefficient(y.to_numpy(), p.to_numpy(), dates=y.index.get_level_values("date"))
    pd.testing.assert_series_equal(ic, helpers.information_coefficient(y, p))
    with pytest.raises(ValueError, match="needs the date of every row"):
        helpers.information_coefficient(y.to_numpy(), p.to_numpy())
    with pytest.raises(ValueError, match="same index"):
        helpers.information_coefficient(y, p.iloc[::-1])
    with pytest.raises(ValueError, match="must match"):
        helpers.information_coefficient(y.to_numpy(), p.to_numpy()[:-1], dates=np.zeros(len(y)))
    with pytest.raises(ValueError, match="one per row"):
        helpers.information_coefficient(y.to_numpy(), p.to_numpy(), dates=[1, 2])


# --- ic_summary, ic_difference_test, the scorer and oos_r2 -------------------------

import sklearn  # noqa: E402
import statsmodels.api as sm  # noqa: E402
from sklearn.linear_model import LinearRegression, Ridge  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score, cross_validate  # noqa: E402


def _ar1(n, phi, seed, mean=0.03):
    rng = np.random.default_rng(seed)
    e = rng.normal(0, 0.1, n)
    x = np.empty(n)
    x[0] = e[0]
    for t in range(1, n):
        x[t] = phi * x[t - 1] + e[t]
    return pd.Series(mean + x, index=pd.date_range("2000-01-31", periods=n, freq="ME"))


def _statsmodels_t(x, lags):
    ones = np.ones(len(x))
    if lags is None:
        return sm.OLS(x, ones).fit().tvalues[0]
    fit = sm.OLS(x, ones).fit(cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True})
    return fit.tvalues[0]


@pytest.mark.parametrize("lags", [None, 0, 1, 6, 11])
def test_ic_summary_matches_statsmodels_hac(lags):
    ic = _ar1(240, 0.6, seed=lags or 0)
    s = helpers.ic_summary(ic, nw_lags=lags)
    assert s["t_stat"] == pytest.approx(_statsmodels_t(ic.to_numpy(), lags), rel=1e-10)
    assert s["mean_ic"] == pytest.approx(ic.mean(), rel=1e-12)
    assert s["std_ic"] == pytest.approx(ic.std(ddof=1), rel=1e-12)
    assert s["icir"] == pytest.approx(ic.mean() / ic.std(ddof=1), rel=1e-12)
    assert s["hit_rate"] == pytest.approx((ic > 0).mean())
    assert s["n_dates"] == 240 and s["n_undefined"] == 0


def test_ic_summary_newey_west_is_wider_for_autocorrelated_ics():
    ic = _ar1(240, 0.8, seed=3)
    assert abs(helpers.ic_summary(ic, nw_lags=11)["t_stat"]) < abs(helpers.ic_summary(ic)["t_stat"])


def test_ic_summary_leaves_out_and_counts_undefined_dates():
    ic = _ar1(50, 0.0, seed=1)
    ic.iloc[[3, 10]] = np.nan
    s = helpers.ic_summary(ic)
    assert s["n_dates"] == 48 and s["n_undefined"] == 2
    assert s["mean_ic"] == pytest.approx(ic.dropna().mean())


def test_ic_summary_bad_inputs():
    with pytest.raises(TypeError, match="Series of per-date ICs"):
        helpers.ic_summary(np.zeros(5))
    with pytest.raises(ValueError, match="at least 2 dates"):
        helpers.ic_summary(pd.Series([0.1]))
    with pytest.raises(ValueError, match="nw_lags"):
        helpers.ic_summary(_ar1(10, 0, 0), nw_lags=-1)
    with pytest.raises(ValueError, match="below the number of dates"):
        helpers.ic_summary(_ar1(10, 0, 0), nw_lags=10)


@pytest.mark.parametrize("lags", [None, 3])
def test_ic_difference_test_is_a_hac_test_on_the_difference(lags):
    a, b = _ar1(200, 0.5, seed=1, mean=0.05), _ar1(200, 0.5, seed=2, mean=0.02)
    b = b.iloc[5:]  # different dates: only the common ones are used
    res = helpers.ic_difference_test(a, b, nw_lags=lags)
    d = (a - b).dropna()
    assert res.n_dates == 195
    assert res.mean_difference == pytest.approx(d.mean(), rel=1e-12)
    assert res.t_stat == pytest.approx(_statsmodels_t(d.to_numpy(), lags), rel=1e-10)
    assert 0 <= res.p_value <= 1
    assert res.to_series()["n_dates"] == 195


def test_ic_difference_test_bad_inputs():
    a = _ar1(20, 0, 0)
    with pytest.raises(ValueError, match="share 0 date"):
        helpers.ic_difference_test(a, a.set_axis(a.index + pd.DateOffset(years=5)))
    with pytest.raises(ValueError, match="one IC per date"):
        helpers.ic_difference_test(pd.concat([a, a]), a)


def _sim():
    sim = helpers.simulate_panel(n_dates=48, n_assets=150, seed=4)
    return sim.latent, sim.y


def test_ic_scorer_returns_the_mean_per_date_ic():
    X, y = _sim()
    model = LinearRegression().fit(X, y)
    expected = helpers.information_coefficient(y, pd.Series(model.predict(X), index=y.index)).mean()
    assert helpers.ic_scorer(model, X, y) == pytest.approx(expected, rel=1e-12)
    # the source's pooled scorer gives another number on the same predictions
    assert spearmanr(model.predict(X), y)[0] != pytest.approx(expected, rel=1e-3)


def test_ic_scorer_in_cross_val_score_and_grid_search_through_the_index():
    X, y = _sim()
    cv = helpers.WalkForwardSplit(3)
    scores = cross_val_score(Ridge(), X, y, cv=cv, scoring=helpers.ic_scorer)
    manual = []
    for train, test in cv.split(X):
        m = Ridge().fit(X.iloc[train], y.iloc[train])
        manual.append(helpers.mean_information_coefficient(y.iloc[test], m.predict(X.iloc[test])))
    np.testing.assert_allclose(scores, manual, rtol=1e-12)
    grid = GridSearchCV(Ridge(), {"alpha": [1.0, 1e4, 1e7]}, cv=cv, scoring=helpers.ic_scorer)
    grid.fit(X, y)
    np.testing.assert_allclose(
        grid.cv_results_["mean_test_score"][0], np.mean(manual), rtol=1e-12
    )
    both = cross_validate(Ridge(), X, y, cv=cv, scoring={"ic": helpers.ic_scorer,
                                                         "r2": helpers.oos_r2_scorer})
    np.testing.assert_allclose(both["test_ic"], manual, rtol=1e-12)


def test_ic_scorer_with_metadata_routing_on_plain_arrays():
    X, y = _sim()
    dates = X.index.get_level_values("date").to_numpy()
    cv = helpers.WalkForwardSplit(3)
    through_index = cross_val_score(Ridge(), X, y, cv=cv, scoring=helpers.ic_scorer)
    with sklearn.config_context(enable_metadata_routing=True):
        scorer = helpers.ic_scorer
        assert scorer.get_metadata_routing().score.requests["dates"] is True
        routed = cross_val_score(
            Ridge(), X.to_numpy(), y.to_numpy(), cv=cv, scoring=scorer,
            params={"dates": dates, "groups": dates},
        )
        grid = GridSearchCV(Ridge(), {"alpha": [1.0, 10.0]}, cv=cv, scoring=scorer)
        grid.fit(X.to_numpy(), y.to_numpy(), dates=dates, groups=dates)
    np.testing.assert_allclose(routed, through_index, rtol=1e-12)
    assert np.isfinite(grid.best_score_)


def test_ic_scorer_without_dates_fails_clearly():
    X, y = _sim()
    model = LinearRegression().fit(X.to_numpy(), y.to_numpy())
    with pytest.raises(ValueError, match="needs the date of every row"):
        helpers.ic_scorer(model, X.to_numpy(), y.to_numpy())


def test_ic_scorer_on_a_single_date_constant_forecasts_and_thin_dates():
    X, y = _sim()
    first = X.index.get_level_values("date") == X.index.get_level_values("date")[0]

    from sklearn.base import BaseEstimator, RegressorMixin

    class Constant(RegressorMixin, BaseEstimator):
        def predict(self, X):
            return np.zeros(len(X))

    assert np.isfinite(helpers.mean_information_coefficient(y[first], X[first]["momentum"]))
    # a constant forecast ranks nothing: scored 0 (a fully shrunk model in a grid search)
    assert helpers.ic_scorer(Constant(), X, y) == 0.0
    # too few assets at every date is a data problem: a clear error
    thin = X.groupby(level="date").head(2).index
    with pytest.raises(ValueError, match="No date has a defined IC"):
        helpers.mean_information_coefficient(y.loc[thin], X.loc[thin, "momentum"])


def test_oos_r2_against_the_formula_and_r2_score():
    rng = np.random.default_rng(0)
    y = rng.normal(0.01, 0.1, 500)
    p = 0.2 * y + rng.normal(0, 0.02, 500)
    assert helpers.oos_r2(y, p) == pytest.approx(1 - np.sum((y - p) ** 2) / np.sum(y**2), rel=1e-12)
    assert helpers.oos_r2(y, np.zeros_like(y)) == 0.0
    # against zero, not the mean: differs from sklearn's r2_score unless y has mean 0
    from sklearn.metrics import r2_score

    yc = y - y.mean()
    assert helpers.oos_r2(yc, p) == pytest.approx(r2_score(yc, p), rel=1e-12)
    assert helpers.oos_r2(y, p) != pytest.approx(r2_score(y, p), rel=1e-6)


def test_oos_r2_bad_inputs():
    s = pd.Series([0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="same index"):
        helpers.oos_r2(s, s.iloc[::-1])
    with pytest.raises(ValueError, match="must match"):
        helpers.oos_r2([0.1, 0.2], [0.1])
    with pytest.raises(ValueError, match="missing or infinite"):
        helpers.oos_r2([0.1, np.nan], [0.1, 0.2])
    with pytest.raises(ValueError, match="zero everywhere"):
        helpers.oos_r2([0.0, 0.0], [0.1, 0.2])


def test_ic_summary_auto_lags_follow_the_fama_macbeth_rule():
    ic = _ar1(240, 0.6, seed=5)
    lags = int(np.floor(4 * (240 / 100) ** (2 / 9)))  # = 4
    auto = helpers.ic_summary(ic, nw_lags="auto")
    assert auto["t_stat"] == pytest.approx(_statsmodels_t(ic.to_numpy(), lags), rel=1e-10)
    with pytest.raises(ValueError, match="'auto'"):
        helpers.ic_summary(ic, nw_lags="newey")


# ---------------------------------------------------------------------------
# Hansen-Hodrick (uniform kernel) long-run variance for overlapping observations
# ---------------------------------------------------------------------------

from statsmodels.stats.sandwich_covariance import weights_uniform  # noqa: E402


def _statsmodels_hh_t(x, lags):
    ones = np.ones(len(x))
    fit = sm.OLS(x, ones).fit(
        cov_type="HAC",
        cov_kwds={"maxlags": lags, "use_correction": True, "kernel": weights_uniform},
    )
    return fit.tvalues[0]


def _overlapping_sums(n, h, seed, mean=0.0):
    """h-period sums of i.i.d. noise observed every period: an MA(h-1)."""
    e = np.random.default_rng(seed).normal(0, 0.1, n + h - 1)
    x = np.convolve(e, np.ones(h), mode="valid")
    return pd.Series(mean + x, index=pd.date_range("2000-01-31", periods=n, freq="ME"))


@pytest.mark.parametrize("lags", [1, 2, 5, 11])
def test_hansen_hodrick_matches_statsmodels_uniform_hac(lags):
    ic = _overlapping_sums(300, lags + 1, seed=lags, mean=0.02)
    s = helpers.ic_summary(ic, nw_lags=lags, kernel="uniform")
    assert s["t_stat"] == pytest.approx(_statsmodels_hh_t(ic.to_numpy(), lags), rel=1e-10)
    other = _overlapping_sums(300, lags + 1, seed=100 + lags)
    res = helpers.ic_difference_test(ic, other, nw_lags=lags, kernel="uniform")
    d = (ic - other).to_numpy()
    assert res.t_stat == pytest.approx(_statsmodels_hh_t(d, lags), rel=1e-10)
    assert res.kernel == "uniform" and res.nw_lags == lags
    # The table form stays numeric, so it can be rounded (chapters do).
    assert "kernel" not in res.to_series().index
    helpers.ic_difference_test(ic, other).to_series().round(4)


def test_hansen_hodrick_is_larger_than_newey_west_on_overlapping_sums():
    # For an MA(h-1) with equal weights, NW(h-1) recovers (h + (h-1)(2h-1)/3) / h^2
    # of the long-run variance (0.67 at h = 12); HH recovers all of it.
    ratios = []
    for seed in range(20):
        x = _overlapping_sums(2000, 12, seed)
        nw = helpers.ic_summary(x, nw_lags=11)
        hh = helpers.ic_summary(x, nw_lags=11, kernel="uniform")
        ratios.append((hh["t_stat"] / nw["t_stat"]) ** 2)  # var_NW / var_HH
    expected = (12 + 11 * 23 / 3) / 144
    assert np.mean(ratios) == pytest.approx(expected, abs=0.03)


def test_hansen_hodrick_zero_lags_is_plain_and_bad_kernel_is_refused():
    ic = _ar1(100, 0.3, seed=1)
    assert helpers.ic_summary(ic, nw_lags=0, kernel="uniform")["t_stat"] == pytest.approx(
        helpers.ic_summary(ic)["t_stat"], rel=1e-12
    )
    with pytest.raises(ValueError, match="kernel must be 'bartlett'.*'uniform'"):
        helpers.ic_summary(ic, nw_lags=2, kernel="parzen")
    with pytest.raises(ValueError, match="kernel must be"):
        helpers.ic_difference_test(ic, ic * 0.5, nw_lags=2, kernel="HH")


def test_hansen_hodrick_falls_back_to_newey_west_when_not_positive():
    # A strongly negatively autocorrelated series: uniform weights give a negative variance.
    x = pd.Series(np.tile([1.0, -1.0], 50) + 0.01 * np.arange(100) % 0.03,
                  index=pd.date_range("2000-01-31", periods=100, freq="ME"))
    with pytest.warns(RuntimeWarning, match="not positive definite; using Newey-West"):
        s = helpers.ic_summary(x, nw_lags=1, kernel="uniform")
    assert s["t_stat"] == pytest.approx(helpers.ic_summary(x, nw_lags=1)["t_stat"], rel=1e-12)
    with pytest.warns(RuntimeWarning, match="not positive definite"):
        res = helpers.ic_difference_test(x, x * 0.0, nw_lags=1, kernel="uniform")
    assert res.kernel == "bartlett"


def test_size_of_the_overlap_corrections_by_monte_carlo():
    # Overlapping 12-period means of i.i.d. noise, true mean 0, T = 600. At the 5 %
    # level Hansen-Hodrick(11) keeps its size; Newey-West(11) and the plain t do not.
    # (2000 draws in the closing note: plain 0.58, NW 0.11, HH 0.06, non-overlapping 0.05.)
    rng = np.random.default_rng(12)
    n_sims, h, T = 400, 12, 600
    crit = stats.t.ppf(0.975, T - 1)
    reject = {"plain": 0, "nw": 0, "hh": 0}
    for _ in range(n_sims):
        e = rng.normal(0, 0.1, T + h - 1)
        x = pd.Series(np.convolve(e, np.ones(h) / h, mode="valid"))
        reject["plain"] += abs(helpers.ic_summary(x)["t_stat"]) > crit
        reject["nw"] += abs(helpers.ic_summary(x, h - 1)["t_stat"]) > crit
        reject["hh"] += abs(helpers.ic_summary(x, h - 1, kernel="uniform")["t_stat"]) > crit
    rate = {k: v / n_sims for k, v in reject.items()}
    se = np.sqrt(0.05 * 0.95 / n_sims)
    assert abs(rate["hh"] - 0.05) < 3.5 * se
    assert rate["nw"] > 0.05 + 3 * se and rate["plain"] > 0.4
