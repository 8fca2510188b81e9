"""Tests for helpers.data: the French data, panel utilities and the simulated panel."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import helpers
from helpers.data import CHARACTERISTICS

# ---------------------------------------------------------------------------
# load_french
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ff():
    return helpers.load_french()


@pytest.fixture(scope="module")
def raw_french():
    from linearmodels.datasets import french

    return french.load()


def test_french_shapes_and_columns(ff):
    assert ff.factors.shape == (819, 4)
    assert list(ff.factors.columns) == ["MktRF", "SMB", "HML", "Mom"]
    assert ff.portfolios.shape == (819, 30)
    assert ff.rf.shape == (819,)
    assert sum(len(v) for v in ff.groups.values()) == 30
    assert set().union(*ff.groups.values()) == set(ff.portfolios.columns)
    assert len(ff.groups["industry"]) == 12
    assert len(ff.groups["size_value"]) == len(ff.groups["size_momentum"]) == 9


def test_french_dates_are_month_ends_1949_to_2017(ff):
    for frame in (ff.factors, ff.portfolios, ff.rf):
        index = frame.index
        assert isinstance(index, pd.DatetimeIndex)
        assert index.name == "date"
        assert index.is_monotonic_increasing and index.is_unique
        assert index.is_month_end.all()
        assert index[0] == pd.Timestamp("1949-01-31")
        assert index[-1] == pd.Timestamp("2017-03-31")
    # One row per calendar month, no gaps.
    months = ff.factors.index.to_period("M")
    assert (months[1:] - months[:-1] == months.freq).all()


def test_portfolios_are_excess_returns_over_rf(ff, raw_french):
    raw = raw_french.set_index("dates")
    for name in ["NoDur", "S1V5", "S5M1"]:
        np.testing.assert_allclose(
            ff.portfolios[name].to_numpy(), (raw[name] - raw["RF"]).to_numpy(), atol=1e-15
        )
    np.testing.assert_allclose(ff.rf.to_numpy(), raw["RF"].to_numpy())
    np.testing.assert_allclose(ff.factors["HML"].to_numpy(), raw["HML"].to_numpy())


def test_french_returns_are_decimals(ff):
    assert ff.portfolios.abs().max().max() < 1.0
    assert ff.factors.abs().max().max() < 1.0
    # The market excess return averages roughly 0.5-0.9 % a month over 1949-2017.
    assert 0.004 < ff.factors["MktRF"].mean() < 0.009
    assert not ff.portfolios.isna().any().any()


def test_french_descriptions_cover_every_column(ff):
    names = ["RF", *ff.factors.columns, *ff.portfolios.columns]
    assert set(names) <= set(ff.descriptions.index)
    assert ff.descriptions.str.len().min() > 5


def test_load_french_returns_fresh_copies(ff):
    again = helpers.load_french()
    again.portfolios.iloc[0, 0] = 99.0
    assert ff.portfolios.iloc[0, 0] != 99.0
    assert "819 months" in repr(again)


# ---------------------------------------------------------------------------
# to_panel
# ---------------------------------------------------------------------------


def _wide(n_dates=4, n_assets=3, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        rng.normal(0, 0.05, (n_dates, n_assets)),
        index=pd.date_range("2000-01-31", periods=n_dates, freq="ME"),
        columns=[f"a{i}" for i in range(n_assets)],
    )


def test_to_panel_matches_a_plain_loop_and_round_trips():
    wide = _wide()
    panel = helpers.to_panel(wide)
    assert panel.index.names == ["date", "asset"]
    assert panel.index.is_monotonic_increasing
    for date in wide.index:
        for asset in wide.columns:
            assert panel.loc[(date, asset)] == wide.loc[date, asset]
    pd.testing.assert_frame_equal(
        panel.unstack("asset"), wide.rename_axis(index="date", columns="asset")
    )


def test_to_panel_of_a_dict_gives_one_column_per_key():
    a, b = _wide(seed=1), _wide(seed=2)
    panel = helpers.to_panel({"mom": a, "rev": b})
    assert list(panel.columns) == ["mom", "rev"]
    assert panel.loc[(a.index[2], "a1"), "rev"] == b.loc[a.index[2], "a1"]


def test_to_panel_keeps_missing_rows_unless_asked():
    wide = _wide()
    wide.iloc[1, 2] = np.nan
    assert len(helpers.to_panel(wide)) == wide.size
    assert len(helpers.to_panel(wide, dropna=True)) == wide.size - 1


def test_to_panel_errors():
    wide = _wide()
    with pytest.raises(TypeError, match="DatetimeIndex"):
        helpers.to_panel(wide.reset_index(drop=True))
    with pytest.raises(ValueError, match="other dates or assets"):
        helpers.to_panel({"a": wide, "b": wide.iloc[:-1]})
    with pytest.raises(ValueError, match="empty dict"):
        helpers.to_panel({})
    with pytest.raises(ValueError, match="sorted"):
        helpers.to_panel(wide.iloc[::-1])
    with pytest.raises(TypeError, match="DataFrame"):
        helpers.to_panel(wide.to_numpy())


# ---------------------------------------------------------------------------
# forward_returns
# ---------------------------------------------------------------------------


def _forward_loop(wide: pd.DataFrame, h: int) -> pd.DataFrame:
    out = pd.DataFrame(np.nan, index=wide.index, columns=wide.columns)
    for t in range(len(wide) - h):
        window = wide.iloc[t + 1 : t + 1 + h]
        out.iloc[t] = (1 + window).prod(skipna=False) - 1
    return out


@pytest.mark.parametrize("h", [1, 3, 12])
def test_forward_returns_match_a_plain_loop(ff, h):
    wide = ff.portfolios.iloc[:60, :5]
    pd.testing.assert_frame_equal(helpers.forward_returns(wide, h), _forward_loop(wide, h))


@settings(max_examples=40, deadline=None)
@given(
    values=arrays(
        np.float64,
        st.tuples(st.integers(2, 15), st.integers(1, 4)),
        elements=st.one_of(st.floats(-0.5, 0.5), st.just(np.nan)),
    ),
    h=st.integers(1, 5),
)
def test_forward_returns_property_against_loop(values, h):
    wide = pd.DataFrame(values, index=pd.date_range("2000-01-31", periods=len(values), freq="ME"))
    if h >= len(wide):
        with pytest.raises(ValueError, match="leaves no forward return"):
            helpers.forward_returns(wide, h)
        return
    pd.testing.assert_frame_equal(
        helpers.forward_returns(wide, h), _forward_loop(wide, h), rtol=1e-10, atol=1e-12
    )


def test_forward_return_of_a_series_keeps_its_name():
    r = pd.Series(
        [0.1, -0.1, 0.2, 0.0], index=pd.date_range("2000-01-31", periods=4, freq="ME"), name="x"
    )
    out = helpers.forward_returns(r, 2)
    assert isinstance(out, pd.Series) and out.name == "x"
    assert out.iloc[0] == pytest.approx(0.9 * 1.2 - 1)
    assert out.iloc[-2:].isna().all()


def test_forward_returns_errors():
    wide = _wide()
    with pytest.raises(ValueError, match="horizon must be an integer >= 1"):
        helpers.forward_returns(wide, 0)
    with pytest.raises(TypeError, match="horizon"):
        helpers.forward_returns(wide, 1.5)
    with pytest.raises(ValueError, match="leaves no forward return"):
        helpers.forward_returns(wide, 4)
    with pytest.raises(ValueError, match="percent"):
        helpers.forward_returns(wide * 100, 1)
    with pytest.raises(TypeError, match="DatetimeIndex"):
        helpers.forward_returns(wide.reset_index(drop=True), 1)


# ---------------------------------------------------------------------------
# simulate_panel
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sim():
    return helpers.simulate_panel(n_dates=120, n_assets=400, seed=7)


def test_simulated_panel_layout(sim):
    index = sim.X.index
    assert index.names == ["date", "asset"]
    assert index.is_monotonic_increasing and index.is_unique
    assert list(sim.X.columns) == list(CHARACTERISTICS)
    for other in (sim.y.index, sim.expected.index, sim.latent.index, sim.components.index):
        assert other.equals(index)
    assert list(sim.premia.index) == list(sim.X.columns)
    assert index.get_level_values("date").nunique() == 120
    assert index.get_level_values("asset").nunique() <= 400
    assert not sim.y.isna().any() and not sim.expected.isna().any()
    assert sim.y.min() >= -0.9  # limited liability: no return below -100 %
    assert "rows here" in sim.description


def test_same_seed_same_panel_other_seed_other_panel(sim):
    again = helpers.simulate_panel(n_dates=120, n_assets=400, seed=7)
    pd.testing.assert_frame_equal(sim.X, again.X)
    pd.testing.assert_series_equal(sim.y, again.y)
    assert sim.description == again.description
    other = helpers.simulate_panel(n_dates=120, n_assets=400, seed=8)
    assert not np.allclose(other.y.to_numpy()[:100], sim.y.to_numpy()[:100])


def test_premia_include_a_zoo_of_zeros_and_nonzero_premia(sim):
    assert (sim.premia == 0).sum() >= 5
    assert (sim.premia != 0).sum() >= 5
    assert sim.premia[[c for c in CHARACTERISTICS if c.startswith("zoo_")]].eq(0).all()


def test_expected_return_follows_the_described_formula(sim):
    z = sim.latent
    formula = (
        z @ sim.premia
        - 0.0025 * (z["volatility"] ** 2 - 1)
        + 0.0025 * z["momentum"] * z["volatility"]
    )
    np.testing.assert_allclose(sim.expected.to_numpy(), formula.to_numpy(), atol=1e-14)
    np.testing.assert_allclose(sim.components.sum(axis=1), sim.expected, atol=1e-14)


def test_observed_characteristics_are_affine_in_the_latent_ones_per_date(sim):
    both = pd.concat({"x": sim.X, "z": sim.latent}, axis=1).dropna()
    for name in ["size", "volatility", "value"]:
        corr = both.groupby(level="date").apply(lambda g: g[("x", name)].corr(g[("z", name)]))
        np.testing.assert_allclose(corr.to_numpy(), 1.0, atol=1e-12)
    # Drifts that pooled scaling gets wrong: size's level, volatility's dispersion.
    level = sim.X["size"].groupby(level="date").mean()
    assert level.iloc[-12:].mean() - level.iloc[:12].mean() > 0.8
    spread = sim.X["volatility"].groupby(level="date").std()
    assert spread.max() / spread.min() > 2.5


def test_latent_characteristics_are_standardised_and_persistent(sim):
    z = sim.latent
    per_date_sd = z.groupby(level="date").std().mean()
    np.testing.assert_allclose(per_date_sd, 1.0, atol=0.08)
    lagged = z.groupby(level="asset").shift(1)
    autocorr = {c: z[c].corr(lagged[c]) for c in ["size", "value", "reversal"]}
    assert autocorr["size"] > 0.95 and autocorr["value"] > 0.95
    assert abs(autocorr["reversal"]) < 0.05
    assert z["value"].corr(z["zoo_1"]) > 0.4


def test_returns_load_on_the_true_premia(sim):
    # Pooled OLS of y on the latent characteristics estimates the premia (the
    # non-linear terms are orthogonal to every z by construction).
    z = np.column_stack([np.ones(len(sim.latent)), sim.latent.to_numpy()])
    coef, *_ = np.linalg.lstsq(z, sim.y.to_numpy(), rcond=None)
    err = coef[1:] - sim.premia.to_numpy()
    assert np.abs(err).max() < 0.0025
    # Against the noise-free expected return the fit is almost exact.
    coef_e, *_ = np.linalg.lstsq(z, sim.expected.to_numpy(), rcond=None)
    np.testing.assert_allclose(coef_e[1:], sim.premia.to_numpy(), atol=2.5e-4)


def test_oracle_information_coefficient_is_small_but_positive(sim):
    ranks = pd.DataFrame({"e": sim.expected, "y": sim.y}).groupby(level="date").rank()
    ic = ranks.groupby(level="date").apply(lambda g: g["e"].corr(g["y"]))
    assert 0.05 < ic.mean() < 0.2
    assert ic.std() > 0.05  # noisy from date to date, as real ICs are


def test_missing_values_and_assets_entering_and_leaving(sim):
    share = sim.X.isna().to_numpy().mean()
    assert 0.01 < share < 0.03
    small = sim.latent["size"] < 0
    assert sim.X[small].isna().to_numpy().mean() > sim.X[~small].isna().to_numpy().mean()
    dates_per_asset = sim.X.groupby(level="asset").size()
    assert (dates_per_asset < 120).any() and (dates_per_asset == 120).any()
    assets = sim.X.index.get_level_values("asset")
    dates = sim.X.index.get_level_values("date")
    first, last = dates.min(), dates.max()
    enters = pd.Series(dates, index=assets).groupby(level=0).min()
    leaves = pd.Series(dates, index=assets).groupby(level=0).max()
    assert (enters > first).any() and (leaves < last).any()
    # Each asset lives on one contiguous span of dates.
    all_dates = pd.Index(sorted(dates.unique()))
    span = all_dates.get_indexer(leaves) - all_dates.get_indexer(enters) + 1
    np.testing.assert_array_equal(span, dates_per_asset.loc[enters.index].to_numpy())


def test_no_missing_values_when_missing_rate_is_zero():
    sim = helpers.simulate_panel(n_dates=12, n_assets=10, seed=0, missing_rate=0)
    assert not sim.X.isna().any().any()
    assert "Simulated panel" in sim.description and "seed 0" in sim.description
    assert "12 dates" in repr(sim)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"n_dates": 5}, ValueError, "n_dates must be an integer >= 12"),
        ({"n_dates": 24.0}, TypeError, "n_dates must be an integer"),
        ({"n_assets": 3}, ValueError, "n_assets must be an integer >= 10"),
        ({"n_assets": True}, TypeError, "n_assets"),
        ({"seed": -1}, ValueError, "seed must be an integer >= 0"),
        ({"seed": "abc"}, TypeError, "seed"),
        ({"seed": None}, TypeError, "seed"),
        ({"missing_rate": 0.7}, ValueError, r"missing_rate must be in \[0, 0.5\)"),
        ({"missing_rate": "high"}, TypeError, "missing_rate"),
    ],
)
def test_simulate_panel_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        helpers.simulate_panel(**kwargs)


# --- return_characteristics ---------------------------------------------------------


def _loop_characteristics(returns, market, t, asset):
    r, m = returns[asset].to_numpy(), market.to_numpy()
    mom = np.prod(1 + r[t - 11 : t]) - 1  # months t-11 .. t-1
    vol = np.std(r[t - 11 : t + 1], ddof=1) * np.sqrt(12)
    w, mw = r[t - 35 : t + 1], m[t - 35 : t + 1]
    beta = np.cov(w, mw, ddof=1)[0, 1] / np.var(mw, ddof=1)
    return mom, r[t], vol, beta


def test_return_characteristics_match_a_plain_loop(ff):
    market = ff.factors["MktRF"]
    chars = helpers.return_characteristics(ff.portfolios, market)
    assert chars.columns.tolist() == ["momentum", "reversal", "volatility", "beta"]
    assert len(chars) == ff.portfolios.size
    for t, asset in [(36, "NoDur"), (100, "S1M1"), (500, "Money"), (818, "S5V5")]:
        row = chars.loc[(ff.portfolios.index[t], asset)].to_numpy()
        np.testing.assert_allclose(row, _loop_characteristics(ff.portfolios, market, t, asset),
                                   rtol=1e-9)
    first = chars.dropna().index.get_level_values("date").min()
    assert first == ff.portfolios.index[35]  # the 36-month beta needs 36 months


def test_return_characteristics_never_look_ahead(ff):
    """Changing returns after month t changes no characteristic dated t or earlier."""
    returns, market = ff.portfolios.iloc[:120], ff.factors["MktRF"].iloc[:120]
    t = 80
    shocked, shocked_market = returns.copy(), market.copy()
    shocked.iloc[t + 1 :] *= -3.0
    shocked_market.iloc[t + 1 :] += 0.5
    before = helpers.return_characteristics(returns, market)
    after = helpers.return_characteristics(shocked, shocked_market)
    upto = before.index.get_level_values("date") <= returns.index[t]
    pd.testing.assert_frame_equal(before[upto], after[upto])
    assert not before[~upto].equals(after[~upto])


def test_return_characteristics_errors(ff):
    r, m = ff.portfolios, ff.factors["MktRF"]
    with pytest.raises(TypeError, match="market must be a pandas Series"):
        helpers.return_characteristics(r, m.to_numpy())
    with pytest.raises(ValueError, match="same dates"):
        helpers.return_characteristics(r, m.iloc[1:])
    with pytest.raises(ValueError, match="need more months"):
        helpers.return_characteristics(r.iloc[:20], m.iloc[:20])
    with pytest.raises(ValueError, match="momentum must be an integer >= 2"):
        helpers.return_characteristics(r, m, momentum=1)


def test_expected_plus_market_premium_is_the_conditional_mean():
    # many dates: the market shocks (sd 4.5 % a month) average out to sd 0.1 %
    sim = helpers.simulate_panel(n_dates=2000, n_assets=40, seed=3)
    assert sim.market_premium == 0.006
    bound = 3 * 0.045 / np.sqrt(2000)  # 0.3 %, half the premium
    assert abs((sim.y - sim.expected - sim.market_premium).mean()) < bound
    assert (sim.y - sim.expected).mean() > bound  # without the premium, biased


# ---------------------------------------------------------------------------
# horizon_returns and the feasible h-period oracle
# ---------------------------------------------------------------------------


def _loop_horizon_returns(y, h):
    """Reference: compound each asset's next h returns by hand, date by date."""
    dates = list(y.index.get_level_values("date").unique().sort_values())
    position = {d: i for i, d in enumerate(dates)}
    lookup = y.to_dict()
    out = {}
    for (date, asset) in y.index:
        i = position[date]
        if i + h > len(dates):
            out[(date, asset)] = np.nan
            continue
        values = [lookup.get((dates[i + j], asset), np.nan) for j in range(h)]
        out[(date, asset)] = np.prod([1 + v for v in values]) - 1
    return pd.Series(out).reindex(y.index)


