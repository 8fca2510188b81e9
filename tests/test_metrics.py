"""Tests for helpers.information_coefficient against a loop of scipy.stats.spearmanr."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
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
