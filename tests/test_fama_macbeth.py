"""Tests for helpers.fama_macbeth against linearmodels, scikit-learn and plain loops."""

from __future__ import annotations

import importlib
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from linearmodels.asset_pricing import LinearFactorModel, TradedFactorModel
from linearmodels.panel import FamaMacBeth
from scipy import stats
from sklearn.linear_model import LinearRegression, Ridge

import helpers

CHARS = ["momentum", "value", "size", "volatility"]


@pytest.fixture(scope="module")
def sim():
    return helpers.simulate_panel(n_dates=80, n_assets=150, seed=11)


@pytest.fixture(scope="module")
def ff():
    return helpers.load_french()


def _linearmodels_fm(X, y, **fit):
    """linearmodels' FamaMacBeth on the same data: (entity, time) index, explicit const."""
    data = pd.concat([y.rename("y"), X], axis=1).dropna().swaplevel().sort_index()
    data.insert(1, "const", 1.0)
    return FamaMacBeth(data["y"], data.drop(columns="y")).fit(**fit)


def _sklearn_loop(X, y, alpha=0.0):
    """The source's per-date loop, fixed: one scikit-learn fit per date."""
    data = pd.concat([y.rename("y"), X], axis=1).dropna()
    rows = {}
    for date, g in data.groupby(level="date"):
        model = Ridge(alpha=alpha) if alpha > 0 else LinearRegression()
        model.fit(g[X.columns].to_numpy(), g["y"].to_numpy())
        rows[date] = [model.intercept_, *model.coef_]
    return pd.DataFrame(rows, index=["const", *X.columns]).T


# ---------------------------------------------------------------------------
# Agreement with the reference implementations
# ---------------------------------------------------------------------------


def test_plain_standard_errors_match_linearmodels(sim):
    X = sim.X[CHARS]  # with missing values: rows are dropped date by date
    res = helpers.fama_macbeth(X, sim.y)
    ref = _linearmodels_fm(X, sim.y, cov_type="unadjusted", debiased=True)
    np.testing.assert_allclose(res.premia.to_numpy(), ref.params.to_numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.std_errors.to_numpy(), ref.std_errors.to_numpy(), atol=1e-12)
    np.testing.assert_allclose(res.tstats.to_numpy(), ref.tstats.to_numpy(), rtol=1e-9)
    assert res.n_missing_rows == int(pd.concat([sim.y, X], axis=1).isna().any(axis=1).sum())


@pytest.mark.parametrize("lags", [0, 1, 4, 12])
def test_newey_west_matches_linearmodels_kernel(sim, lags):
    X = sim.X[CHARS]
    res = helpers.fama_macbeth(X, sim.y, nw_lags=lags)
    ref = _linearmodels_fm(X, sim.y, cov_type="kernel", bandwidth=lags)
    np.testing.assert_allclose(res.std_errors.to_numpy(), ref.std_errors.to_numpy(), atol=1e-12)
    assert res.nw_lags == lags


def test_nw_zero_lags_equals_plain_and_auto_rule(sim):
    X = sim.X[CHARS]
    plain = helpers.fama_macbeth(X, sim.y)
    zero = helpers.fama_macbeth(X, sim.y, nw_lags=0)
    np.testing.assert_allclose(plain.std_errors, zero.std_errors, rtol=1e-12)
    auto = helpers.fama_macbeth(X, sim.y, nw_lags="auto")
    assert auto.nw_lags == int(np.floor(4 * (80 / 100) ** (2 / 9)))  # = 3