@pytest.mark.parametrize("h", [1, 3, 12])
def test_horizon_returns_equal_a_loop_with_gaps(h):
    sim = helpers.simulate_panel(n_dates=30, n_assets=40, seed=4)
    y = sim.y.copy()
    y.iloc[::17] = np.nan  # missing returns inside an asset's life
    y = y.drop(y.index[5::23])  # and absent rows
    got = helpers.horizon_returns(y, h)
    ref = _loop_horizon_returns(y, h)
    np.testing.assert_allclose(got.to_numpy(), ref.to_numpy(), rtol=1e-12, atol=1e-15)
    assert got.index.equals(y.index) and got.name == f"fwd_return_{h}"
    if h == 1:
        np.testing.assert_array_equal(got.to_numpy(), y.to_numpy())


def test_horizon_returns_bad_input():
    sim = helpers.simulate_panel(n_dates=12, n_assets=10, seed=0)
    with pytest.raises(TypeError, match="must be a pandas Series"):
        helpers.horizon_returns(sim.y.to_frame(), 2)
    with pytest.raises(ValueError, match="<= -1"):
        helpers.horizon_returns(sim.y * 100, 2)
    with pytest.raises(ValueError, match="horizon"):
        helpers.horizon_returns(sim.y, 0)
    with pytest.raises(ValueError, match="longer than the panel"):
        helpers.horizon_returns(sim.y, 13)


