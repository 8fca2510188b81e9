"""Checks of chapter 8, Selecting characteristics with the Lasso.

The chapter's panel (``simulate_panel`` plus the zoo of ``add_zoo``, a function
of the notebook) takes longer to rebuild than a check may; the checks of
``lasso-ex-units``, ``lasso-ex-half`` and ``lasso-ex-double`` therefore read
objects that the chapter's NON-solution cells define: ``Za``, ``ra`` and
``lasso`` (the walk-forward ``LassoCV``), ``sums`` (the per-date sums) and
``names``. From those they recompute every reference with their own code
(below), never with the student's. ``lasso-ex-1se`` rebuilds its regressors
from the French data.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from helpers._exercise_checks._data import french
from helpers.exercises import exercise

BLOCK = 12  # months per block of the chapter's bootstrap and half-samples


# -- the per-date sums of the chapter, recomputed here -----------------------------
def _pooled(sums, weights):
    return (
        np.tensordot(weights, sums["G"], axes=1),
        weights @ sums["c"],
        weights @ sums["rr"],
        weights @ sums["n"],
    )


def _lasso_on_dates(sums, weights, alphas, tol=1e-8):
    from sklearn.linear_model import lasso_path

    G, c, _, n = _pooled(sums, weights)
    R = np.linalg.cholesky(G).T
    r_tilde = np.linalg.solve(R.T, c)
    _, coefs, _ = lasso_path(
        R, r_tilde, alphas=np.asarray(alphas) * n / len(c), tol=tol, max_iter=100_000
    )
    return coefs.T


def _lasso_cv_on_dates(sums, n_alphas=100):
    """Walk-forward LassoCV (5 folds) on all dates: the coefficients at the CV alpha."""
    import helpers

    T = len(sums["n"])
    dates = np.arange(T)
    on = np.ones(T)
    _, c, _, n = _pooled(sums, on)
    top = np.abs(c).max() / n
    alphas = np.geomspace(top, top / 1000, n_alphas)
    mse = []
    for train, test in helpers.WalkForwardSplit(5).split(dates, groups=dates):
        w_train, w_test = np.zeros(T), np.zeros(T)
        w_train[train], w_test[test] = 1.0, 1.0
        coefs = _lasso_on_dates(sums, w_train, alphas)
        G, c, rr, n = _pooled(sums, w_test)
        mse.append((rr - 2 * coefs @ c + np.einsum("ak,kl,al->a", coefs, G, coefs)) / n)
    alpha = alphas[np.array(mse).T.mean(axis=1).argmin()]
    return _lasso_on_dates(sums, on, [alpha])[0]


def _sub_sums(sums, cols, target=None):
    G = sums["G"][:, cols][:, :, cols]
    if target is None:
        return {**sums, "G": G, "c": sums["c"][:, cols]}
    return {"G": G, "c": sums["G"][:, cols, target], "rr": sums["G"][:, target, target], "n": sums["n"]}


def _fm_on_dates(sums, cols):
    s = _sub_sums(sums, cols)
    lambdas = np.linalg.solve(s["G"], s["c"][..., None])[..., 0]
    se = lambdas.std(axis=0, ddof=1) / np.sqrt(len(lambdas))
    return lambdas.mean(axis=0)[0], (lambdas.mean(axis=0) / se)[0]


def _coefficients(model):
    coef = getattr(model, "coef_", model)
    return np.asarray(coef, dtype=float).ravel()


# -- lasso-ex-units ------------------------------------------------------------------
@exercise("lasso-ex-units", stores=["in_percent"])
def units(c):
    model = c.value("in_percent")
    lasso = c.value("lasso")  # the chapter's walk-forward LassoCV (a non-solution cell)
    ref = 100 * np.asarray(lasso.coef_, dtype=float)
    if not hasattr(model, "coef_"):
        c.expect(False, ok="", hint="`in_percent` should be the fitted `Lasso` (call `.fit(...)`; it returns the model)")
        return
    got = _coefficients(model)
    if got.shape != ref.shape:
        c.expect(False, ok="", hint=f"`in_percent` has {got.size} coefficients; fit it on all {ref.size} columns of `Za`")
        return
    scale = np.abs(ref).max()
    if np.allclose(got, ref, rtol=0, atol=1e-3 * scale):
        c.expect(True, ok="`in_percent` has the coefficients of `100 * lasso.coef_`: the Lasso is equivariant when alpha moves with the units", hint="")
        return
    if not np.any(got):
        hint = ("every coefficient of `in_percent` is zero: alpha was multiplied by 100 but the "
                "returns were not; fit to `100 * ra`")
    elif np.allclose(got, ref / 100, rtol=0, atol=1e-5 * scale):
        hint = "`in_percent` has the coefficients of the decimal returns: fit to `100 * ra` with `alpha=100 * lasso.alpha_`"
    elif np.count_nonzero(got) > np.count_nonzero(ref):
        hint = ("`in_percent` selects more characteristics than `lasso`: with the returns in percent, "
                "alpha must be multiplied by 100 as well")
    else:
        hint = ("`in_percent` is off: fit `Lasso(alpha=100 * lasso.alpha_)` to the chapter's `Za` "
                "and the per-date demeaned returns in percent, `100 * ra`")
    c.expect(False, ok="", hint=hint)


# -- lasso-ex-1se --------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _one_se_references():
    """Selections (portfolios x regressors) under several rules, from the French data."""
    from sklearn.linear_model import LassoCV, lasso_path
    from sklearn.model_selection import TimeSeriesSplit
    from sklearn.preprocessing import StandardScaler

    ff = french()
    factors = ff.factors
    rng = np.random.default_rng(0)  # the chapter's placebos
    placebos = pd.DataFrame(
        {f"placebo {col}": rng.permutation(factors[col].to_numpy()) for col in factors},
        index=factors.index,
    )
    F = pd.concat([factors, placebos], axis=1)
    Fs = StandardScaler().fit_transform(F)
    rules = {"1se": {}, "cv": {}, "sd": {}}
    for p in ff.groups["size_value"]:
        fit = LassoCV(cv=TimeSeriesSplit(5)).fit(Fs, ff.portfolios[p])
        _, coefs, _ = lasso_path(Fs, ff.portfolios[p], alphas=fit.alphas_)
        mean, sd = fit.mse_path_.mean(axis=1), fit.mse_path_.std(axis=1, ddof=1)
        best = mean.argmin()
        se = sd / np.sqrt(fit.mse_path_.shape[1])
        index = {
            "1se": np.flatnonzero(mean <= mean.min() + se[best])[0],
            "cv": best,
            "sd": np.flatnonzero(mean <= mean.min() + sd[best])[0],
        }
        for rule, i in index.items():
            rules[rule][p] = coefs[:, i] != 0
    return {rule: pd.DataFrame(v, index=F.columns).T for rule, v in rules.items()}


@exercise("lasso-ex-1se", stores=["one_se"])
def one_se_rule(c):
    refs = _one_se_references()
    ref = refs["1se"]
    got = c.value("one_se", pd.DataFrame)
    if got.shape == ref.T.shape and set(got.index) == set(ref.columns):
        c.expect(False, ok="", hint="`one_se` is transposed: one row per portfolio, one column per regressor")
        return
    if set(got.index) != set(ref.index) or set(got.columns) != set(ref.columns):
        c.expect(False, ok="", hint="`one_se` should have the nine size/value portfolios as rows and the eight regressors of `F` as columns")
        return
    got = got.loc[ref.index, ref.columns]
    got = got.astype(bool) if got.dtypes.map(pd.api.types.is_bool_dtype).all() else got.fillna(0) != 0
    wrong = int((got != ref).to_numpy().sum())
    if wrong <= 1:  # one borderline coefficient may flip with another solver
        placebo = int(ref[[col for col in ref.columns if col.startswith("placebo")]].to_numpy().sum())
        c.expect(True, ok=f"`one_se` is right: the 1-SE rule keeps {int(ref.to_numpy().sum())} "
                 f"selections, {placebo} of them placebos", hint="")
        return
    if int((got != refs["cv"]).to_numpy().sum()) <= 1:
        hint = ("`one_se` is the selection at the CV minimum; the rule takes the LARGEST alpha whose "
                "mean fold MSE is within one standard error of the minimum")
    elif int((got != refs["sd"]).to_numpy().sum()) <= 1:
        hint = ("`one_se` uses one standard deviation of the fold MSEs; the standard error divides it "
                "by the square root of the number of folds")
    elif got.to_numpy().sum() > ref.to_numpy().sum():
        hint = ("`one_se` selects too much: the 1-SE alpha is larger than the CV alpha (standardise `F`, "
                "use the fold MSEs of `LassoCV(cv=TimeSeriesSplit(5))`, refit at that alpha)")
    else:
        hint = ("`one_se` selects too little: within one standard error of the minimum at the "
                "alpha that minimises the mean fold MSE (standardise `F` first)")
    c.expect(False, ok="", hint=hint)


# -- lasso-ex-half -------------------------------------------------------------------
def _half_samples(sums, alpha, n_draws, rng, replace=False):
    T = len(sums["n"])
    n_blocks = T // BLOCK
    out = np.zeros((n_draws, sums["G"].shape[1]), dtype=bool)
    for s in range(n_draws):
        weights = np.zeros(T)
        if replace:  # the chapter's moving-block bootstrap
            first = rng.integers(0, T - BLOCK + 1, n_blocks)
            np.add.at(weights, (first[:, None] + np.arange(BLOCK)).ravel(), 1.0)
        else:
            chosen = rng.choice(n_blocks, n_blocks // 2, replace=False)
            weights[(chosen[:, None] * BLOCK + np.arange(BLOCK)).ravel()] = 1.0
        out[s] = _lasso_on_dates(sums, weights, [alpha])[0] != 0
    return out


def _distance(p, n_p, q, n_q):
    """Distance of two vectors of selection shares on the arcsine scale (about chi-square, K df)."""
    a, b = 2 * np.arcsin(np.sqrt(p)), 2 * np.arcsin(np.sqrt(q))
    return float(((a - b) ** 2).sum() / (1 / n_p + 1 / n_q))


@exercise("lasso-ex-half", stores=["half"])
def half_samples(c):
    got = np.asarray(c.value("half"))
    sums, lasso = c.value("sums"), c.value("lasso")  # non-solution cells of the chapter
    K = sums["G"].shape[1]
    if got.ndim == 1:
        c.expect(False, ok="", hint="`half` should hold one row per subsample (200 rows), not the shares")
        return
    if got.ndim != 2 or got.shape[1] != K:
        if got.ndim == 2 and got.shape[0] == K:
            hint = "`half` is transposed: one ROW per subsample, one column per characteristic"
        else:
            hint = f"`half` should be an array of shape (200, {K})"
        c.expect(False, ok="", hint=hint)
        return
    values = got.astype(float)
    if not np.isin(values, [0.0, 1.0]).all():
        c.expect(False, ok="", hint="`half` should hold booleans (selected or not), e.g. `coef != 0`, not coefficients")
        return
    c.expect(got.shape[0] >= 200, ok=f"`half` has {got.shape[0]} subsamples",
             hint=f"`half` has {got.shape[0]} rows; draw 200 subsamples")
    # References: 500 half-samples and 500 bootstrap samples with fixed seeds. A
    # right answer (any seed) is far closer to the first; the bootstrap's shares
    # (drawn with replacement) are closer to the second.
    n_ref = 500
    p = values.mean(axis=0)
    d_half = _distance(p, len(values), _half_samples(sums, lasso.alpha_, n_ref, np.random.default_rng(20_240_707)).mean(axis=0), n_ref)
    d_boot = _distance(p, len(values), _half_samples(sums, lasso.alpha_, n_ref, np.random.default_rng(7), replace=True).mean(axis=0), n_ref)
    if d_half < d_boot and d_half < 4 * K:
        c.expect(True, ok="the selection shares of `half` agree with half-samples of 10 of the 20 blocks at the CV alpha", hint="")
        return
    if d_boot < d_half and d_boot < 4 * K:
        hint = ("the shares of `half` look like the bootstrap's: draw 10 of the 20 blocks WITHOUT "
                "replacement (`rng.choice(n_blocks, n_blocks // 2, replace=False)`)")
    else:
        hint = ("the shares of `half` do not match half-samples: each subsample is 10 of the 20 "
                "twelve-month blocks of dates (weights 1 on their 120 dates, 0 elsewhere), and "
                "the Lasso is fitted at the CV alpha `lasso.alpha_` with `lasso_on_dates`")
    c.expect(False, ok="", hint=hint)


# -- lasso-ex-double -----------------------------------------------------------------
def _double_reference(sums, names, d):
    k = names.index(d)
    controls = np.delete(np.arange(len(names)), k)
    coef1 = _lasso_cv_on_dates(_sub_sums(sums, controls))
    coef2 = _lasso_cv_on_dates(_sub_sums(sums, controls, target=k))
    step1, step2 = set(controls[coef1 != 0]), set(controls[coef2 != 0])
    rows = {}
    for label, chosen in [("single", step1), ("double", step1 | step2)]:
        premium, t = _fm_on_dates(sums, [k, *sorted(chosen)])
        rows[label] = (len(chosen), 100 * premium, t)
    return {names[i] for i in step1}, {names[i] for i in step2}, rows


@exercise("lasso-ex-double", stores=["step1_value", "step2_value", "ds_table"])
def double_selection(c):
    step1, step2 = set(c.value("step1_value")), set(c.value("step2_value"))
    table = c.value("ds_table", pd.DataFrame)
    sums, names = c.value("sums"), [str(n) for n in c.value("names")]  # non-solution cells
    ref1, ref2, ref_rows = _double_reference(sums, names, "value")
    if "value" in step1 | step2:
        c.expect(False, ok="", hint="`value` is the tested characteristic, not one of its own controls")
    elif c.expect(step1 == ref1, ok="`step1_value` is right",
                  hint="`step1_value` differs: regress the returns on the 35 controls ONLY (not on value "
                       "and the controls), with alpha chosen by walk-forward CV"):
        c.expect(step2 == ref2, ok="`step2_value` is right",
                 hint="`step2_value` differs: the Lasso of step 2 has `value` (the characteristic) as its "
                      "target and the 35 controls as regressors")
    columns = ["controls", "premium (%)", "t-stat"]
    missing = [col for col in columns if col not in table.columns]
    if missing:
        c.expect(False, ok="", hint=f"`ds_table` needs the columns {columns}; missing: {missing}")
        return
    for d in ["value", "zoo_7"]:
        _, _, rows = (ref1, ref2, ref_rows) if d == "value" else _double_reference(sums, names, d)
        for label in ["single", "double"]:
            if (d, label) not in table.index:
                c.expect(False, ok="", hint=f"`ds_table` has no row ({d!r}, {label!r})")
                continue
            n, premium, t = rows[label]
            got = table.loc[(d, label)]
            other = rows["double" if label == "single" else "single"]
            if np.isclose(got["t-stat"], other[2], rtol=1e-6) and not np.isclose(t, other[2], rtol=1e-6):
                c.expect(False, ok="", hint=f"`ds_table` rows of {d}: single and double look swapped")
                break
            if np.isclose(got["premium (%)"], premium / 100, rtol=1e-4):
                c.expect(False, ok="", hint="`ds_table['premium (%)']` should be in percent (100 times the decimal premium)")
                return
            right = (np.isclose(got["t-stat"], t, rtol=1e-4, atol=1e-6)
                     and np.isclose(got["premium (%)"], premium, rtol=1e-4, atol=1e-8)
                     and int(got["controls"]) == n)
            hint = (f"`ds_table` row ({d!r}, {label!r}) is off: step 3 is Fama-MacBeth (per-date OLS) of the "
                    "returns on the tested characteristic plus "
                    + ("the step-1 controls" if label == "single" else "the UNION of the controls of steps 1 and 2"))
            c.expect(right, ok=f"`ds_table` row ({d}, {label}) is right", hint=hint)