def test_premia_on_french_data_match_linearmodels_to_1e8(ff):
    """Fama-MacBeth of the 30 portfolios on full-sample betas, two ways."""
    for names in (["MktRF", "SMB", "HML"], ["MktRF", "SMB", "HML", "Mom"]):
        factors = ff.factors[names]
        tp = helpers.two_pass(ff.portfolios, factors, nw_lags=6)
        ref = LinearFactorModel(ff.portfolios, factors, risk_free=True).fit()
        np.testing.assert_allclose(tp.premia.to_numpy(), ref.risk_premia.to_numpy(), atol=1e-8)
        # The same second pass through linearmodels' panel FamaMacBeth.
        panel_x = pd.concat({d: tp.betas for d in ff.portfolios.index}, names=["date", "asset"])
        panel_y = helpers.to_panel(ff.portfolios)
        fm_ref = _linearmodels_fm(panel_x, panel_y, cov_type="kernel", bandwidth=6)
        np.testing.assert_allclose(tp.premia.to_numpy(), fm_ref.params.to_numpy(), atol=1e-8)
        np.testing.assert_allclose(tp.std_errors.to_numpy(), fm_ref.std_errors.to_numpy(), atol=1e-8)


def test_first_pass_matches_linearmodels_traded_factor_model(ff):
    factors = ff.factors[["MktRF", "SMB", "HML"]]
    tp = helpers.two_pass(ff.portfolios, factors)
    ref = TradedFactorModel(ff.portfolios, factors).fit()
    np.testing.assert_allclose(tp.alphas.to_numpy(), ref.alphas.to_numpy(), atol=1e-12)
    np.testing.assert_allclose(tp.betas.to_numpy(), ref.betas.to_numpy(), atol=1e-10)


@pytest.mark.parametrize("alpha", [0.0, 0.5, 20.0])
def test_lambdas_match_a_per_date_sklearn_loop(sim, alpha):
    X = sim.X[CHARS]
    res = helpers.fama_macbeth(X, sim.y, alpha=alpha)
    ref = _sklearn_loop(X, sim.y, alpha)
    np.testing.assert_allclose(res.lambdas.to_numpy(), ref.to_numpy(), atol=1e-12)
    r2_ref = []
    data = pd.concat([sim.y.rename("y"), X], axis=1).dropna()
    for date, g in data.groupby(level="date"):
        model = Ridge(alpha=alpha) if alpha > 0 else LinearRegression()
        r2_ref.append(model.fit(g[CHARS], g["y"]).score(g[CHARS], g["y"]))
    np.testing.assert_allclose(res.r2.to_numpy(), r2_ref, atol=1e-10)


def test_balanced_panel_with_missing_values_matches_the_loop():
    X, y, _ = _noise_free_panel(n_dates=25, n_assets=30, k=3, seed=9)
    rng = np.random.default_rng(9)
    y = y + rng.normal(0, 0.5, len(y))
    X = X.mask(rng.random(X.shape) < 0.05)
    y = y.mask(rng.random(len(y)) < 0.03)
    res = helpers.fama_macbeth(X, y)
    np.testing.assert_allclose(res.lambdas.to_numpy(), _sklearn_loop(X, y).to_numpy(), atol=1e-12)
    assert res.n_missing_rows == int((X.isna().any(axis=1) | y.isna()).sum())
    assert res.n_obs.sum() == len(X) - res.n_missing_rows


def test_characteristics_far_from_zero_lose_no_precision():
    """Per-date centring: a level of 1e6 with unit spread gives the same slopes."""
    X, y, lam = _noise_free_panel(n_dates=10, n_assets=50, k=2, seed=4)
    res = helpers.fama_macbeth(X + 1e6, y)
    np.testing.assert_allclose(res.lambdas.iloc[:, 1:].to_numpy(), lam[:, 1:], rtol=1e-7)


def test_ridge_shrinks_slopes_towards_zero(sim):
    X = sim.latent[CHARS]
    sizes = [
        np.abs(helpers.fama_macbeth(X, sim.y, alpha=a).lambdas[CHARS]).mean().mean()
        for a in (0.0, 10.0, 1000.0)
    ]
    assert sizes[0] > sizes[1] > sizes[2]


