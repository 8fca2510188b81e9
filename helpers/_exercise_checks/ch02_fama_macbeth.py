"""Checks of chapter 2, Fama–MacBeth regressions."""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np
import pandas as pd
from scipy import stats

from helpers._exercise_checks._data import french
from helpers.exercises import exercise

CHARS = ["momentum", "value", "size", "profitability", "investment", "reversal"]
FF3 = ["MktRF", "SMB", "HML"]


@functools.lru_cache(maxsize=1)
def _tstat_references():
    import helpers

    sim = helpers.simulate_panel(n_dates=240, n_assets=500, seed=0)
    res = helpers.fama_macbeth(sim.latent[CHARS], sim.y)
    slopes = res.lambdas["momentum"]
    lam = sim.premia["momentum"]
    return {"sd": slopes.std(), "se": res.std_errors["momentum"], "lam": lam,
            "lam_hat": res.premia["momentum"], "T": len(slopes)}


@exercise("fm-ex-tstat", stores=["months_needed"])
def months_for_t2(c):
    r = _tstat_references()
    right = (2 * r["sd"] / r["lam"]) ** 2
    got = c.number("months_needed")

    def near(x, rtol=0.02):
        return math.isclose(got, x, rel_tol=rtol)

    for value, hint in [
        ((2 * r["se"] / r["lam"]) ** 2, "you used the standard error of the mean slope; the months needed follow from the s.d. of the monthly slopes"),
        (2 * r["sd"] / r["lam"], "you forgot a square: t = lambda / (s / sqrt(T)), so T = (2 s / lambda) ** 2"),
        ((2 * r["sd"] / r["lam_hat"]) ** 2, "you used the estimated premium; the exercise asks about the true one, sim.premia[\"momentum\"]"),
        (right * 1e4, "the s.d. and the premium are in different units (one in percent?)"),
        (right / 1e4, "the s.d. and the premium are in different units (one in percent?)"),
    ]:
        if near(value):
            c.expect(False, ok="", hint=hint)
            return
    # 5 %: accepts t = 1.96 instead of 2 (a factor 0.96) and any rounding to whole months.
    c.close("months_needed", right, rtol=0.05, ok="`months_needed` is right",
            hint="`months_needed` is off: solve lambda / (s / sqrt(T)) = 2 for T, with s the s.d. of res.lambdas[\"momentum\"]"
            if got > 0 else "`months_needed` should be a positive number of months")


@functools.lru_cache(maxsize=1)
def _capm():
    import helpers

    ff = french()
    return helpers.two_pass(ff.portfolios, ff.factors[["MktRF"]])


@exercise("fm-ex-capm", stores=["capm"])
def capm_cross_section(c):
    capm = c.value("capm")
    if not all(hasattr(capm, a) for a in ("premia", "grs")):
        c.expect(False, ok="", hint="`capm` should be the result of helpers.two_pass (with .premia and .grs)")
        return
    ref = _capm()
    names = list(capm.premia.index)
    if names != list(ref.premia.index):
        extra = [n for n in names if n not in ref.premia.index]
        c.expect(False, ok="", hint=f"`capm` has the factors {extra}: the CAPM uses the market factor only, ff.factors[[\"MktRF\"]]"
                 if extra else "`capm` should have a constant and a market premium")
        return
    same = np.allclose(capm.premia.to_numpy(), ref.premia.to_numpy(), rtol=1e-6, atol=1e-10)
    c.expect(same, ok="the intercept and the market premium are right",
             hint="the premia are off: run two_pass on ff.portfolios (already excess returns) and ff.factors[[\"MktRF\"]], full sample")
    c.expect(math.isclose(capm.grs.statistic, ref.grs.statistic, rel_tol=1e-6),
             ok="the GRS statistic is right",
             hint="the GRS statistic is off: use all 30 portfolios and every month")


def _betas_and_returns(h=12):
    import helpers

    ff = french()
    betas = helpers.two_pass(ff.portfolios, ff.factors[FF3]).betas
    fwd = helpers.to_panel(helpers.forward_returns(ff.portfolios, h)).dropna()
    assets = fwd.index.get_level_values("asset")
    X = betas.reindex(assets).set_axis(fwd.index)
    return X, fwd


@functools.lru_cache(maxsize=1)
def _overlap_references():
    import warnings

    import helpers

    h = 12
    X, y = _betas_and_returns(h)
    dates = y.index.get_level_values("date")
    starts = dates.unique()

    def se(keep=None, **kwargs):
        keep = np.ones(len(y), dtype=bool) if keep is None else keep
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return helpers.fama_macbeth(X[keep], y[keep], **kwargs).std_errors

    non_overlapping = pd.concat([se(dates.isin(starts[k::h])) for k in range(h)], axis=1)
    return {
        "plain": se(),
        "nw": se(nw_lags=h - 1),
        "hh": se(nw_lags=h - 1, kernel="uniform"),
        "no": non_overlapping.mean(axis=1),
        "nw12": se(nw_lags=h),
        "hh12": se(nw_lags=h, kernel="uniform"),
        "no_first_start": non_overlapping.iloc[:, 0],
    }


def _close(a, b, rtol):
    return bool(np.allclose(np.asarray(a, float), np.asarray(b, float), rtol=rtol, atol=0))


