"""Checks of chapter 2's exercises: wrong answers fail with their hint, right ones pass."""

import numpy as np
import pandas as pd
import pytest

import helpers
from helpers.exercises import run_checks


def hints(result):
    return " | ".join(text for ok, text in result.lines if not ok)


@pytest.fixture(scope="module")
def ff():
    return helpers.load_french()


@pytest.mark.parametrize("label", ["fm-ex-tstat", "fm-ex-capm", "fm-ex-overlap", "fm-ex-shanken"])
def test_missing_answer_asks_to_store_it(label):
    result = run_checks(label, {})
    assert not result.passed
    assert "store your answer in" in hints(result)


def test_tstat_right_and_standard_error_instead_of_sd():
    sim = helpers.simulate_panel(n_dates=240, n_assets=500, seed=0)
    chars = ["momentum", "value", "size", "profitability", "investment", "reversal"]
    # Independent route: the per-date slopes from numpy's least squares.
    slopes = []
    for _, g in sim.latent[chars].join(sim.y).groupby(level="date"):
        A = np.column_stack([np.ones(len(g)), g[chars].to_numpy()])
        slopes.append(np.linalg.lstsq(A, g[sim.y.name].to_numpy(), rcond=None)[0][1])
    sd, lam = np.std(slopes, ddof=1), sim.premia["momentum"]
    assert run_checks("fm-ex-tstat", {"months_needed": (1.96 * sd / lam) ** 2}).passed
    se = sd / np.sqrt(len(slopes))
    result = run_checks("fm-ex-tstat", {"months_needed": (2 * se / lam) ** 2})
    assert not result.passed
    assert "standard error of the mean slope" in hints(result)
    assert "forgot a square" in hints(run_checks("fm-ex-tstat", {"months_needed": 2 * sd / lam}))


def test_capm_right_and_with_extra_factors(ff):
    right = helpers.two_pass(ff.portfolios, ff.factors[["MktRF"]], nw_lags="auto")
    assert run_checks("fm-ex-capm", {"capm": right}).passed
    ff3 = helpers.two_pass(ff.portfolios, ff.factors[["MktRF", "SMB", "HML"]])
    result = run_checks("fm-ex-capm", {"capm": ff3})
    assert not result.passed
    assert "market factor only" in hints(result)
    assert "result of helpers.two_pass" in hints(run_checks("fm-ex-capm", {"capm": 0.5}))


@pytest.fixture(scope="module")
def overlap_pieces(ff):
    h = 12
    betas = helpers.two_pass(ff.portfolios, ff.factors[["MktRF", "SMB", "HML"]]).betas
    fwd = helpers.to_panel(helpers.forward_returns(ff.portfolios, h)).dropna()
    X = pd.DataFrame(
        betas.loc[fwd.index.get_level_values("asset")].to_numpy(), index=fwd.index, columns=betas.columns
    )
    return X, fwd


def test_overlap_right_order_and_kernel(overlap_pieces):
    X, y = overlap_pieces
    dates = y.index.get_level_values("date")
    starts = dates.unique()
    fm = lambda keep=slice(None), **kw: helpers.fama_macbeth(X[keep], y[keep], **kw).std_errors  # noqa: E731
    # Non-overlapping by an independent route: root of the mean variance over the 12 starts.
    variances = [fm(dates.isin(starts[k::12])) ** 2 for k in range(12)]
    columns = {
        "plain": fm(),
        "NW": fm(nw_lags=11),
        "HH": fm(nw_lags=11, kernel="uniform"),
        "non-overlapping": np.sqrt(sum(variances) / 12),
    }
    right = pd.DataFrame(columns)
    assert run_checks("fm-ex-overlap", {"overlap": right}).passed
    swapped = right[["plain", "NW", "non-overlapping", "HH"]]
    assert "another order" in hints(run_checks("fm-ex-overlap", {"overlap": swapped}))
    bartlett = right.assign(HH=columns["NW"])
    result = run_checks("fm-ex-overlap", {"overlap": bartlett})
    assert not result.passed
    assert 'kernel="uniform"' in hints(result)
    assert "four columns" in hints(run_checks("fm-ex-overlap", {"overlap": right.iloc[:, :3]}))


def _coverage_by_polyfit(n, seed, T=240, N=10, lam=0.01, sd_f=0.005, sd_e=0.005):
    # Independent route: both passes with np.polyfit, one sample at a time.
    rng = np.random.default_rng(seed)
    beta = np.linspace(0.0, 2.0, N)
    z, hits = 1.959963984540054, np.zeros((n, 2), dtype=bool)
    for s in range(n):
        f = rng.normal(0.0, sd_f, T)
        r = np.outer(lam + f, beta) + rng.normal(0.0, sd_e, (T, N))
        b_hat = np.polyfit(f, r, 1)[0]  # first pass: slopes of each asset on the factor
        slopes = np.polyfit(b_hat, r.T, 1)[0]  # second pass: slope at each date
        est, var_fm, var_f = slopes.mean(), slopes.var(ddof=1) / T, f.var(ddof=1)
        var_sh = (1 + est**2 / var_f) * (var_fm - var_f / T) + var_f / T
        hits[s] = np.abs(est - lam) <= z * np.sqrt([var_fm, var_sh])
    return hits.mean(axis=0)


def test_shanken_right_percent_swapped_and_traded_factor():
    plain, shanken = _coverage_by_polyfit(2000, seed=7)
    assert run_checks("fm-ex-shanken", {"coverage_plain": plain, "coverage_shanken": shanken}).passed
    percent = run_checks("fm-ex-shanken", {"coverage_plain": 100 * plain, "coverage_shanken": 100 * shanken})
    assert "not percentages" in hints(percent)
    swapped = run_checks("fm-ex-shanken", {"coverage_plain": shanken, "coverage_shanken": plain})
    assert not swapped.passed
    assert "swapped" in hints(swapped)
    traded = run_checks("fm-ex-shanken", {"coverage_plain": 0.948, "coverage_shanken": 0.951})
    assert "c = lam**2 / sd_f**2" in hints(traded)
