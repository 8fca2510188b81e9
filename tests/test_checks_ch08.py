"""The exercise checks of chapter 8 (Lasso selection): wrong answers fail with their hint.

The checks of lasso-ex-units, -half and -double read the chapter's per-date
objects (``Za``, ``ra``, ``lasso``, ``sums``, ``names``) from the namespace; here
they get a small synthetic panel of the same shape conventions, so the tests
stay fast. (The bootstrap hint of lasso-ex-half needs the chapter's 36
characteristics to separate the two kinds of samples; it was verified there.)
Right answers are computed by other routes (Lasso on rows,
``LassoCV`` on rows and ``helpers.fama_macbeth``) than the checks' own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Lasso, LassoCV
from sklearn.model_selection import TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import helpers
from helpers._exercise_checks.ch08_lasso_selection import _half_samples
from helpers.exercises import run_checks

NAMES = ["value", "profitability", "momentum", "zoo_7", "c4", "c5", "c6", "c7"]
T, N = 240, 30


def _standardise(a):
    a = a - a.mean(axis=1, keepdims=True)
    return a / a.std(axis=1, keepdims=True)


@pytest.fixture(scope="module")
def panel():
    rng = np.random.default_rng(0)
    raw = rng.standard_normal((T, N, len(NAMES)))
    raw[..., 1] = 0.6 * raw[..., 0] + 0.8 * raw[..., 1]  # profitability ~ value
    raw[..., 3] = 0.5 * raw[..., 0] + np.sqrt(0.75) * raw[..., 3]  # zoo_7 ~ value
    Z3 = np.stack([_standardise(raw[..., k]) for k in range(len(NAMES))], axis=-1)
    beta = np.array([0.004, 0.004, 0.006, 0, 0, 0, 0, 0])
    r = Z3 @ beta + 0.12 * rng.standard_normal((T, N))
    r = r - r.mean(axis=1, keepdims=True)
    index = pd.MultiIndex.from_product(
        [pd.date_range("2000-01-31", periods=T, freq="ME"), range(N)], names=["date", "asset"]
    )
    Z = pd.DataFrame(Z3.reshape(T * N, -1), index=index, columns=NAMES)
    y = pd.Series(r.ravel(), index=index)
    Za, ra = Z.to_numpy(), y.to_numpy()
    sums = {
        "G": np.einsum("tnk,tnl->tkl", Z3, Z3),
        "c": np.einsum("tnk,tn->tk", Z3, r),
        "rr": (r * r).sum(axis=1),
        "n": np.full(T, float(N)),
    }
    cv = list(helpers.WalkForwardSplit(5).split(Z))
    lasso = LassoCV(cv=cv, precompute=True).fit(Za, ra)
    return {"Z": Z, "y": y, "Za": Za, "ra": ra, "sums": sums, "lasso": lasso,
            "names": pd.Index(NAMES), "cv": cv}


def _text(result):
    return " ".join(text for _, text in result.lines)


def _ns(panel, **answers):
    return {"Za": panel["Za"], "ra": panel["ra"], "lasso": panel["lasso"],
            "sums": panel["sums"], "names": panel["names"], **answers}


# -- lasso-ex-units -----------------------------------------------------------------
def test_units(panel):
    lasso, Za, ra = panel["lasso"], panel["Za"], panel["ra"]
    assert 0 < np.count_nonzero(lasso.coef_) < len(NAMES)
    right = Lasso(alpha=100 * lasso.alpha_).fit(Za, 100 * ra)
    assert run_checks("lasso-ex-units", _ns(panel, in_percent=right)).passed
    unscaled = Lasso(alpha=lasso.alpha_).fit(Za, 100 * ra)
    result = run_checks("lasso-ex-units", _ns(panel, in_percent=unscaled))
    assert not result.passed and "alpha must be multiplied by 100" in _text(result)
    decimal_returns = Lasso(alpha=100 * lasso.alpha_).fit(Za, ra)
    result = run_checks("lasso-ex-units", _ns(panel, in_percent=decimal_returns))
    assert not result.passed and "every coefficient of `in_percent` is zero" in _text(result)
    result = run_checks("lasso-ex-units", _ns(panel))
    assert not result.passed and "store your answer in `in_percent`" in _text(result)


# -- lasso-ex-1se (the French data) -------------------------------------------------
def _french_regressors():
    ff = helpers.load_french()
    rng = np.random.default_rng(0)
    placebos = pd.DataFrame(
        {f"placebo {c}": rng.permutation(ff.factors[c].to_numpy()) for c in ff.factors},
        index=ff.factors.index,
    )
    return ff, pd.concat([ff.factors, placebos], axis=1)


def test_one_se():
    ff, F = _french_regressors()
    right, cv_min = {}, {}
    for p in ff.groups["size_value"]:
        model = make_pipeline(StandardScaler(), LassoCV(cv=TimeSeriesSplit(5))).fit(F, ff.portfolios[p])
        fit, Fs = model[-1], model[0].transform(F)
        cv_min[p] = pd.Series(fit.coef_ != 0, index=F.columns)
        mean = fit.mse_path_.mean(axis=1)
        se = fit.mse_path_.std(axis=1, ddof=1) / np.sqrt(fit.mse_path_.shape[1])
        alpha = fit.alphas_[mean <= mean.min() + se[mean.argmin()]].max()  # the largest such alpha
        right[p] = pd.Series(Lasso(alpha=alpha).fit(Fs, ff.portfolios[p]).coef_ != 0, index=F.columns)
    right, cv_min = pd.DataFrame(right).T, pd.DataFrame(cv_min).T
    assert run_checks("lasso-ex-1se", {"one_se": right}).passed
    result = run_checks("lasso-ex-1se", {"one_se": cv_min})
    assert not result.passed and "selection at the CV minimum" in _text(result)
    result = run_checks("lasso-ex-1se", {"one_se": right.T})
    assert not result.passed and "transposed" in _text(result)
    result = run_checks("lasso-ex-1se", {})
    assert not result.passed and "store your answer in `one_se`" in _text(result)


# -- lasso-ex-half ------------------------------------------------------------------
def _subsamples(panel, n=200, seed=3):
    # Lasso on the ROWS of the drawn dates (the checks work on per-date sums).
    rng = np.random.default_rng(seed)
    Za, ra, alpha = panel["Za"], panel["ra"], panel["lasso"].alpha_
    n_blocks = T // 12
    out = np.zeros((n, len(NAMES)), dtype=bool)
    for s in range(n):
        dates = (rng.choice(n_blocks, n_blocks // 2, replace=False)[:, None] * 12 + np.arange(12)).ravel()
        rows = (dates[:, None] * N + np.arange(N)).ravel()
        fit = Lasso(alpha=alpha, fit_intercept=False, precompute=True).fit(Za[rows], ra[rows])
        out[s] = fit.coef_ != 0
    return out


def test_half(panel):
    right = _subsamples(panel)
    assert 0.05 < right.mean() < 0.95  # selections vary across subsamples
    assert run_checks("lasso-ex-half", _ns(panel, half=right)).passed
    result = run_checks("lasso-ex-half", _ns(panel, half=right.mean(axis=0)))
    assert not result.passed and "not the shares" in _text(result)
    # a Lasso at a tenth of the CV alpha (e.g. alpha not scaled as lasso_on_dates does)
    small_alpha = _half_samples(panel["sums"], panel["lasso"].alpha_ / 10, 200, np.random.default_rng(5))
    result = run_checks("lasso-ex-half", _ns(panel, half=small_alpha))
    assert not result.passed and "do not match half-samples" in _text(result)
    result = run_checks("lasso-ex-half", _ns(panel))
    assert not result.passed and "store your answer in `half`" in _text(result)


# -- lasso-ex-double ----------------------------------------------------------------
def _double_by_rows(panel, d):
    Z, y, cv = panel["Z"], panel["y"], panel["cv"]
    controls = [n for n in NAMES if n != d]
    step1 = LassoCV(cv=cv, precompute=True).fit(Z[controls].to_numpy(), y.to_numpy())
    step2 = LassoCV(cv=cv, precompute=True).fit(Z[controls].to_numpy(), Z[d].to_numpy())
    s1 = {n for n, b in zip(controls, step1.coef_) if b != 0}
    s2 = {n for n, b in zip(controls, step2.coef_) if b != 0}
    rows = {}
    for label, chosen in [("single", s1), ("double", s1 | s2)]:
        fm = helpers.fama_macbeth(Z[[d, *sorted(chosen)]], y)
        rows[label] = {"controls": len(chosen), "premium (%)": 100 * fm.premia[d], "t-stat": fm.tstats[d]}
    return pd.DataFrame(rows).T, s1, s2


def test_double(panel):
    tables, steps = {}, {}
    for d in ["zoo_7", "value"]:
        tables[d], *steps[d] = _double_by_rows(panel, d)
    table = pd.concat(tables)
    step1, step2 = steps["value"]
    assert step2  # step 2 finds the characteristics correlated with value
    right = _ns(panel, step1_value=step1, step2_value=step2, ds_table=table)
    result = run_checks("lasso-ex-double", right)
    assert result.passed, result
    decimal = table.copy()
    decimal["premium (%)"] /= 100
    result = run_checks("lasso-ex-double", {**right, "ds_table": decimal})
    assert not result.passed and "should be in percent" in _text(result)
    result = run_checks("lasso-ex-double", {**right, "step1_value": step1 | {"value"}})
    assert not result.passed and "not one of its own controls" in _text(result)
    swapped = table.copy()
    swapped.loc[("value", "single")], swapped.loc[("value", "double")] = table.loc[("value", "double")], table.loc[("value", "single")]
    result = run_checks("lasso-ex-double", {**right, "ds_table": swapped})
    assert not result.passed and "swapped" in _text(result)
    result = run_checks("lasso-ex-double", _ns(panel))
    assert not result.passed and "store your answer in `step1_value`" in _text(result)
