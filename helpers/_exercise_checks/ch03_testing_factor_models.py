"""Checks of chapter 3, Testing factor models honestly."""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd
from scipy import stats

from helpers._exercise_checks._data import french
from helpers.exercises import exercise

FF3 = ["MktRF", "SMB", "HML"]
CARHART = [*FF3, "Mom"]


@functools.lru_cache(maxsize=1)
def _noise_references():
    import helpers

    ff = french()
    noise = np.random.default_rng(1).normal(0.0, 0.03, len(ff.factors))
    F = ff.factors[FF3].assign(noise=noise)
    csr = helpers.cross_sectional_regression(ff.portfolios, F)
    rel = helpers.factor_relevance_test(ff.portfolios, F)
    # What a student gets by leaving the noise out of the relevance test's model
    # (testing it alone) or by reading the market's row instead.
    alone = helpers.factor_relevance_test(ff.portfolios, F[["noise"]])
    return {
        "fm": csr.tstats.loc["noise", "fama_macbeth"],
        "robust": csr.tstats.loc["noise", "robust"],
        "shanken": csr.tstats.loc["noise", "shanken"],
        "eiv": csr.tstats.loc["noise", "eiv"],
        "p": rel.loc["noise", "pvalue"],
        "p_alone": alone.loc["noise", "pvalue"],
    }


@exercise("tfm-ex-noise", stores=["t_noise_fm", "t_noise_robust", "p_noise"])
def noise_factor(c):
    r = _noise_references()
    fm, robust, p = c.number("t_noise_fm"), c.number("t_noise_robust"), c.number("p_noise")

    def near(a, b):
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)

    if near(fm, r["robust"]) and near(robust, r["fm"]):
        c.expect(False, ok="", hint="`t_noise_fm` and `t_noise_robust` are swapped")
        return
    c.expect(near(fm, r["fm"]), ok="`t_noise_fm` is right",
             hint="`t_noise_fm` is off: use res.tstats.loc['noise', 'fama_macbeth'] from a "
             "regression on FF3 plus the noise column (seed 1, sd 0.03)"
             if not near(fm, r["shanken"]) else
             "`t_noise_fm` is the Shanken t-statistic; the exercise asks for Fama-MacBeth's")
    if near(robust, r["eiv"]):
        c.expect(False, ok="", hint="`t_noise_robust` is the errors-in-variables t; the robust one "
                 "also allows for a misspecified model (column 'robust')")
    else:
        c.expect(near(robust, r["robust"]), ok="`t_noise_robust` is right",
                 hint="`t_noise_robust` is off: take the 'robust' column of res.tstats")
    if not 0.0 <= p <= 1.0:
        c.expect(False, ok="", hint="`p_noise` should be a p-value, between 0 and 1")
    elif near(p, r["p_alone"]) and not near(p, r["p"]):
        c.expect(False, ok="", hint="`p_noise` comes from a test of the noise factor alone; run "
                 "the relevance test with all four factors, as in the regression")
    else:
        c.expect(near(p, r["p"]), ok="`p_noise` is right",
                 hint="`p_noise` is off: helpers.factor_relevance_test(ff.portfolios, F).loc['noise', 'pvalue']")


@exercise("tfm-ex-bonferroni", stores=["expected_false", "t_bonferroni"])
def bonferroni(c):
    m, level = 300, 0.05
    got_false = c.number("expected_false")
    if math.isclose(got_false, level, rel_tol=1e-9):
        c.expect(False, ok="", hint="`expected_false` is a number of tests, not a rate: multiply by 300")
    else:
        c.close("expected_false", m * level, rtol=1e-9, ok="`expected_false` is right",
                hint="`expected_false` is off: each of the 300 tests has a 5 % chance of a false alarm")
    got_t = c.number("t_bonferroni")
    right = stats.norm.isf(level / 2 / m)
    if math.isclose(got_t, stats.norm.isf(level / m), rel_tol=1e-6):
        c.expect(False, ok="", hint="`t_bonferroni` is one-sided; the tests are two-sided, so "
                 "each tail gets 0.05 / 300 / 2")
    elif math.isclose(got_t, stats.norm.isf(level / 2), rel_tol=2e-3):
        c.expect(False, ok="", hint="`t_bonferroni` ignores the number of tests: Bonferroni "
                 "tests each at 0.05 / 300")
    else:
        c.close("t_bonferroni", right, rtol=2e-3, ok="`t_bonferroni` is right",
                hint="`t_bonferroni` is off: the critical value of a two-sided test at level 0.05 / 300")


