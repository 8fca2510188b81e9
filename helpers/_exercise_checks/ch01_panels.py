"""Checks of chapter 1, Panels of returns and characteristics."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from helpers._exercise_checks._data import french
from helpers.exercises import exercise

ROW = (pd.Timestamp("2010-05-31"), "A042")


@functools.lru_cache(maxsize=1)
def _sim():
    import helpers

    return helpers.simulate_panel(n_dates=240, n_assets=500, seed=0)


def _timestamp(c, name):
    value = c.value(name)
    try:
        return pd.Timestamp(value)
    except (TypeError, ValueError):
        c.expect(False, ok="", hint=f"`{name}` should be a date, e.g. pd.Timestamp(\"2010-01-31\")")
        return None


@exercise("panels-ex-row", stores=["row_return", "return_start", "return_end"])
def reading_a_row(c):
    y = _sim().y.loc[ROW]
    got = c.number("row_return")
    x_values = _sim().X.loc[ROW].to_numpy()
    if np.any(np.isclose(got, x_values, rtol=0, atol=1e-12)):
        c.expect(False, ok="", hint="`row_return` is one of the row's characteristics (sim.X); the return is in sim.y")
    else:
        c.close("row_return", y, atol=1e-12, ok="`row_return` is the row's value of sim.y",
                hint="`row_return` is off: read sim.y at the row (date \"2010-05-31\", asset \"A042\")")
    start, end = _timestamp(c, "return_start"), _timestamp(c, "return_end")
    if start is None or end is None:
        return
    if end == ROW[0]:
        c.expect(False, ok="", hint="the return does not end at the row's date: row (t, i) holds the return from t to t + 1 (the forward return)")
        return
    c.expect(start == ROW[0], ok="`return_start` is right: the row's date, when the position is opened",
             hint="`return_start` is off: the return starts when the characteristics are known")
    c.expect(end == pd.Timestamp("2010-06-30"), ok="`return_end` is right: one month later",
             hint="`return_end` is off: the forward return is earned over the month after the row's date (a month-end)")


def _hml_variants():
    import helpers

    hml = french().factors["HML"]
    one = helpers.forward_returns(hml, 1)
    three = helpers.forward_returns(hml, 3)
    return {
        "three": three,
        "right": (1 + one) * (1 + one.shift(-1)) * (1 + one.shift(-2)) - 1,
        "backwards": (1 + one) * (1 + one.shift(1)) * (1 + one.shift(2)) - 1,
        "summed": one + one.shift(-1) + one.shift(-2),
        "no minus one": (1 + one) * (1 + one.shift(-1)) * (1 + one.shift(-2)),
    }


def _max_gap(a, b):
    return float((a - b).abs().max())


@exercise("panels-ex-compound", stores=["by_hand", "gap"])
def compounding(c):
    v = _hml_variants()
    by_hand = c.value("by_hand", pd.Series)
    if not by_hand.index.equals(v["three"].index):
        c.expect(False, ok="", hint="`by_hand` should be a Series on the dates of ff.factors (one value per month)")
        return
    for name, hint in [
        ("backwards", "`by_hand` compounds months t - 1 and t - 2: forward returns need shift(-1) and shift(-2)"),
        ("summed", "`by_hand` adds the three returns; compound them: (1 + r1)(1 + r2)(1 + r3) - 1"),
        ("no minus one", "`by_hand` is a gross return: subtract one"),
    ]:
        if _max_gap(by_hand, v[name]) < 1e-9:
            c.expect(False, ok="", hint=hint)
            return
    good = _max_gap(by_hand, v["right"]) < 1e-9 and by_hand.isna().equals(v["right"].isna())
    c.expect(good, ok="`by_hand` is right (and missing where a month is missing)",
             hint="`by_hand` is off: multiply the gross one-month forward returns at t, t + 1 and t + 2 and subtract one")
    gap = c.number("gap")
    c.expect(gap < 1e-12 and abs(gap - _max_gap(v["three"], by_hand)) < 1e-12,
             ok="`gap` is the largest absolute difference, a rounding error",
             hint="`gap` should be the largest absolute difference between forward_returns(hml, 3) and `by_hand`")


def _per_date_ic(signal, target):
    # Spearman across assets at each date, by scipy-free average ranks.
    return signal.rank(axis=1).corrwith(target.rank(axis=1), axis=1).dropna()


@functools.lru_cache(maxsize=1)
def _reversal_references():
    import helpers

    p = french().portfolios
    forward = helpers.forward_returns(p, 1)
    both = pd.concat([p.stack(), forward.stack()], axis=1).dropna()
    return {
        "forward": _per_date_ic(p, forward).mean(),
        "same": _per_date_ic(p, p).mean(),
        "pooled": both.corr(method="spearman").iloc[0, 1],
    }


@exercise("panels-ex-reversal", stores=["ic_reversal", "ic_reversal_same"])
def reversal(c):
    ref = _reversal_references()
    ic, same = c.number("ic_reversal"), c.number("ic_reversal_same")
    if abs(ic - 1) < 1e-9 and abs(same - ref["forward"]) < 1e-4:
        c.expect(False, ok="", hint="your two ICs look swapped: which target is the return of month t + 1?")
        return
    if abs(ic + ref["forward"]) < 1e-4:
        c.expect(False, ok="", hint="`ic_reversal` has the wrong sign: use last month's return itself as the signal, not its negative")
    elif abs(ic - ref["pooled"]) < 1e-4:
        c.expect(False, ok="", hint="`ic_reversal` pools all rows; the IC is a correlation across assets at each date, averaged over dates")
    else:
        c.close("ic_reversal", ref["forward"], atol=1e-3, ok="`ic_reversal` is right",
                hint="`ic_reversal` is off: rank-correlate `portfolios` with the one-month forward return at each date, then average over dates")
    c.close("ic_reversal_same", 1.0, atol=1e-9, ok="`ic_reversal_same` is right: the 'signal' is the target itself",
            hint="`ic_reversal_same` is off: against the same-month return the signal and the target are the same frame")


def _long_short_sharpe(signal, target, n=10):
    # Equal-weighted top n minus bottom n assets at each date where all are known.
    rows = signal.notna().all(axis=1) & target.notna().all(axis=1)
    s, t = signal[rows].to_numpy(), target[rows].to_numpy()
    order = np.argsort(s, axis=1)
    t_sorted = np.take_along_axis(t, order, axis=1)
    spread = t_sorted[:, -n:].mean(axis=1) - t_sorted[:, :n].mean(axis=1)
    return np.sqrt(12) * spread.mean() / spread.std(ddof=1)


def _momentum(p, months, skip):
    return np.expm1(np.log1p(p).rolling(months).sum()).shift(skip)


@functools.lru_cache(maxsize=1)
def _skip_references():
    import helpers

    p = french().portfolios
    forward = helpers.forward_returns(p, 1)
    signals = {
        "12-1": _momentum(p, 11, 1),
        "12-0": _momentum(p, 12, 0),
        "12 months skipped": _momentum(p, 12, 1),
    }
    out = {k: (_per_date_ic(s, forward).mean(), _long_short_sharpe(s, forward)) for k, s in signals.items()}
    out["look-ahead"] = (_per_date_ic(signals["12-1"], p).mean(), _long_short_sharpe(signals["12-1"], p))
    return out


@exercise("panels-ex-skip", stores=["ic_12_1", "sharpe_12_1"])
def skip_a_month(c):
    ref = _skip_references()
    ic, sharpe = c.number("ic_12_1"), c.number("sharpe_12_1")
    for name, hint in [
        ("12-0", "these are the numbers of the 12-month signal: skip month t (shift the 11-month return by one)"),
        ("12 months skipped", "your signal sums 12 months, t - 12 to t - 1; 12-1 momentum covers the 11 months t - 11 to t - 1"),
        ("look-ahead", "your target is the same-month return: use the forward return, targets[\"right: return in t+1\"]"),
    ]:
        # The 12-month skipped signal has nearly the same IC as 12-1: tell them apart by the Sharpe ratio too.
        same_ic = abs(ic - ref[name][0]) < 1e-3
        if abs(ic - ref[name][0]) < 1e-6 or (same_ic and abs(sharpe - ref[name][1]) < 0.01):
            c.expect(False, ok="", hint=hint)
            return
    # Tolerances allow a signal that starts a month later (e.g. built from cumulative products).
    c.close("ic_12_1", ref["12-1"][0], atol=1e-3, ok="`ic_12_1` is right",
            hint="`ic_12_1` is off: build the compounded return of months t - 11 to t - 1 and average its per-date IC with the forward return")
    if abs(sharpe - ref["12-1"][1] / np.sqrt(12)) < 0.01:
        c.expect(False, ok="", hint="`sharpe_12_1` looks monthly: annualise it with sqrt(12)")
        return
    c.close("sharpe_12_1", ref["12-1"][1], atol=0.01, ok="`sharpe_12_1` is right",
            hint="`sharpe_12_1` is off: buy the 10 portfolios with the highest signal, sell the 10 lowest, hold a month, and annualise the Sharpe ratio")