def test_pvalues_and_conf_int_follow_the_t_distribution(sim):
    res = helpers.fama_macbeth(sim.latent[CHARS], sim.y)
    df = res.n_dates - 1
    np.testing.assert_allclose(res.pvalues, 2 * stats.t.sf(np.abs(res.tstats), df), rtol=1e-12)
    ci = res.conf_int(0.9)
    half = stats.t.ppf(0.95, df) * res.std_errors
    np.testing.assert_allclose(ci["upper"] - res.premia, half, rtol=1e-12)
    table = res.summary()
    assert list(table.columns) == ["premium", "std_error", "t_stat", "p_value", "ci_lower", "ci_upper"]
    assert "OLS" in repr(res) and "80 dates used" in repr(res)


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------


def _noise_free_panel(n_dates=30, n_assets=40, k=3, seed=0):
    rng = np.random.default_rng(seed)
    index = pd.MultiIndex.from_product(
        [pd.date_range("2001-01-31", periods=n_dates, freq="ME"), [f"a{i}" for i in range(n_assets)]],
        names=["date", "asset"],
    )
    X = pd.DataFrame(rng.normal(size=(len(index), k)), index=index, columns=[f"x{j}" for j in range(k)])
    lam = rng.normal(size=(n_dates, k + 1))
    lam_rows = np.repeat(lam, n_assets, axis=0)
    y = pd.Series(lam_rows[:, 0] + (X.to_numpy() * lam_rows[:, 1:]).sum(axis=1), index=index)
    return X, y, lam


