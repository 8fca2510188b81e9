"""Checks of chapter 11, Real stocks: the data."""

from __future__ import annotations

import numpy as np
from scipy.stats import spearmanr

from helpers._exercise_checks._data import us_stocks
from helpers.exercises import exercise


def _pooled_rank_corr(a, b):
    a, b = a.stack().dropna(), b.stack().dropna()
    common = a.index.intersection(b.index)
    return spearmanr(a[common], b[common])[0]


def _ivol_references():
    stocks = us_stocks()
    Y = stocks.y.unstack()
    change = stocks.X["idio_vol"].unstack().diff()
    return {
        "t": _pooled_rank_corr(change, Y.shift(1).abs()),
        "t-1": _pooled_rank_corr(change, Y.shift(2).abs()),
        "signed t-1": _pooled_rank_corr(change, Y.shift(2)),
        "target": _pooled_rank_corr(change, Y.abs()),
    }


@exercise("usd-ex-ivol", stores=["corr_ivol_t", "corr_ivol_t_minus_1"])
def ivol_timing(c):
    ref = _ivol_references()
    t, t1 = c.number("corr_ivol_t"), c.number("corr_ivol_t_minus_1")
    if abs(t - ref["t-1"]) < 0.01 and abs(t1 - ref["t"]) < 0.01:
        c.expect(False, ok="", hint="your two correlations look swapped: which row of y holds the return of month t - 1?")
        return
    if abs(t1 - ref["signed t-1"]) < 0.01:
        c.expect(False, ok="", hint="`corr_ivol_t_minus_1` looks like a correlation with the signed return; volatility is about the size of returns")
        return
    if abs(t - ref["target"]) < 0.01:
        c.expect(False, ok="", hint="`corr_ivol_t` uses the return of month t + 1 (the target, y at t); the exercise asks for month t")
        return
    c.close("corr_ivol_t", ref["t"], atol=0.01, ok="`corr_ivol_t` is right",
            hint="`corr_ivol_t` is off: pool all stock-months and rank-correlate the change in idio_vol with |return of month t|")
    c.close("corr_ivol_t_minus_1", ref["t-1"], atol=0.01, ok="`corr_ivol_t_minus_1` is right",
            hint="`corr_ivol_t_minus_1` is off: the return of month t - 1 is y two rows back (y.shift(2) on the wide frame)")
    c.expect(t1 > t, ok="so idio_vol reflects month t - 1",
             hint="with the right data the correlation with month t - 1 is the larger one")


@exercise("usd-ex-weights", stores=["below_median_share", "n_half"])
def value_weights(c):
    stocks = us_stocks()
    last = stocks.market_cap.index.get_level_values("date").max()
    cap = stocks.market_cap.loc[last].dropna().to_numpy()
    below = cap[cap < np.median(cap)].sum() / cap.sum()
    cumulative = np.cumsum(np.sort(cap)[::-1]) / cap.sum()
    n_half = int(np.searchsorted(cumulative, 0.5) + 1)
    share = c.number("below_median_share")
    if abs(share - below * 100) < 0.05:
        c.expect(False, ok="", hint="`below_median_share` should be a share (0.05 for 5 %), not a percentage")
    else:
        c.close("below_median_share", below, atol=5e-4, ok="`below_median_share` is right",
                hint="`below_median_share` is off: use the last date only, and divide by that date's total market cap")
    got = c.number("n_half")
    c.expect(abs(got - n_half) <= 1, ok="`n_half` is right",
             hint="`n_half` is off: sort the caps from largest to smallest and count until the running share reaches one half"
             if got < len(cap) / 2 else "`n_half` is far too large: start from the largest stocks")


@exercise("usd-ex-leavers", stores=["share_illiquid_leavers"])
def leavers(c):
    stocks = us_stocks()
    X = stocks.X["illiquidity"]
    dates = X.index.get_level_values("date")
    assets = X.index.get_level_values("asset")
    last_date_of = dates.to_series(index=assets).groupby(level=0).max()
    is_last = dates == last_date_of.reindex(assets).to_numpy()
    leaving = is_last & (dates < dates.max())
    median = X.groupby(level="date").transform("median")
    rows = leaving & X.notna().to_numpy()
    share = float((X[rows] > median[rows]).mean())
    c.close("share_illiquid_leavers", share, atol=0.005, ok="`share_illiquid_leavers` is right",
            hint="`share_illiquid_leavers` is off: take each leaver's last row (before the panel's last date) and compare it with the median of the same date")
