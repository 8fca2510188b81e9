"""Tests for helpers.factor_tests against linearmodels, statsmodels, loops and Monte Carlo."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from linearmodels.asset_pricing import LinearFactorModel
from linearmodels.panel import PanelOLS
from statsmodels.multivariate.multivariate_ols import _MultivariateOLS

import helpers


@pytest.fixture(scope="module")
def ff():
    return helpers.load_french()


def _dates(t):
    return pd.date_range("1990-01-31", periods=t, freq="ME", name="date")


def _simulate(rng, t, n, *, lam=0.01, sd_f=0.01, alpha_sd=0.0, useless=False):
    """Returns on one non-traded factor, r = alpha + beta (lam + f) + e; optionally
    also a useless factor independent of everything."""
    beta = np.linspace(0.5, 1.5, n)
    alpha = alpha_sd * np.sin(np.arange(n) * 2.0)  # fixed misspecification
    f = rng.normal(0.0, sd_f, t)
    e = rng.normal(0.0, 0.02, (t, n))
    r = alpha + beta * lam + np.outer(f, beta) + e
    cols = {"f": f}
    if useless:
        cols["g"] = rng.normal(0.0, 0.02, t)
    return pd.DataFrame(r, index=_dates(t)), pd.DataFrame(cols, index=_dates(t)), beta, alpha


# --- cross_sectional_regression ------------------------------------------------------


@pytest.mark.parametrize("factors", [["MktRF"], ["MktRF", "SMB", "HML"], ["MktRF", "SMB", "HML", "Mom"]])
def test_robust_errors_equal_linearmodels_gmm_sandwich(ff, factors):
    res = helpers.cross_sectional_regression(ff.portfolios, ff.factors[factors])
    lm = LinearFactorModel(ff.portfolios, ff.factors[factors], risk_free=True).fit(debiased=False)
    np.testing.assert_allclose(res.premia.to_numpy(), lm.risk_premia.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(
        res.std_errors["robust"].to_numpy(), lm.risk_premia_se.to_numpy(), rtol=1e-8
    )


def test_ols_premia_and_fama_macbeth_errors_equal_two_pass(ff):
    F = ff.factors[["MktRF", "SMB", "HML"]]
    res = helpers.cross_sectional_regression(ff.portfolios, F)
    tp = helpers.two_pass(ff.portfolios, F)
    np.testing.assert_allclose(res.premia, tp.premia, rtol=1e-10)
    t = len(F)
    # two_pass divides by T - 1 (ddof=1), the CSR formulas by T.
    np.testing.assert_allclose(
        res.std_errors["fama_macbeth"], tp.std_errors * np.sqrt((t - 1) / t), rtol=1e-10
    )
    np.testing.assert_allclose(res.std_errors["shanken"], tp.shanken_std_errors, rtol=2e-3)
    np.testing.assert_allclose(tp.robust_std_errors, res.std_errors["robust"], rtol=1e-12)


def test_r2_and_gls_premia_equal_statsmodels(ff):
    F = ff.factors[["MktRF", "SMB", "HML"]]
    R = ff.portfolios
    mu = R.mean().to_numpy()
    b = helpers.cross_sectional_regression(R, F).betas.to_numpy()
    x = sm.add_constant(b)
    ols = helpers.cross_sectional_regression(R, F)
    assert ols.r2 == pytest.approx(sm.OLS(mu, x).fit().rsquared, rel=1e-10)
    v22 = np.cov(R.to_numpy(), rowvar=False, ddof=0)
    gls = helpers.cross_sectional_regression(R, F, weighting="gls")
    fit1 = sm.GLS(mu, x, sigma=v22).fit()
    fit0 = sm.GLS(mu, np.ones((len(mu), 1)), sigma=v22).fit()
    np.testing.assert_allclose(gls.premia.to_numpy(), fit1.params, rtol=1e-8)
    assert gls.r2 == pytest.approx(1 - fit1.ssr / fit0.ssr, rel=1e-8)


def test_imposed_factor_means(ff):
    F = ff.factors[["MktRF", "SMB"]]
    res = helpers.cross_sectional_regression(ff.portfolios, F, impose_factor_means=True)
    np.testing.assert_allclose(res.premia[["MktRF", "SMB"]], F.mean(), rtol=1e-12)
    # gamma_0 is the mean of what the imposed premia leave unexplained.
    b = res.betas.to_numpy()
    left = ff.portfolios.mean().to_numpy() - b @ F.mean().to_numpy()
    assert res.premia["const"] == pytest.approx(left.mean(), rel=1e-12)
    assert res.std_errors.isna().all().all()
    free = helpers.cross_sectional_regression(ff.portfolios, F)
    assert res.r2 <= free.r2 + 1e-12  # a restricted fit cannot fit better


def test_factor_as_test_asset_gets_its_mean_under_gls(ff):
    # With a traded factor among the test assets, GLS prices it (nearly) exactly.
    F = ff.factors[["MktRF"]]
    R = pd.concat([ff.portfolios, F], axis=1)
    gls = helpers.cross_sectional_regression(R, F, weighting="gls")
    ols = helpers.cross_sectional_regression(R, F)
    assert abs(gls.pricing_errors["MktRF"]) < abs(ols.pricing_errors["MktRF"])


def test_robust_errors_match_sampling_spread_under_misspecification():
    # A misspecified model (alphas) on a non-traded factor with a large c. The
    # robust standard error must match the Monte Carlo spread of the estimate
    # around the pseudo-true premium; the Fama-MacBeth one is far too small.
    rng = np.random.default_rng(2024)
    t, n, reps = 600, 20, 300
    beta = np.linspace(0.5, 1.5, n)
    alpha = 0.004 * np.sin(np.arange(n) * 2.0)
    x = np.column_stack([np.ones(n), beta])
    pseudo = np.linalg.lstsq(x, alpha + beta * 0.01, rcond=None)[0][1]
    est, se = [], {k: [] for k in ("fama_macbeth", "shanken", "robust")}
    for _ in range(reps):
        R, F, _, _ = _simulate(rng, t, n, lam=0.01, sd_f=0.01, alpha_sd=0.004)
        res = helpers.cross_sectional_regression(R, F)
        est.append(res.premia["f"])
        for k in se:
            se[k].append(res.std_errors.loc["f", k])
    spread = np.std(est)
    # Monte Carlo s.e. of a standard deviation from 300 draws: about 4 %.
    assert np.mean(se["robust"]) / spread == pytest.approx(1.0, abs=0.12)
    assert np.mean(se["fama_macbeth"]) / spread < 0.8
    # Errors-in-variables bias is small next to the spread, and shrinks with T.
    assert abs(np.mean(est) - pseudo) < spread
    cover = {k: np.mean(np.abs(np.array(est) - pseudo) <= 1.96 * np.array(v)) for k, v in se.items()}
    assert cover["robust"] - cover["shanken"] > 0.03, cover
    assert cover["robust"] - cover["fama_macbeth"] > 0.1, cover


def test_r2_standard_error_matches_monte_carlo_spread():
    rng = np.random.default_rng(7)
    r2, se = [], []
    for _ in range(300):
        R, F, _, _ = _simulate(rng, 600, 20, lam=0.01, sd_f=0.02, alpha_sd=0.003)
        res = helpers.cross_sectional_regression(R, F)
        r2.append(res.r2)
        se.append(res.r2_std_error)
    assert 0.2 < np.mean(r2) < 0.8  # inside (0, 1), where the formula applies
    assert np.mean(se) == pytest.approx(np.std(r2), rel=0.2)


def test_r2_conf_int(ff):
    res = helpers.cross_sectional_regression(ff.portfolios, ff.factors[["MktRF", "SMB", "HML"]])
    lo, hi = res.r2_conf_int(0.9)
    assert lo == pytest.approx(max(res.r2 - 1.6448536 * res.r2_std_error, 0.0), rel=1e-6)
    assert hi == pytest.approx(min(res.r2 + 1.6448536 * res.r2_std_error, 1.0), rel=1e-6)
    with pytest.raises(ValueError, match="level"):
        res.r2_conf_int(95)


def test_newey_west_lags_change_errors_and_zero_lags_do_not(ff):
    F = ff.factors[["MktRF"]]
    plain = helpers.cross_sectional_regression(ff.portfolios, F)
    zero = helpers.cross_sectional_regression(ff.portfolios, F, nw_lags=0)
    nw = helpers.cross_sectional_regression(ff.portfolios, F, nw_lags=6)
    pd.testing.assert_frame_equal(plain.std_errors, zero.std_errors)
    assert not np.allclose(plain.std_errors["robust"], nw.std_errors["robust"])


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(weighting="wls"), ValueError, "weighting"),
        (dict(kernel="parzen"), ValueError, "kernel"),
        (dict(nw_lags=-1), ValueError, "nw_lags"),
    ],
)
def test_csr_argument_errors(ff, kwargs, error, match):
    with pytest.raises(error, match=match):
        helpers.cross_sectional_regression(ff.portfolios, ff.factors[["MktRF"]], **kwargs)


def test_csr_input_errors(ff):
    R, F = ff.portfolios, ff.factors[["MktRF", "SMB"]]
    with pytest.raises(ValueError, match="same dates"):
        helpers.cross_sectional_regression(R.iloc[1:], F)
    with pytest.raises(ValueError, match="more test assets"):
        helpers.cross_sectional_regression(R.iloc[:, :3], F)
    with pytest.raises(ValueError, match="GLS needs more dates"):
        helpers.cross_sectional_regression(R.iloc[:25], F.iloc[:25], weighting="gls")
    dup = F.assign(copy=2 * F["SMB"])
    with pytest.raises(ValueError, match="linearly dependent"):
        helpers.cross_sectional_regression(R, dup)
    with pytest.raises(ValueError, match="constant"):
        helpers.cross_sectional_regression(R, F.assign(flat=1.0))
    with pytest.raises(ValueError, match="missing"):
        helpers.cross_sectional_regression(R.mask(R > 0.2), F)


# --- factor_relevance_test -----------------------------------------------------------


def test_relevance_test_equals_statsmodels_wilks(ff):
    F = ff.factors
    test = helpers.factor_relevance_test(ff.portfolios, F)
    fit = _MultivariateOLS(ff.portfolios, sm.add_constant(F)).fit()
    for j, name in enumerate(F.columns):
        contrast = np.zeros((1, F.shape[1] + 1))
        contrast[0, j + 1] = 1.0
        wilks = fit.mv_test([(name, contrast)]).results[name]["stat"].loc["Wilks' lambda"]
        assert test.loc[name, "statistic"] == pytest.approx(float(wilks["F Value"]), rel=1e-8)
        assert test.loc[name, "df_den"] == int(float(wilks["Den DF"]))


def test_relevance_test_size_and_power():
    rng = np.random.default_rng(5)
    p_useless, p_real = [], []
    for _ in range(300):
        R, F, _, _ = _simulate(rng, 240, 10, useless=True)
        test = helpers.factor_relevance_test(R, F)
        p_useless.append(test.loc["g", "pvalue"])
        p_real.append(test.loc["f", "pvalue"])
    size = np.mean(np.array(p_useless) < 0.05)
    assert 0.02 <= size <= 0.09, size  # nominal 5 %, Monte Carlo s.e. 1.3 points
    assert np.mean(np.array(p_real) < 0.05) > 0.99


def test_relevance_test_errors(ff):
    with pytest.raises(ValueError, match="more dates"):
        helpers.factor_relevance_test(ff.portfolios.iloc[:30], ff.factors.iloc[:30])


# --- rolling_betas -------------------------------------------------------------------


def _loop_betas(R, F, window, min_periods):
    rows = {}
    for end in range(window - 1, len(R)):
        sl = slice(end - window + 1, end + 1)
        for asset in R.columns:
            r = R[asset].iloc[sl]
            ok = r.notna().to_numpy()
            if ok.sum() < min_periods:
                continue
            z = np.column_stack([np.ones(ok.sum()), F.iloc[sl].to_numpy()[ok]])
            rows[(R.index[end], asset)] = np.linalg.lstsq(z, r.to_numpy()[ok], rcond=None)[0][1:]
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(F.columns))


def test_rolling_betas_equal_loop_with_missing_values(ff):
    R = ff.portfolios.iloc[:120, :6].copy()
    rng = np.random.default_rng(0)
    R = R.mask(rng.random(R.shape) < 0.1)
    F = ff.factors[["MktRF", "HML"]].iloc[:120]
    got = helpers.rolling_betas(R, F, 36, min_periods=24)
    want = _loop_betas(R, F, 36, 24)
    assert got.index.names == ["date", "asset"]
    got_flat = got.set_axis(got.index.to_flat_index())
    assert set(got_flat.index) == set(want.index)
    np.testing.assert_allclose(got_flat.loc[want.index].to_numpy(), want.to_numpy(), atol=1e-10)


def test_rolling_betas_use_no_future_returns(ff):
    R, F = ff.portfolios.iloc[:200], ff.factors[["MktRF"]].iloc[:200]
    cutoff = R.index[149]
    changed = R.copy()
    changed.loc[changed.index > cutoff] *= -3.0
    a = helpers.rolling_betas(R, F, 60)
    b = helpers.rolling_betas(changed, F, 60)
    known = a.index.get_level_values("date") <= cutoff
    pd.testing.assert_frame_equal(a[known], b[known])
    assert not np.allclose(a[~known], b[~known])


def test_rolling_betas_errors(ff):
    R, F = ff.portfolios.iloc[:100], ff.factors[["MktRF"]].iloc[:100]
    with pytest.raises(ValueError, match="longer than"):
        helpers.rolling_betas(R, F, 101)
    with pytest.raises(ValueError, match="min_periods"):
        helpers.rolling_betas(R, F, 30, min_periods=40)
    with pytest.raises(TypeError, match="window"):
        helpers.rolling_betas(R, F, 30.0)
    with pytest.raises(ValueError, match="same dates"):
        helpers.rolling_betas(R.iloc[1:], F, 30)


# --- pooled_ols ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def panel():
    sim = helpers.simulate_panel(n_dates=50, n_assets=80, seed=3)
    X = sim.latent[["momentum", "value"]].copy()
    X.iloc[::37, 0] = np.nan  # some missing rows
    return X, sim.y


@pytest.mark.parametrize("cluster", ["none", "date", "asset", "both"])
def test_pooled_ols_equals_statsmodels(panel, cluster):
    X, y = panel
    ok = X.notna().all(axis=1)
    z = sm.add_constant(X[ok].to_numpy())
    d = X[ok].index.get_level_values("date").factorize()[0]
    a = X[ok].index.get_level_values("asset").factorize()[0]
    kw = {
        "none": {},
        "date": dict(cov_type="cluster", cov_kwds={"groups": d}),
        "asset": dict(cov_type="cluster", cov_kwds={"groups": a}),
        "both": dict(cov_type="cluster", cov_kwds={"groups": np.column_stack([d, a])}),
    }[cluster]
    ref = sm.OLS(y[ok].to_numpy(), z).fit(**kw)
    res = helpers.pooled_ols(X, y, cluster=cluster)
    np.testing.assert_allclose(res.params.to_numpy(), ref.params, rtol=1e-10)
    np.testing.assert_allclose(res.std_errors.to_numpy(), ref.bse, rtol=1e-10)
    assert res.n_missing_rows == int((~ok).sum())
    assert res.n_obs == int(ok.sum())


def test_pooled_ols_two_way_close_to_linearmodels(panel):
    # linearmodels uses other small-sample factors: agreement to 2 %.
    X, y = panel
    data = pd.concat([y.rename("y"), X], axis=1).dropna().swaplevel().sort_index()
    data.insert(1, "const", 1.0)
    lm = PanelOLS(data["y"], data[["const", *X.columns]]).fit(
        cov_type="clustered", cluster_entity=True, cluster_time=True
    )
    res = helpers.pooled_ols(X, y, cluster="both")
    np.testing.assert_allclose(res.std_errors.to_numpy(), lm.std_errors.to_numpy(), rtol=0.02)


def test_pooled_ols_errors(panel):
    X, y = panel
    with pytest.raises(ValueError, match="cluster must be"):
        helpers.pooled_ols(X, y, cluster="firm")
    with pytest.raises(ValueError, match="same"):
        helpers.pooled_ols(X, y.iloc[1:])
    with pytest.raises(ValueError, match="const"):
        helpers.pooled_ols(X.assign(const=1.0), y)