@pytest.mark.parametrize("h", [3, 12])
def test_expected_ahead_is_the_conditional_mean_given_z_t(h):
    # The infeasible sum of expected at t..t+h-1 minus the feasible oracle must be
    # unpredictable from what is known at t: regress it, at one date, on the
    # functions of z_t that enter expected (z, z_vol^2, z_mom * z_vol).
    sim = helpers.simulate_panel(n_dates=40, n_assets=4000, seed=1)
    feasible = sim.expected_ahead(h)
    infeasible = sum(sim.expected.groupby(level="asset").shift(-j) for j in range(h))
    date = sim.y.index.get_level_values("date").unique()[10]
    resid = (infeasible - feasible).xs(date, level="date").dropna()
    z = sim.latent.xs(date, level="date").loc[resid.index]
    A = np.column_stack(
        [np.ones(len(z)), z, z["volatility"] ** 2, z["momentum"] * z["volatility"]]
    )
    coef, *_ = np.linalg.lstsq(A, resid.to_numpy(), rcond=None)
    sigma = np.sqrt(np.mean((resid.to_numpy() - A @ coef) ** 2))
    tstats = coef / (sigma * np.sqrt(np.diag(np.linalg.inv(A.T @ A))))
    assert np.abs(tstats).max() < 4.5
    # ...while the one-month oracle alone is clearly not the h-month expectation.
    scaled = sim.expected.xs(date, level="date").loc[resid.index] * h
    gap = (infeasible.xs(date, level="date").loc[resid.index] - scaled)
    slope = np.polyfit(sim.latent.xs(date, level="date").loc[resid.index, "reversal"], gap, 1)[0]
    assert abs(slope) > 10 * sigma / np.sqrt(len(resid))


def test_expected_ahead_of_one_period_is_expected():
    sim = helpers.simulate_panel(n_dates=24, n_assets=50, seed=3)
    np.testing.assert_allclose(sim.expected_ahead(1), sim.expected, atol=1e-15)
    with pytest.raises(ValueError, match="horizon"):
        sim.expected_ahead(0)
