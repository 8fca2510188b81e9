"""Tests for helpers.quantile_portfolios against a plain per-date groupby loop."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import helpers


def _panel(n_dates, n_assets, seed, ties=False, nan_share=0.1, presence=0.85):
    rng = np.random.default_rng(seed)
    index = pd.MultiIndex.from_product(
        [
            pd.date_range("2000-01-31", periods=n_dates, freq="ME"),
            [f"A{i:03d}" for i in range(n_assets)],
        ],
        names=["date", "asset"],
    )
    index = index[rng.random(len(index)) < presence]
    r = rng.normal(0.01, 0.1, len(index))
    f = 0.2 * r + rng.normal(size=len(index))
    if ties:
        f = np.round(f)
    f[rng.random(len(f)) < nan_share] = np.nan
    r[rng.random(len(r)) < nan_share] = np.nan
    return pd.Series(f, index=index, name="forecast"), pd.Series(r, index=index, name="ret")


def _reference(f, r, q, demean=False):
    """Plain loop over dates: drop NaN pairs, rank, cut, average; turnover with sets."""
    dates = f.index.get_level_values("date").unique().sort_values()
    returns, counts, members, dropped = {}, {}, {}, {}
    labels = pd.Series(pd.NA, index=f.index, dtype="Int64")
    for date in dates:
        g = pd.DataFrame({"f": f.xs(date, level="date"), "r": r.xs(date, level="date")})
        dropped[date] = int(g.isna().any(axis=1).sum())
        g = g.dropna()
        n = len(g)
        if n < q:
            returns[date] = [np.nan] * q
            counts[date] = [0] * q
            members[date] = {k: set() for k in range(1, q + 1)}
            continue
        ranks = stats.rankdata(g["f"].to_numpy())  # average ranks, as for ties
        g["q"] = np.floor(q * (ranks - 0.5) / n).astype(int) + 1
        if demean:
            g["r"] = g["r"] - g["r"].mean()
        returns[date] = [g.loc[g["q"] == k, "r"].mean() if (g["q"] == k).any() else np.nan
                         for k in range(1, q + 1)]
        counts[date] = [int((g["q"] == k).sum()) for k in range(1, q + 1)]
        members[date] = {k: set(g.index[g["q"] == k]) for k in range(1, q + 1)}
        for asset, k in g["q"].items():
            labels.loc[(date, asset)] = k
    cols = pd.Index(range(1, q + 1), name="quantile")
    idx = pd.Index(dates, name="date")
    turnover = pd.DataFrame(np.nan, index=idx, columns=cols)
    for prev, date in zip(dates[:-1], dates[1:]):
        for k in cols:
            now, before = members[date][k], members[prev][k]
            if now and before:  # alphalens: share of names new to the quantile
                turnover.loc[date, k] = len(now - before) / len(now)
    return (
        pd.DataFrame.from_dict(returns, orient="index").set_axis(cols, axis=1).rename_axis("date"),
        pd.DataFrame.from_dict(counts, orient="index").set_axis(cols, axis=1).rename_axis("date"),
        turnover,
        labels,
        pd.Series(dropped).rename_axis("date"),
    )


def _check_against_reference(f, r, q, demean=False):
    qp = helpers.quantile_portfolios(f, r, n_quantiles=q, demean=demean)
    ref_ret, ref_counts, ref_turn, ref_labels, ref_dropped = _reference(f, r, q, demean)
    pd.testing.assert_frame_equal(qp.returns, ref_ret, check_freq=False, atol=1e-12, rtol=0)
    pd.testing.assert_frame_equal(qp.counts, ref_counts, check_freq=False, check_dtype=False)
    pd.testing.assert_frame_equal(qp.turnover, ref_turn, check_freq=False, atol=1e-12, rtol=0)
    pd.testing.assert_series_equal(qp.quantiles, ref_labels, check_names=False)
    np.testing.assert_array_equal(qp.n_dropped.to_numpy(), ref_dropped.to_numpy())
    pd.testing.assert_series_equal(qp.spread, (ref_ret[q] - ref_ret[1]).rename("spread"),
                                   check_freq=False, atol=1e-12, rtol=0)
    return qp


@settings(max_examples=30, deadline=None)
@given(
    n_dates=st.integers(1, 8),
    n_assets=st.integers(2, 25),
    q=st.integers(2, 6),
    seed=st.integers(0, 10_000),
    ties=st.booleans(),
    demean=st.booleans(),
)
def test_equals_a_per_date_loop(n_dates, n_assets, q, seed, ties, demean):
    f, r = _panel(n_dates, n_assets, seed, ties=ties)
    valid_per_date = (f.notna() & r.notna()).groupby(level="date").sum()
    if valid_per_date.empty or valid_per_date.max() < q:
        return  # no date can be cut into q quantiles; covered by test_no_defined_date
    _check_against_reference(f, r, q, demean)


def test_simulated_panel_equals_loop_and_has_a_positive_spread():
    sim = helpers.simulate_panel(n_dates=24, n_assets=120, seed=3)
    qp = _check_against_reference(sim.expected, sim.y, 5)
    assert qp.spread.mean() > 0
    assert qp.n_undefined == 0 and qp.n_dropped.sum() == 0


def test_equals_qcut_without_ties_when_sizes_divide():
    rng = np.random.default_rng(0)
    index = pd.MultiIndex.from_product(
        [pd.date_range("2000-01-31", periods=4, freq="ME"), range(20)], names=["date", "asset"]
    )
    f = pd.Series(rng.normal(size=len(index)), index=index)
    r = pd.Series(rng.normal(size=len(index)), index=index)
    qp = helpers.quantile_portfolios(f, r, n_quantiles=5)
    ref = f.groupby(level="date").transform(lambda x: pd.qcut(x, 5, labels=False) + 1)
    np.testing.assert_array_equal(qp.quantiles.to_numpy(dtype=int), ref.to_numpy(dtype=int))
    assert (qp.counts == 4).all().all()


def test_ties_share_a_quantile():
    index = pd.MultiIndex.from_product(
        [pd.date_range("2000-01-31", periods=1, freq="ME"), range(6)], names=["date", "asset"]
    )
    f = pd.Series([1.0, 1.0, 1.0, 2.0, 3.0, 4.0], index=index)
    r = pd.Series([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], index=index)
    qp = helpers.quantile_portfolios(f, r, n_quantiles=3)
    # Average rank 2 for the three ties: floor(3 * 1.5 / 6) + 1 = 1.
    assert qp.quantiles.tolist() == [1, 1, 1, 2, 3, 3]
    assert qp.counts.iloc[0].tolist() == [3, 1, 2]
    np.testing.assert_allclose(qp.returns.iloc[0], [0.2, 0.4, 0.55])


def test_turnover_by_hand():
    index = pd.MultiIndex.from_product(
        [pd.date_range("2000-01-31", periods=3, freq="ME"), list("abcd")], names=["date", "asset"]
    )
    # Date 1: a, b bottom; c, d top. Date 2: a, c bottom; b, d top. Date 3: same as date 2.
    f = pd.Series([1, 2, 3, 4, 1, 3, 2, 4, 1, 3, 2, 4], index=index, dtype=float)
    r = pd.Series(0.01, index=index)
    qp = helpers.quantile_portfolios(f, r, n_quantiles=2)
    assert np.isnan(qp.turnover.iloc[0]).all()
    assert qp.turnover.iloc[1].tolist() == [0.5, 0.5]
    assert qp.turnover.iloc[2].tolist() == [0.0, 0.0]
    assert qp.summary().loc["spread", "turnover"] == pytest.approx(0.25)


def test_skipped_dates_and_dropped_rows_are_counted():
    index = pd.MultiIndex.from_product(
        [pd.date_range("2000-01-31", periods=3, freq="ME"), range(4)], names=["date", "asset"]
    )
    f = pd.Series([1, 2, 3, 4, 1, np.nan, np.nan, np.nan, 4, 3, 2, 1], index=index, dtype=float)
    r = pd.Series([0.1, 0.2, np.nan, 0.4, 0.1, 0.2, 0.3, 0.4, 0.1, 0.2, 0.3, 0.4], index=index)
    qp = helpers.quantile_portfolios(f, r, n_quantiles=2)
    assert qp.n_dropped.tolist() == [1, 3, 0]
    assert qp.n_undefined == 1
    assert qp.returns.iloc[1].isna().all() and (qp.counts.iloc[1] == 0).all()
    assert qp.turnover.iloc[2].isna().all()  # the previous date was skipped
    assert qp.quantiles.isna().sum() == 5  # 1 dropped row, 4 rows of the skipped date
    assert "1 dates skipped" in repr(qp)


def test_invariant_to_row_order_and_asset_labels():
    f, r = _panel(6, 30, seed=5, ties=True)
    qp = helpers.quantile_portfolios(f, r, n_quantiles=4)
    order = np.random.default_rng(1).permutation(len(f))
    shuffled = helpers.quantile_portfolios(f.iloc[order], r.iloc[order], n_quantiles=4)
    pd.testing.assert_frame_equal(shuffled.returns, qp.returns, atol=1e-12, rtol=0)
    pd.testing.assert_frame_equal(shuffled.turnover, qp.turnover, atol=1e-12, rtol=0)
    pd.testing.assert_series_equal(shuffled.quantiles.reindex(f.index), qp.quantiles)
    renamed = {a: f"Z{999 - int(a[1:])}" for a in f.index.get_level_values("asset").unique()}
    f2, r2 = f.rename(index=renamed, level="asset"), r.rename(index=renamed, level="asset")
    relabelled = helpers.quantile_portfolios(f2, r2, n_quantiles=4)
    pd.testing.assert_frame_equal(relabelled.returns, qp.returns, atol=1e-12, rtol=0)
    pd.testing.assert_frame_equal(relabelled.turnover, qp.turnover, atol=1e-12, rtol=0)


def test_demean_removes_the_date_mean_and_keeps_the_spread():
    f, r = _panel(5, 40, seed=2)
    raw = helpers.quantile_portfolios(f, r, n_quantiles=5)
    dm = helpers.quantile_portfolios(f, r, n_quantiles=5, demean=True)
    np.testing.assert_allclose((dm.returns * dm.counts).sum(axis=1), 0, atol=1e-12)
    pd.testing.assert_series_equal(dm.spread, raw.spread, atol=1e-12, rtol=0)
    assert dm.demeaned and "demeaned" in repr(dm)


def test_single_column_frames_are_accepted():
    f, r = _panel(3, 20, seed=0)
    a = helpers.quantile_portfolios(f.to_frame(), r.to_frame(), n_quantiles=3)
    b = helpers.quantile_portfolios(f, r, n_quantiles=3)
    pd.testing.assert_frame_equal(a.returns, b.returns)


def test_summary_by_hand():
    sim = helpers.simulate_panel(n_dates=24, n_assets=100, seed=1)
    qp = helpers.quantile_portfolios(sim.expected, sim.y, n_quantiles=5)
    s = qp.summary(periods_per_year=12)
    assert list(s.index) == [1, 2, 3, 4, 5, "spread"]
    spread = qp.spread.dropna()
    assert s.loc["spread", "mean"] == pytest.approx(spread.mean())
    t_stat = spread.mean() / spread.std() * np.sqrt(len(spread))
    assert s.loc["spread", "t_stat"] == pytest.approx(t_stat)
    assert s.loc["spread", "sharpe"] == pytest.approx(spread.mean() / spread.std() * np.sqrt(12))
    assert s.loc[3, "turnover"] == pytest.approx(qp.turnover[3].mean())
    assert s.loc[1, "ann_mean"] == pytest.approx(12 * qp.returns[1].mean())


# --- bad inputs ------------------------------------------------------------------


@pytest.fixture
def fr():
    return _panel(4, 20, seed=0)


def test_rejects_non_series(fr):
    f, r = fr
    with pytest.raises(TypeError, match="forecast must be a pandas Series"):
        helpers.quantile_portfolios(f.to_numpy(), r)
    with pytest.raises(TypeError, match="returns must be a pandas Series"):
        helpers.quantile_portfolios(f, pd.concat([r, r], axis=1))


def test_rejects_a_flat_index(fr):
    f, r = fr
    with pytest.raises(TypeError, match=r"indexed by \(date, asset\)"):
        helpers.quantile_portfolios(f.reset_index(drop=True), r.reset_index(drop=True))


def test_rejects_misaligned_inputs(fr):
    f, r = fr
    with pytest.raises(ValueError, match="same \\(date, asset\\) index"):
        helpers.quantile_portfolios(f, r.iloc[::-1])
    with pytest.raises(ValueError, match="same \\(date, asset\\) index"):
        helpers.quantile_portfolios(f.iloc[1:], r)


def test_rejects_non_numeric_and_infinite(fr):
    f, r = fr
    with pytest.raises(TypeError, match="forecast must be numeric"):
        helpers.quantile_portfolios(f.astype(str), r)
    with pytest.raises(TypeError, match="returns must be numeric"):
        helpers.quantile_portfolios(f, r > 0)
    bad = r.copy()
    bad.iloc[0] = np.inf
    with pytest.raises(ValueError, match="returns has 1 infinite"):
        helpers.quantile_portfolios(f, bad)


@pytest.mark.parametrize(
    "value, error, message",
    [(1, ValueError, ">= 2"), (2.5, TypeError, "integer"), (True, TypeError, "integer")],
)
def test_rejects_bad_n_quantiles(fr, value, error, message):
    f, r = fr
    with pytest.raises(error, match=f"n_quantiles must be an integer.*{message}|{message}"):
        helpers.quantile_portfolios(f, r, n_quantiles=value)


def test_rejects_bad_demean(fr):
    f, r = fr
    with pytest.raises(TypeError, match="demean must be True or False"):
        helpers.quantile_portfolios(f, r, demean="yes")


def test_rejects_duplicated_rows(fr):
    f, r = fr
    f2, r2 = pd.concat([f, f.iloc[:1]]), pd.concat([r, r.iloc[:1]])
    with pytest.raises(ValueError, match="duplicated \\(date, asset\\) rows"):
        helpers.quantile_portfolios(f2, r2)


def test_no_defined_date(fr):
    f, r = fr
    with pytest.raises(ValueError, match="No date has at least n_quantiles=30"):
        helpers.quantile_portfolios(f, r, n_quantiles=30)


@pytest.mark.parametrize("value", [0, -1, "12", True])
def test_summary_rejects_bad_periods(fr, value):
    f, r = fr
    qp = helpers.quantile_portfolios(f, r, n_quantiles=3)
    with pytest.raises(ValueError, match="periods_per_year must be a positive number"):
        qp.summary(periods_per_year=value)
