"""Checks of chapter 12, Real stocks: premia and signals.

The references are recomputed with helpers from objects the chapter's own
(non-solution) cells define: the common sample ``common``, its standardised
characteristics ``Z`` and returns ``y``, the list ``chars``, the lag count
``NW_LAGS``, the results ``multi``, the size percentiles ``cap_pct`` and the
chapter's functions ``premia_table``, ``quintile_spreads`` and ``mean_t``.
Recomputing the whole chapter inside a check would take as long as the chapter.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import helpers
from helpers.exercises import discussion, exercise


@exercise("usp-ex-years", stores=["years_needed"])
def years_for_momentum(c):
    years = c.number("years_needed")
    lam = c.value("multi").lambdas["momentum"]
    ref = (2 * lam.std() / lam.mean()) ** 2 / 12
    if np.isclose(years, ref * 12, rtol=0.02):
        c.expect(False, ok="", hint="`years_needed` looks like a number of months: convert to years")
    elif np.isclose(years, ref / 4, rtol=0.02):
        c.expect(False, ok="", hint="`years_needed` gives an expected t of 1, not 2: the 2 enters squared")
    elif np.isclose(years, np.sqrt(ref * 12) / 12, rtol=0.02) or np.isclose(years, 2 * lam.std() / lam.mean() / 12, rtol=0.02):
        c.expect(False, ok="", hint="the number of months grows with the square of 2 s / mean: did you forget to square?")
    else:
        c.close("years_needed", ref, rtol=0.02, ok="`years_needed` is right",
                hint="`years_needed` is off: solve mean / (s / sqrt(T)) = 2 for T (months), with s the sd of the monthly slopes")


@exercise("usp-ex-winsor", stores=["t_winsor"])
def winsorised_t(c):
    t = c.value("t_winsor", pd.Series)
    Z, y, chars, lags = c.value("Z"), c.value("y"), c.value("chars"), c.value("NW_LAGS")
    if not c.expect(set(t.index) == set(chars), ok="`t_winsor` has the six characteristics",
                    hint="`t_winsor` should be indexed by `chars` (drop the constant)"):
        return
    t = t[chars].astype(float)
    by = y.groupby(level="date")
    ref = helpers.fama_macbeth(Z, y.clip(by.transform("quantile", 0.01), by.transform("quantile", 0.99)), nw_lags=lags).tstats[chars]
    raw = c.value("multi").tstats[chars]
    pooled = helpers.fama_macbeth(Z, y.clip(y.quantile(0.01), y.quantile(0.99)), nw_lags=lags).tstats[chars]
    if np.allclose(t, raw, atol=1e-6):
        c.expect(False, ok="", hint="these are the t-statistics of the raw returns: clip y first")
    elif np.allclose(t, pooled, atol=1e-3):
        c.expect(False, ok="", hint="the percentiles must be each month's, not those of all stock-months pooled")
    else:
        c.expect(np.allclose(t, ref, atol=1e-3), ok="`t_winsor` is right",
                 hint="`t_winsor` is off: clip y per date at its 1st and 99th percentiles, keep Z, and use nw_lags=NW_LAGS")


@exercise("usp-ex-ivol", stores=["ic_ivol_big", "t_ivol_vw_big"])
def ivol_big(c):
    summary = c.value("ic_ivol_big", pd.Series)
    stocks, cap_pct, lags = c.value("stocks"), c.value("cap_pct"), c.value("NW_LAGS")
    big = cap_pct > 0.5
    ref = helpers.ic_summary(helpers.information_coefficient(stocks.y[big], stocks.X.loc[big, "idio_vol"]), nw_lags=lags)
    everyone = helpers.ic_summary(helpers.information_coefficient(stocks.y, stocks.X["idio_vol"]), nw_lags=lags)
    if not c.expect("t_stat" in summary and "mean_ic" in summary, ok="`ic_ivol_big` is an IC summary",
                    hint="store the Series returned by helpers.ic_summary in `ic_ivol_big`"):
        return
    if np.isclose(summary["mean_ic"], everyone["mean_ic"], atol=1e-9):
        c.expect(False, ok="", hint="`ic_ivol_big` is the IC of all stocks: keep the rows with cap_pct > 0.5")
    else:
        c.expect(np.isclose(summary["mean_ic"], ref["mean_ic"], atol=1e-6) and np.isclose(summary["t_stat"], ref["t_stat"], atol=1e-3),
                 ok="`ic_ivol_big` is right",
                 hint="`ic_ivol_big` is off: the IC of idio_vol with next month's return on stocks above the median cap, NW_LAGS lags")
    t = c.number("t_ivol_vw_big")
    _, vw = c.value("quintile_spreads")("idio_vol", X=stocks.X[big], r=stocks.y[big], cap=stocks.market_cap[big])
    ew, _ = c.value("quintile_spreads")("idio_vol", X=stocks.X[big], r=stocks.y[big], cap=stocks.market_cap[big])
    mean_t = c.value("mean_t")
    if np.isclose(t, mean_t(ew), atol=1e-3):
        c.expect(False, ok="", hint="`t_ivol_vw_big` is the equal-weighted spread's t: weight by market cap")
    else:
        c.close("t_ivol_vw_big", mean_t(vw), atol=1e-3, ok="`t_ivol_vw_big` is right",
                hint="`t_ivol_vw_big` is off: the value-weighted top-minus-bottom quintile spread among the larger stocks, NW t")


@exercise("usp-ex-collinear", stores=["t_no_illiq", "t_size_hh12_no_illiq"])
def size_without_illiquidity(c):
    t = c.value("t_no_illiq", pd.Series)
    chars, common, y = c.value("chars"), c.value("common"), c.value("y")
    five = [k for k in chars if k != "illiquidity"]
    if not c.expect(set(t.index) == set(five), ok="`t_no_illiq` has the five characteristics",
                    hint="`t_no_illiq` should hold the five characteristics other than illiquidity (no constant)"):
        return
    table, _ = c.value("premia_table")(common[five], y)
    c.expect(np.allclose(t[five].astype(float), table["t NW"][five], atol=1e-3), ok="`t_no_illiq` is right",
             hint="`t_no_illiq` is off: standardise the five per date on the common sample and use Newey–West t-statistics")
    got = c.number("t_size_hh12_no_illiq")
    y12 = helpers.horizon_returns(c.value("stocks").y, 12)
    data = pd.concat([common[five], y12], axis=1, join="inner").dropna()
    res = helpers.fama_macbeth(c.value("standardizer").fit_transform(data[five]), data[y12.name])
    lam = res.lambdas["size"]
    ref = helpers.ic_summary(lam, nw_lags=11, kernel="uniform")["t_stat"]
    bartlett = helpers.ic_summary(lam, nw_lags=11)["t_stat"]
    if np.isclose(got, bartlett, atol=1e-3):
        c.expect(False, ok="", hint="that is the Newey–West (Bartlett) t; the exercise asks for Hansen–Hodrick (kernel='uniform')")
    elif np.isclose(got, res.tstats["size"], atol=1e-3):
        c.expect(False, ok="", hint="that is the plain t of overlapping 12-month returns, which ignores the overlap")
    else:
        c.close("t_size_hh12_no_illiq", ref, atol=0.01, ok="`t_size_hh12_no_illiq` is right",
                hint="`t_size_hh12_no_illiq` is off: 12-month returns, the five characteristics, Hansen–Hodrick with 11 lags")


discussion("usp-ex-discuss", "a written argument about what an IC promises; its numbers are in the chapter's tables")