def test_exact_recovery_on_noise_free_data():
    X, y, lam = _noise_free_panel()
    res = helpers.fama_macbeth(X, y)
    np.testing.assert_allclose(res.lambdas.to_numpy(), lam, atol=1e-12)
    np.testing.assert_allclose(res.premia.to_numpy(), lam.mean(axis=0), atol=1e-12)
    np.testing.assert_allclose(res.r2.to_numpy(), 1.0, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_invariant_to_row_order_and_asset_labels(seed):
    X, y, _ = _noise_free_panel(n_dates=12, n_assets=15, seed=seed)
    y = y + np.random.default_rng(seed).normal(0, 0.1, len(y))
    base = helpers.fama_macbeth(X, y, nw_lags=2)
    rng = np.random.default_rng(seed + 1)
    order = rng.permutation(len(X))
    shuffled = helpers.fama_macbeth(X.iloc[order], y.iloc[order], nw_lags=2)
    pd.testing.assert_frame_equal(base.lambdas, shuffled.lambdas, atol=1e-12, rtol=0)
    relabel = {f"a{i}": f"z{rng.integers(1e9)}_{i}" for i in range(15)}
    renamed = helpers.fama_macbeth(X.rename(index=relabel, level="asset"), y.rename(index=relabel, level="asset"))
    np.testing.assert_allclose(renamed.premia, base.premia, atol=1e-12)


def test_dates_never_mix():
    """Changing one date's returns changes that date's lambda only."""
    X, y, _ = _noise_free_panel(n_dates=10, n_assets=20, seed=3)
    base = helpers.fama_macbeth(X, y).lambdas
    date = X.index.get_level_values("date").unique()[4]
    y2 = y.copy()
    y2.loc[date] += np.linspace(-1, 1, 20)
    changed = helpers.fama_macbeth(X, y2).lambdas
    diff = (changed - base).abs().max(axis=1) > 1e-9
    assert diff.sum() == 1 and diff[date]


def test_small_blocks_give_the_same_answer(sim, monkeypatch):
    """The memory bound (blocks of dates) does not change the result."""
    X = sim.X[CHARS]
    full = helpers.fama_macbeth(X, sim.y)
    module = importlib.import_module("helpers.fama_macbeth")  # the function shadows it
    monkeypatch.setattr(module, "_BLOCK_BYTES", 1)  # one date per block
    blocked = helpers.fama_macbeth(X, sim.y)
    pd.testing.assert_frame_equal(full.lambdas, blocked.lambdas, atol=1e-14, rtol=0)


# ---------------------------------------------------------------------------
# Missing values and skipped dates
# ---------------------------------------------------------------------------


def test_thin_and_rank_deficient_dates_are_skipped_and_reported():
    X, y, _ = _noise_free_panel(n_dates=8, n_assets=12, seed=5)
    dates = X.index.get_level_values("date").unique()
    X = X.copy()
    y = y + np.random.default_rng(0).normal(0, 0.01, len(y))
    X.loc[dates[1], "x0"] = np.nan  # all of x0 missing: no usable row
    X.loc[(dates[2], slice(None)), "x1"] = 3.0  # constant characteristic
    X.loc[(dates[3], slice(None)), "x2"] = 2 * X.loc[dates[3], "x0"].to_numpy()  # collinear
    keep = ~((X.index.get_level_values("date") == dates[4])
             & X.index.get_level_values("asset").isin([f"a{i}" for i in range(9)]))
    X, y = X[keep], y[keep]  # only 3 rows on dates[4]: fewer than K + 1 = 4
    with pytest.warns(RuntimeWarning, match="skipped 4 of 8 dates"):
        res = helpers.fama_macbeth(X, y)
    assert list(res.skipped_dates.index) == list(dates[1:5])
    reasons = res.skipped_dates
    assert "fewer than the 4 needed" in reasons[dates[1]]
    assert "no cross-sectional variation in ['x1']" in reasons[dates[2]]
    assert "collinear" in reasons[dates[3]]
    assert "3 usable rows" in reasons[dates[4]]
    assert res.n_dates == 4
    assert res.n_obs[dates[1]] == 0 and res.n_obs[dates[0]] == 12
    assert res.n_missing_rows == 12
    # Ridge identifies the constant and collinear dates; thin dates need 2 rows.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ridge = helpers.fama_macbeth(X, y, alpha=1.0)
    assert ridge.n_dates == 7 and len(caught) == 1


def test_no_usable_date_is_an_error():
    X, y, _ = _noise_free_panel(n_dates=5, n_assets=10)
    X = X.assign(x2=X["x0"] * 3)
    with pytest.raises(ValueError, match="No date could be used.*collinear"):
        helpers.fama_macbeth(X, y)
    Xc = X[["x0"]].assign(x1=1.0)
    with pytest.raises(ValueError, match="No date could be used.*no cross-sectional variation"):
        helpers.fama_macbeth(Xc, y)


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------


@pytest.fixture
def small():
    X, y, _ = _noise_free_panel(n_dates=6, n_assets=10)
    return X, y


def test_x_must_be_a_panel_frame(small):
    X, y = small
    with pytest.raises(TypeError, match=r"indexed by \(date, asset\); got a RangeIndex"):
        helpers.fama_macbeth(X.reset_index(drop=True), y.reset_index(drop=True))
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        helpers.fama_macbeth(X.to_numpy(), y)
    with pytest.raises(TypeError, match=r"levels named \('date', 'asset'\)"):
        helpers.fama_macbeth(X.rename_axis(["time", "id"]), y.rename_axis(["time", "id"]))


def test_x_and_y_on_different_indices(small):
    X, y = small
    with pytest.raises(ValueError, match="same .date, asset. index.*nothing is joined"):
        helpers.fama_macbeth(X, y.iloc[:-3])
    with pytest.raises(ValueError, match="same .date, asset. index"):
        helpers.fama_macbeth(X, y.sample(frac=1, random_state=0))
    with pytest.raises(TypeError, match="y must be a pandas Series"):
        helpers.fama_macbeth(X, y.to_numpy())


def test_duplicate_rows(small):
    X, y = small
    Xd, yd = pd.concat([X, X.iloc[:2]]), pd.concat([y, y.iloc[:2]])
    with pytest.raises(ValueError, match="2 duplicated .date, asset. rows"):
        helpers.fama_macbeth(Xd, yd)


def test_non_numeric_columns_are_named(small):
    X, y = small
    with pytest.raises(TypeError, match=r"non-numeric columns \['sector'\]"):
        helpers.fama_macbeth(X.assign(sector="tech"), y)


def test_infinite_values(small):
    X, y = small
    Xi = X.copy()
    Xi.iloc[3, 1] = np.inf
    with pytest.raises(ValueError, match=r"1 infinite values.*\['x1'\]"):
        helpers.fama_macbeth(Xi, y)
    yi = y.copy()
    yi.iloc[0] = -np.inf
    with pytest.raises(ValueError, match="y has 1 infinite values"):
        helpers.fama_macbeth(X, yi)


def test_overflowing_values(small):
    X, y = small
    huge = X.copy()
    huge.iloc[0, :2] = 1e308
    with pytest.raises(ValueError, match="so large that their sum overflows"):
        helpers.fama_macbeth(huge, y)


@pytest.mark.parametrize("alpha", [-1.0, -1e-9])
def test_negative_alpha(small, alpha):
    X, y = small
    with pytest.raises(ValueError, match="alpha must be >= 0"):
        helpers.fama_macbeth(X, y, alpha=alpha)


def test_bad_alpha_type_nw_lags_and_const_column(small):
    X, y = small
    with pytest.raises(TypeError, match="alpha must be a finite number"):
        helpers.fama_macbeth(X, y, alpha="1")
    with pytest.raises(ValueError, match="nw_lags must be None, an int >= 0 or 'auto'"):
        helpers.fama_macbeth(X, y, nw_lags=-1)
    with pytest.raises(ValueError, match="nw_lags must be None"):
        helpers.fama_macbeth(X, y, nw_lags="newey")
    with pytest.raises(ValueError, match="must be below the number of dates used"):
        helpers.fama_macbeth(X, y, nw_lags=6)
    with pytest.raises(ValueError, match="column named 'const'"):
        helpers.fama_macbeth(X.assign(const=1.0), y)


# ---------------------------------------------------------------------------
# two_pass: Shanken and GRS against formulas written out independently
# ---------------------------------------------------------------------------


def test_shanken_and_grs_match_textbook_formulas(ff):
    R = ff.portfolios
    F = ff.factors[["MktRF", "SMB", "HML"]]
    tp = helpers.two_pass(R, F)
    T, N, K = len(R), R.shape[1], F.shape[1]

    # First pass, asset by asset, with scikit-learn.
    alphas, betas, resid = [], [], []
    for name in R.columns:
        m = LinearRegression().fit(F, R[name])
        alphas.append(m.intercept_)
        betas.append(m.coef_)
        resid.append(R[name] - m.predict(F))
    alphas, betas, resid = np.array(alphas), np.array(betas), np.array(resid).T
    np.testing.assert_allclose(tp.alphas, alphas, atol=1e-12)

    # Second pass: average returns on [1, beta] (equal to the mean of per-date OLS).
    Z = np.column_stack([np.ones(N), betas])
    lam = np.linalg.solve(Z.T @ Z, Z.T @ R.mean().to_numpy())
    np.testing.assert_allclose(tp.premia, lam, atol=1e-12)

    # Shanken (1992), as in Cochrane (2005), eq. (12.19): with Sigma_f bordered by zeros,
    # V = (1/T)[(1 + c) (Z'Z)^-1 Z' S Z (Z'Z)^-1 + Sigma_f] where S is the covariance
    # of the residuals of the cross-sectional regressions.
    lam_t = np.linalg.solve(Z.T @ Z, Z.T @ R.to_numpy().T).T
    v_fm = np.cov(lam_t, rowvar=False, ddof=1) / T
    sigma_f = np.cov(F.to_numpy(), rowvar=False, ddof=1)
    c = lam[1:] @ np.linalg.inv(sigma_f) @ lam[1:]
    bordered = np.zeros((K + 1, K + 1))
    bordered[1:, 1:] = sigma_f
    v_sh = (1 + c) * (v_fm - bordered / T) + bordered / T
    np.testing.assert_allclose(tp.shanken_std_errors, np.sqrt(np.diag(v_sh)), rtol=1e-10)
    assert (tp.shanken_std_errors.iloc[1:] > tp.std_errors.iloc[1:]).all()

    # GRS (1989), Campbell, Lo and MacKinlay (1997), eq. (6.2.22), with MLE moments.
    sigma = resid.T @ resid / T
    mu = F.mean().to_numpy()
    omega = (F - F.mean()).T.to_numpy() @ (F - F.mean()).to_numpy() / T
    j = (T - N - K) / N * (alphas @ np.linalg.inv(sigma) @ alphas) / (1 + mu @ np.linalg.inv(omega) @ mu)
    assert tp.grs.statistic == pytest.approx(j, rel=1e-10)
    assert tp.grs.pvalue == pytest.approx(stats.f.sf(j, N, T - N - K), rel=1e-8)
    assert (tp.grs.df_num, tp.grs.df_den) == (N, T - N - K)
    assert "GRS F(30, 786)" in str(tp.grs)

    avg = tp.average_returns
    np.testing.assert_allclose(avg["predicted"], Z @ lam, atol=1e-12)
    np.testing.assert_allclose(avg["realised"], R.mean(), atol=1e-15)


def test_grs_size_under_the_null():
    """Simulated data whose alphas are zero: GRS rejects at 5 % about 5 % of the time."""
    rng = np.random.default_rng(0)
    T, N, K, reps = 120, 10, 2, 300
    idx = pd.date_range("2000-01-31", periods=T, freq="ME")
    rejections = 0
    for _ in range(reps):
        f = rng.normal(0.005, 0.04, (T, K))
        b = rng.normal(1, 0.3, (N, K))
        r = f @ b.T + rng.normal(0, 0.02, (T, N))
        tp = helpers.two_pass(pd.DataFrame(r, index=idx), pd.DataFrame(f, index=idx))
        rejections += tp.grs.pvalue < 0.05
    assert 0.02 < rejections / reps < 0.09


def test_two_pass_bad_input(ff):
    R, F = ff.portfolios, ff.factors[["MktRF"]]
    with pytest.raises(ValueError, match="same dates"):
        helpers.two_pass(R, F.iloc[1:])
    Rn = R.copy()
    Rn.iloc[0, 0] = np.nan
    with pytest.raises(ValueError, match="1 missing or infinite values"):
        helpers.two_pass(Rn, F)
    with pytest.raises(ValueError, match="more dates than assets"):
        helpers.two_pass(R.iloc[:30], F.iloc[:30])
    with pytest.raises(TypeError, match="DatetimeIndex"):
        helpers.two_pass(R.reset_index(drop=True), F.reset_index(drop=True))


def test_singular_normal_equations_are_reported_not_solved():
    """A date whose normal equations are not positive definite is skipped, by name."""
    module = importlib.import_module("helpers.fama_macbeth")
    gram = np.array([[[2.0, 0.0], [0.0, 1.0]], [[1.0, 2.0], [2.0, 1.0]]])  # 2nd is indefinite
    reasons = {}
    good = module._well_conditioned(gram, np.ones((2, 2)), np.array([True, True]), ["a", "b"], reasons)
    assert good.tolist() == [True, False]
    assert reasons == {1: "collinear characteristics (the normal equations are singular)"}


# ---------------------------------------------------------------------------
# Hansen-Hodrick errors, non-datetime dates, constant dates, singular two-pass inputs
# ---------------------------------------------------------------------------

from statsmodels.stats.sandwich_covariance import cov_hac, weights_uniform  # noqa: E402
import statsmodels.api as sm  # noqa: E402


def test_hansen_hodrick_falls_back_when_not_positive_definite(sim):
    # On this panel the uniform-kernel covariance with 5 lags has a negative eigenvalue.
    with pytest.warns(RuntimeWarning, match="not positive definite; using Newey-West"):
        res = helpers.fama_macbeth(sim.latent[CHARS], sim.y, nw_lags=5, kernel="uniform")
    nw = helpers.fama_macbeth(sim.latent[CHARS], sim.y, nw_lags=5)
    assert res.kernel == "bartlett"
    pd.testing.assert_series_equal(res.std_errors, nw.std_errors)


@pytest.mark.parametrize("lags", [1, 2])
def test_hansen_hodrick_errors_match_statsmodels_uniform_hac(sim, lags):
    res = helpers.fama_macbeth(sim.latent[CHARS], sim.y, nw_lags=lags, kernel="uniform")
    lam = res.lambdas.to_numpy()
    for j, name in enumerate(res.lambdas.columns):
        fit = sm.OLS(lam[:, j], np.ones(len(lam))).fit()
        cov = cov_hac(fit, nlags=lags, weights_func=weights_uniform, use_correction=True)
        assert res.std_errors[name] == pytest.approx(np.sqrt(cov[0, 0]), rel=1e-10)
    assert res.kernel == "uniform" and "Hansen-Hodrick(%d)" % lags in repr(res)
    nw = helpers.fama_macbeth(sim.latent[CHARS], sim.y, nw_lags=lags)
    assert nw.kernel == "bartlett" and "Newey-West" in repr(nw)
    with pytest.raises(ValueError, match="kernel must be"):
        helpers.fama_macbeth(sim.latent[CHARS], sim.y, nw_lags=lags, kernel="flat")


@pytest.mark.parametrize(
    "labels",
    [list(range(201, 209)), [f"2001-{m:02d}" for m in range(1, 9)], [f"q{m}" for m in range(8)]],
    ids=["integers", "date strings", "strings"],
)
def test_non_datetime_dates_with_a_skipped_date(labels):
    X, y, _ = _noise_free_panel(n_dates=8, n_assets=12, seed=2)
    mapping = dict(zip(X.index.get_level_values("date").unique(), labels))
    index = pd.MultiIndex.from_arrays(
        [X.index.get_level_values("date").map(mapping), X.index.get_level_values("asset")],
        names=["date", "asset"],
    )
    X, y = X.set_axis(index), y.set_axis(index)
    X.loc[labels[3], "x0"] = np.nan
    with pytest.warns(RuntimeWarning, match=f"skipped 1 of 8 dates \\({labels[3]}: "):
        res = helpers.fama_macbeth(X, y)
    assert list(res.skipped_dates.index) == [labels[3]]
    assert list(res.lambdas.index) == [d for d in labels if d != labels[3]]


def test_r2_of_a_date_whose_returns_are_all_equal_is_nan():
    X, y, _ = _noise_free_panel(n_dates=6, n_assets=20, seed=3)
    y = y + np.random.default_rng(1).normal(0, 0.1, len(y))
    dates = X.index.get_level_values("date").unique()
    y.loc[dates[2]] = 0.0123  # a date with no cross-sectional variation in returns
    y.loc[dates[4]] = 0.1 + 1e3  # far from zero: rounding error in the centred sum
    res = helpers.fama_macbeth(X, y)
    assert np.isnan(res.r2[dates[2]]) and np.isnan(res.r2[dates[4]])
    assert res.r2.drop([dates[2], dates[4]]).between(0, 1).all()


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda R, F: R.assign(NoDur=0.01), r"\['NoDur'\] is constant over time"),
        (lambda R, F: R.assign(Durbl=R["Manuf"]), r"\['(Durbl|Manuf)'\] is a linear combination"),
        (lambda R, F: R.assign(Enrgy=F["MktRF"] + F["HML"] - 0.001),
         r"\['Enrgy'\] is constant over time"),
    ],
    ids=["constant portfolio", "duplicated portfolio", "factor-spanned portfolio"],
)
def test_two_pass_refuses_a_singular_residual_covariance(ff, change, match):
    F = ff.factors[["MktRF", "SMB", "HML"]]
    R = change(ff.portfolios, F)
    with pytest.raises(ValueError, match=match):
        helpers.two_pass(R, F)


def test_two_pass_refuses_constant_or_collinear_factors(ff):
    F = ff.factors[["MktRF", "SMB"]]
    with pytest.raises(ValueError, match=r"factors: \['flat'\] is constant over time"):
        helpers.two_pass(ff.portfolios, F.assign(flat=0.002))
    with pytest.raises(ValueError, match=r"factors: \['(MktRF|SMB|both)'\] is a linear comb"):
        helpers.two_pass(ff.portfolios, F.assign(both=F["MktRF"] + 2 * F["SMB"]))