@exercise("fm-ex-overlap", stores=["overlap"])
def overlapping_returns(c):
    overlap = c.value("overlap", pd.DataFrame)
    if overlap.shape[1] != 4:
        c.expect(False, ok="", hint=f"`overlap` should have four columns (plain, Newey-West, Hansen-Hodrick, non-overlapping); it has {overlap.shape[1]}")
        return
    ref = _overlap_references()
    params = ref["plain"].index
    if not set(params) <= set(overlap.index):
        c.expect(False, ok="", hint=f"`overlap` should have one row per premium: {list(params)}")
        return
    cols = [overlap.iloc[:, j].reindex(params) for j in range(4)]
    names = ["plain", "nw", "hh", "no"]
    # Exact for the regressions; 1.5 % for the non-overlapping average (the mean of the 12
    # standard errors or the root of their mean variance agree to 0.7 %).
    tol = {"plain": 1e-6, "nw": 1e-6, "hh": 1e-6, "no": 0.015}
    matches = [[k for k in names if _close(col, ref[k], tol[k])] for col in cols]
    in_place = all(name in m for m, name in zip(matches, names))
    permuted = any(all(n in m for m, n in zip(matches, order)) for order in itertools.permutations(names))
    if permuted and not in_place:
        c.expect(False, ok="", hint="the four standard errors are right but in another order: plain, Newey-West, Hansen-Hodrick, non-overlapping")
        return
    if _close(cols[2], ref["nw"], 1e-6):
        c.expect(False, ok="", hint="the third column equals Newey-West: Hansen-Hodrick needs kernel=\"uniform\"")
    if _close(cols[1], ref["nw12"], 1e-6) or _close(cols[2], ref["hh12"], 1e-6):
        c.expect(False, ok="", hint="12 lags: returns that overlap by 11 months need h - 1 = 11 lags")
    if _close(cols[3], ref["no_first_start"], 1e-6):
        c.expect(False, ok="", hint="the non-overlapping column uses one starting month; average over the 12 possible ones")
    labels = {"plain": "plain", "nw": "Newey-West(11)", "hh": "Hansen-Hodrick(11)", "no": "non-overlapping"}
    for col, name in zip(cols, names):
        c.expect(_close(col, ref[name], tol[name]), ok=f"the {labels[name]} column is right",
                 hint=f"the {labels[name]} column is off: "
                 + {"plain": "regress the 12-month forward returns (helpers.forward_returns(ff.portfolios, 12)) on the FF3 betas, date by date",
                    "nw": "use nw_lags=11 on the same regressions",
                    "hh": "use nw_lags=11 and kernel=\"uniform\"",
                    "no": "keep every 12th date (12 samples, one per starting month), take plain standard errors, and average them"}[name])


def _coverage_batch(n, seed=42, T=240, N=10, lam=0.01, sd_f=0.005, sd_e=0.005):
    # The exercise's design, in closed form per sample (first pass OLS, second pass per date).
    rng = np.random.default_rng(seed)
    beta = np.linspace(0.0, 2.0, N)
    f = rng.normal(0.0, sd_f, (n, T))
    r = beta * lam + f[:, :, None] * beta + rng.normal(0.0, sd_e, (n, T, N))
    fc = f - f.mean(axis=1, keepdims=True)
    var_f = (fc**2).sum(axis=1) / (T - 1)
    b = np.einsum("st,sti->si", fc, r) / ((T - 1) * var_f)[:, None]
    bc = b - b.mean(axis=1, keepdims=True)
    slopes = np.einsum("si,sti->st", bc, r - r.mean(axis=2, keepdims=True)) / (bc**2).sum(axis=1)[:, None]
    prem = slopes.mean(axis=1)
    v_fm = slopes.var(axis=1, ddof=1) / T
    v_sh = (1 + prem**2 / var_f) * (v_fm - var_f / T) + var_f / T
    z = stats.norm.ppf(0.975)
    return (np.mean(np.abs(prem - lam) <= z * np.sqrt(v_fm)),
            np.mean(np.abs(prem - lam) <= z * np.sqrt(v_sh)))


@functools.lru_cache(maxsize=1)
def _coverage_references():
    return _coverage_batch(2000)


@exercise("fm-ex-shanken", stores=["coverage_plain", "coverage_shanken"])
def shanken_coverage(c):
    plain, shanken = c.number("coverage_plain"), c.number("coverage_shanken")
    if plain > 1 or shanken > 1:
        c.expect(False, ok="", hint="store the coverage rates as shares (0.95 for 95 %), not percentages")
        return
    ref_plain, ref_shanken = _coverage_references()
    if plain > shanken + 0.02:
        c.expect(False, ok="", hint="plain covers more often than Shanken: swapped? Shanken's intervals are the wider ones")
        return
    if plain > 0.93:
        c.expect(False, ok="", hint="plain coverage is close to 95 %: is c = lam**2 / sd_f**2 equal to 4 (lam = 0.01, sd_f = 0.005)?")
        return

    def tol(p):  # two independent Monte Carlo estimates of 2000 samples each, 4 s.d. apart at most
        return 4 * math.sqrt(2 * p * (1 - p) / 2000)

    c.close("coverage_shanken", ref_shanken, atol=tol(ref_shanken),
            ok="`coverage_shanken` is right: close to 95 %",
            hint="`coverage_shanken` is off: an interval covers when |estimate - lam| <= 1.96 Shanken standard errors")
    c.close("coverage_plain", ref_plain, atol=tol(ref_plain),
            ok="`coverage_plain` is right: clearly below 95 %",
            hint="`coverage_plain` is off: check lam, sd_f, sd_e, the betas (0 to 2) and 240 months, and use 1.96 plain standard errors")