@functools.lru_cache(maxsize=1)
def _gls_references():
    import helpers

    ff = french()
    gls = helpers.cross_sectional_regression(ff.portfolios, ff.factors[CARHART], weighting="gls")
    ols = helpers.cross_sectional_regression(ff.portfolios, ff.factors[CARHART])
    gls3 = helpers.cross_sectional_regression(ff.portfolios, ff.factors[FF3], weighting="gls")
    return {"r2": gls.r2, "ci": gls.r2_conf_int(0.95), "ols": ols.r2, "ff3": gls3.r2}


@exercise("tfm-ex-gls", stores=["r2_gls_carhart", "ci_gls_carhart"])
def gls_carhart(c):
    r = _gls_references()
    got = c.number("r2_gls_carhart")
    if math.isclose(got, r["ols"], rel_tol=1e-6):
        c.expect(False, ok="", hint="`r2_gls_carhart` is the OLS R²: pass weighting='gls'")
    elif math.isclose(got, r["ff3"], rel_tol=1e-6):
        c.expect(False, ok="", hint="`r2_gls_carhart` is FF3's; the Carhart model adds 'Mom'")
    else:
        c.close("r2_gls_carhart", r["r2"], rtol=1e-6, ok="`r2_gls_carhart` is right",
                hint="`r2_gls_carhart` is off: cross_sectional_regression(ff.portfolios, "
                "ff.factors[MODELS['Carhart']], weighting='gls').r2")
    ci = c.value("ci_gls_carhart")
    try:
        lo, hi = (float(v) for v in ci)
    except (TypeError, ValueError):
        c.expect(False, ok="", hint="`ci_gls_carhart` should be a pair (lower, upper)")
        return
    c.expect(math.isclose(lo, r["ci"][0], abs_tol=1e-6) and math.isclose(hi, r["ci"][1], abs_tol=1e-6),
             ok="`ci_gls_carhart` is right",
             hint="`ci_gls_carhart` is off: the 95 % interval from r2_conf_int() of the GLS results"
             if lo <= hi else "`ci_gls_carhart` should be (lower, upper), lower first")


@exercise("tfm-ex-petersen", stores=["se_ratio"])
def petersen_ratio(c):
    ratio = c.value("se_ratio", pd.Series)
    shares = [0.0, 0.25, 0.5, 0.75]
    if not np.allclose(np.asarray(ratio.index, dtype=float), shares):
        c.expect(False, ok="", hint=f"`se_ratio` should be indexed by the firm shares {shares}")
        return
    values = ratio.to_numpy(dtype=float)
    if np.all(values > 1.5):
        c.expect(False, ok="", hint="`se_ratio` looks inverted: divide the mean plain standard "
                 "error by the standard deviation of the slopes")
        return
    # Petersen's approximation with 20 periods per firm; 100 panels give a few
    # percent of Monte Carlo noise, so 12 % is generous but catches wrong designs.
    formula = 1 / np.sqrt(1 + 19 * np.square(shares))
    c.expect(np.all(np.abs(values / formula - 1) < 0.12),
             ok="`se_ratio` follows Petersen's formula",
             hint="`se_ratio` is far from Petersen's formula: put the firm share in both the "
             "regressor and the residual (petersen_panel(rng, rho, 0.0)), use plain errors "
             "(cluster='none') and the standard deviation of the pooled slope")
