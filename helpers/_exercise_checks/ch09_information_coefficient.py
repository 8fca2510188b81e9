"""Checks of chapter 9, The information coefficient.

``ic-ex-french`` recomputes everything from the French data. The other three
exercises start from objects that the chapter's NON-solution cells define: the
panel ``sim`` (cheap to rebuild, but the exercise names it) and the walk-forward
ridge forecast ``forecast`` with its evaluation ``oos`` (twelve refits of a
pipeline: too slow to repeat in a check). From those the checks recompute every
reference with their own code, never with the student's.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
from scipy.stats import pearsonr, spearmanr

from helpers._exercise_checks._data import french
from helpers.exercises import exercise


def _close(a, b, rtol=1e-6, atol=1e-9):
    return bool(np.isclose(float(a), float(b), rtol=rtol, atol=atol))


# -- ic-ex-invariance ----------------------------------------------------------------
@exercise("ic-ex-invariance", stores=["invariance"])
def invariance(c):
    import helpers

    table = c.value("invariance", pd.DataFrame)
    sim = c.value("sim")  # the chapter's panel (a non-solution cell)
    columns = ["mean per-date IC", "pooled IC"]
    if [col for col in columns if col not in table.columns] or len(table) != 4:
        c.expect(False, ok="", hint=f"`invariance` should have four rows (the oracle, (a), (b), (c), in this order) and the columns {columns}")
        return
    per_date = helpers.information_coefficient(sim.y, sim.expected).mean()
    pooled = spearmanr(sim.expected, sim.y)[0]
    got_per_date = table["mean per-date IC"].to_numpy(dtype=float)
    got_pooled = table["pooled IC"].to_numpy(dtype=float)
    if _close(got_pooled[0], per_date) and not _close(per_date, pooled):
        c.expect(False, ok="", hint="the pooled IC of the oracle is its mean per-date IC: the pooled IC is ONE rank correlation over all rows")
        return
    if _close(got_pooled[0], pearsonr(sim.expected, sim.y)[0]):
        c.expect(False, ok="", hint="the pooled IC of the oracle is a Pearson correlation; the IC is a rank (Spearman) correlation")
        return
    c.expect(_close(got_pooled[0], pooled, atol=1e-6) and _close(got_per_date[0], per_date, atol=1e-6),
             ok="the oracle's row is right",
             hint="the oracle's row is off: the first row is `sim.expected` itself, against `sim.y`")
    same = np.isclose(got_per_date, per_date, rtol=0, atol=1e-6)
    c.expect(same[1:].all(), ok="no transformation changes the mean per-date IC: none changes a date's ranking",
             hint="a transformation changed the mean per-date IC: draw ONE constant (or factor) per date, the same "
                  "for every asset of that date, not one per row (and a positive factor)")
    ranks = sim.expected.groupby(level="date")
    ranked = {spearmanr(ranks.rank(), sim.y)[0], spearmanr(ranks.rank(pct=True), sim.y)[0]}
    c.expect(any(_close(got_pooled[3], r, atol=1e-6) for r in ranked),
             ok="the pooled IC of the per-date ranks is right",
             hint="the pooled IC of (c) is off: replace the forecasts by their ranks WITHIN each date "
                  "(`groupby(level='date').rank()`), then one rank correlation over all rows")
    c.expect(not np.isclose(got_pooled[1:3], pooled, rtol=0, atol=1e-9).any(),
             ok="(a) and (b) change the pooled IC",
             hint="(a) or (b) left the pooled IC unchanged: the constant (factor) should be random ACROSS dates; "
                  "one number for all dates changes no ranking at all")


# -- ic-ex-deciles -------------------------------------------------------------------
@exercise("ic-ex-deciles", stores=["spreads"])
def deciles(c):
    import helpers

    spreads = c.value("spreads", pd.DataFrame)
    forecast, oos = c.value("forecast"), c.value("oos")  # non-solution cells (walk-forward ridge)
    columns = ["mean", "std", "sharpe", "turnover"]
    try:
        spreads = spreads.rename(index=int)
    except (TypeError, ValueError):
        pass
    if [col for col in columns if col not in spreads.columns] or not {5, 10} <= set(spreads.index):
        c.expect(False, ok="", hint=f"`spreads` should be indexed by the number of quantiles (5 and 10) with the columns {columns}")
        return
    refs = {q: helpers.quantile_portfolios(forecast, oos.y, n_quantiles=q).summary() for q in (5, 10)}
    for q in (5, 10):
        got, ref = spreads.loc[q, columns].astype(float), refs[q].loc["spread", columns]
        other = refs[15 - q].loc["spread", columns]
        if np.allclose(got, ref, rtol=1e-6, atol=1e-10):
            c.expect(True, ok=f"the spread of the {q} quantiles is right", hint="")
        elif np.allclose(got, other, rtol=1e-6, atol=1e-10):
            c.expect(False, ok="", hint="the rows of `spreads` are swapped: index 10 holds the deciles (`n_quantiles=10`)")
            return
        elif np.allclose(got, refs[q].loc[q, columns], rtol=1e-6, atol=1e-10):
            c.expect(False, ok="", hint=f"row {q} of `spreads` is the top quantile; take the row 'spread' (top minus bottom)")
        elif np.isclose(got["mean"], 100 * ref["mean"], rtol=1e-6):
            c.expect(False, ok="", hint="`spreads['mean']` is in percent; keep the decimals of `summary()`")
        else:
            c.expect(False, ok="", hint=f"row {q} of `spreads` is off: the row 'spread' of "
                     f"`helpers.quantile_portfolios(forecast, oos.y, n_quantiles={q}).summary()`")


# -- ic-ex-french --------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _french_references():
    import helpers

    ff = french()
    chars = helpers.return_characteristics(ff.portfolios, ff.factors["MktRF"])
    next_ret = helpers.to_panel(ff.portfolios.shift(-1))  # the return from t to t + 1
    same_month = helpers.to_panel(ff.portfolios)  # a common misalignment: month t itself
    mom = chars["momentum"].dropna()
    rows, wrong = {}, {}
    for h in [1, 3, 6, 12]:
        ic = helpers.information_coefficient(helpers.horizon_returns(next_ret, h).reindex(mom.index), mom)
        kept = ic.dropna()
        rows[h] = {
            "mean IC": ic.mean(),
            "plain t": helpers.ic_summary(ic)["t_stat"],
            "Newey-West t": helpers.ic_summary(ic, h - 1)["t_stat"],
            "Hansen-Hodrick t": helpers.ic_summary(ic, h - 1, kernel="uniform")["t_stat"],
            "non-overlapping t": np.mean([helpers.ic_summary(kept.iloc[o::h])["t_stat"] for o in range(h)]),
        }
        shifted = helpers.information_coefficient(helpers.horizon_returns(same_month, h).reindex(mom.index), mom)
        wrong[h] = {"NW h lags": helpers.ic_summary(ic, h)["t_stat"], "same month IC": shifted.mean()}
    quintiles = helpers.quantile_portfolios(mom, next_ret.reindex(mom.index), n_quantiles=5).summary()
    return pd.DataFrame(rows).T, pd.DataFrame(wrong).T, quintiles


@exercise("ic-ex-french", stores=["french_h", "ff_summary"])
def french_momentum(c):
    ref, wrong, quintiles = _french_references()
    table = c.value("french_h", pd.DataFrame)
    missing = [col for col in ref.columns if col not in table.columns]
    try:
        table = table.rename(index=int)
    except (TypeError, ValueError):
        pass
    if missing or not set(ref.index) <= set(table.index):
        c.expect(False, ok="", hint=f"`french_h` should have the horizons 1, 3, 6, 12 as rows and the columns {list(ref.columns)}; missing columns: {missing}")
    else:
        got = table.loc[ref.index, ref.columns].astype(float)
        if np.allclose(got["mean IC"], wrong["same month IC"], rtol=1e-6):
            c.expect(False, ok="", hint="the ICs use returns that start in month t; the h-month return starts at t + 1: "
                     "`helpers.horizon_returns(next_ret, h)`")
        else:
            c.expect(np.allclose(got["mean IC"], ref["mean IC"], rtol=1e-6, atol=1e-9), ok="the mean ICs are right",
                     hint="the mean ICs are off: per-date ICs of momentum with `helpers.horizon_returns(next_ret, h)`, the return of months t + 1 .. t + h")
            c.expect(np.allclose(got["plain t"], ref["plain t"], rtol=1e-6), ok="the plain t-statistics are right",
                     hint="the plain t-statistics are off: `helpers.ic_summary(ic)`")
            nw = got["Newey-West t"]
            if np.allclose(nw[ref.index > 1], ref["plain t"][ref.index > 1], rtol=1e-6):
                hint = "the Newey-West t equals the plain t: pass h - 1 lags, `helpers.ic_summary(ic, h - 1)`"
            elif np.allclose(nw, wrong["NW h lags"], rtol=1e-6):
                hint = "the Newey-West t uses h lags; an h-month overlap needs h - 1"
            elif np.allclose(nw, ref["Hansen-Hodrick t"], rtol=1e-6):
                hint = "the Newey-West and Hansen-Hodrick columns look swapped (Hansen-Hodrick is `kernel='uniform'`)"
            else:
                hint = "the Newey-West t is off: `helpers.ic_summary(ic, h - 1)` (Bartlett weights, h - 1 lags)"
            c.expect(np.allclose(nw, ref["Newey-West t"], rtol=1e-6), ok="the Newey-West t-statistics are right", hint=hint)
            c.expect(np.allclose(got["Hansen-Hodrick t"], ref["Hansen-Hodrick t"], rtol=1e-6),
                     ok="the Hansen-Hodrick t-statistics are right",
                     hint="the Hansen-Hodrick t is off: `helpers.ic_summary(ic, h - 1, kernel='uniform')`")
            c.expect(np.allclose(got["non-overlapping t"], ref["non-overlapping t"], rtol=1e-6),
                     ok="the non-overlapping t-statistics are right",
                     hint="the non-overlapping t is off: the MEAN over the h offsets of the plain t of every h-th IC "
                          "(`np.mean(subsample_t(ic, h))`)")
    summary = c.value("ff_summary", pd.DataFrame)
    if "spread" not in summary.index or not {"mean", "sharpe"} <= set(summary.columns):
        c.expect(False, ok="", hint="`ff_summary` should be the `summary()` of the quintile portfolios (a row 'spread', columns 'mean', 'sharpe')")
        return
    if len(summary) != len(quintiles):
        c.expect(False, ok="", hint="`ff_summary` should have five portfolios and the spread: `n_quantiles=5`")
        return
    got = summary.loc["spread", ["mean", "sharpe"]].astype(float)
    c.expect(np.allclose(got, quintiles.loc["spread", ["mean", "sharpe"]], rtol=1e-6),
             ok="`ff_summary` is right",
             hint="`ff_summary` is off: quintiles of momentum with the return of the NEXT month, "
                  "`helpers.quantile_portfolios(mom, next_ret.reindex(mom.index), n_quantiles=5)`")


# -- ic-ex-transfer ------------------------------------------------------------------
def _turnover(w):
    wide = w.unstack("asset").fillna(0.0)
    return 0.5 * wide.diff().abs().sum(axis=1).iloc[1:].mean()


def _row(w, y):
    r = (w * y).groupby(level="date").sum()
    return np.array([r.mean(), r.mean() / r.std() * np.sqrt(12), _turnover(w)])


@exercise("ic-ex-transfer", stores=["tc_table"])
def transfer(c):
    import helpers

    table = c.value("tc_table", pd.DataFrame)
    forecast, oos = c.value("forecast"), c.value("oos")  # non-solution cells (walk-forward ridge)
    columns = ["quintile spread", "linear weights (TC = 1)"]
    rows = ["mean monthly return", "annualised Sharpe", "turnover"]
    if [col for col in columns if col not in table.columns] or [r for r in rows if r not in table.index]:
        c.expect(False, ok="", hint=f"`tc_table` should have the columns {columns} and the rows {rows}")
        return
    y = oos.y
    qp = helpers.quantile_portfolios(forecast, y, n_quantiles=5)
    legs = [qp.quantiles.eq(q).astype(float) for q in (5, 1)]
    legs = [w / w.groupby(level="date").transform("sum") for w in legs]
    demeaned = forecast - forecast.groupby(level="date").transform("mean")
    linear = 2 * demeaned / demeaned.abs().groupby(level="date").transform("sum")
    refs = {columns[0]: _row(legs[0] - legs[1], y), columns[1]: _row(linear, y)}
    quintile_share_turnover = qp.summary().loc["spread", "turnover"]
    unscaled = [_row(demeaned, y), _row(linear / 2, y)]  # no scaling; each side summing to 1/2
    for col in columns:
        got, ref = table.loc[rows, col].to_numpy(dtype=float), refs[col]
        if col == columns[1] and any(np.allclose(got, u, rtol=1e-6) for u in unscaled):
            c.expect(False, ok="", hint="the linear weights are not scaled as asked: on each date the long side "
                     "should sum to 1 and the short side to -1")
            continue
        mean_ok, sharpe_ok, turn_ok = (_close(g, r, rtol=1e-6) for g, r in zip(got, ref))
        if mean_ok:
            c.expect(True, ok=f"the mean return of the {col} is right", hint="")
        elif col == columns[1] and sharpe_ok:
            c.expect(False, ok="", hint="the linear weights' Sharpe ratio is right but their mean return is not: "
                     "scale each date's weights so that the long side sums to 1 and the short side to -1")
        else:
            c.expect(False, ok="", hint=f"the mean monthly return of the {col} is off: the sum over assets of weight x `oos.y`, averaged over dates")
        if sharpe_ok:
            c.expect(True, ok=f"the Sharpe ratio of the {col} is right", hint="")
        elif _close(got[1], ref[1] / np.sqrt(12), rtol=1e-6):
            c.expect(False, ok="", hint=f"the Sharpe ratio of the {col} is monthly; annualise it (times the square root of 12)")
        else:
            c.expect(False, ok="", hint=f"the Sharpe ratio of the {col} is off: mean over standard deviation of its monthly returns, times sqrt(12)")
        if turn_ok:
            c.expect(True, ok=f"the turnover of the {col} is right", hint="")
        elif _close(got[2], 2 * ref[2], rtol=1e-6):
            c.expect(False, ok="", hint=f"the turnover of the {col} is twice too large: HALF the sum of absolute weight changes")
        elif col == columns[0] and _close(got[2], quintile_share_turnover, rtol=1e-6):
            c.expect(False, ok="", hint="the quintile spread's turnover is the share of names replaced (from `summary()`); "
                     "here it is half the sum of absolute WEIGHT changes, as for the linear weights")
        else:
            c.expect(False, ok="", hint=f"the turnover of the {col} is off: half the sum over assets of |weight change| "
                     "from one month to the next (a name that leaves has weight 0), averaged over months")
