"""Checks of chapter 7, Feature importance as factor loading.

The chapter uses nearly all of its time budget, so these checks refit nothing.
Where an exercise works on a model the chapter fitted in a NON-solution cell
(``gbm_wf``, ``gbm_c``, ``hgb``) the check reads that model and its data from
the notebook with ``c.value`` and recomputes the reference with a few
predictions of its own: its own within-date (or within-cell) shuffles, or the
partial dependence at the two grid points the exercise needs. A permutation
importance is random, so the tolerance is set from the spread of the check's
own repeats: any seed passes, a different quantity does not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.exercises import exercise


def _mean_ic(model, X, y) -> float:
    import helpers

    return float(helpers.information_coefficient(y, pd.Series(model.predict(X), index=X.index)).mean())


def _shuffle_within(cells, rng):
    """A permutation of the rows that moves values only between rows of the same cell."""
    order = np.lexsort((rng.random(len(cells)), cells))  # rows sorted by cell, random within
    perm = np.empty(len(cells), dtype=int)
    perm[np.argsort(cells, kind="stable")] = order
    return perm


def _drops(model, X, y, columns, cells, n_repeats=8, seed=12345):
    """Drops of the mean IC when `columns` are shuffled together within `cells`."""
    rng = np.random.default_rng(seed)
    base = _mean_ic(model, X, y)
    out = []
    for _ in range(n_repeats):
        perm = _shuffle_within(cells, rng)
        shuffled = X.copy()
        shuffled[columns] = X[columns].to_numpy()[perm]
        out.append(base - _mean_ic(model, shuffled, y))
    return np.array(out)


def _tolerance(drops, n_student=5):
    # Three standard errors of the difference between two independent means of repeats.
    sd = drops.std(ddof=1)
    return 3 * sd * np.sqrt(1 / len(drops) + 1 / n_student) + 1e-4


# -- fi-ex-loading --------------------------------------------------------------------
@exercise("fi-ex-loading", stores=["dmse_same", "dmse_zero", "dmse_flipped"])
def loading(c):
    b, var = 0.30, 1.0  # % a month, within-date variance of value
    want = {"dmse_same": 2 * b * b * var, "dmse_zero": 0.0, "dmse_flipped": -2 * b * b * var}
    got = {name: c.number(name) for name in want}
    for name, value in got.items():
        if name != "dmse_zero" and abs(value - want[name] * 1e-4) < 1e-8:
            hint = f"`{name}` is in decimals squared; the exercise asks for %²: put b and λ in percent"
        elif name != "dmse_zero" and abs(value - want[name] / 2) < 1e-6:
            hint = f"`{name}` is half the answer: ΔMSE ≈ 2 b λ Var(x)"
        elif name == "dmse_flipped" and abs(value + want[name]) < 1e-6:
            hint = ("`dmse_flipped` has the wrong sign: with λ = -b the shuffled forecast is better than the "
                    "fitted one, so the importance is negative")
        elif name == "dmse_zero":
            hint = "`dmse_zero`: with λ = 0 the product 2 b λ Var(x) is zero"
        else:
            hint = f"`{name}` is off: ΔMSE ≈ 2 b λ Var(x), with b and λ in % a month"
        c.close(name, want[name], atol=1e-6, ok=f"`{name}` is right", hint=hint)


# -- fi-ex-zoo1 -----------------------------------------------------------------------
@exercise("fi-ex-zoo1", stores=["imp_value", "imp_zoo1", "imp_pair"])
def value_zoo1(c):
    got = {name: c.number(name) for name in ("imp_value", "imp_zoo1", "imp_pair")}
    # The chapter's objects (non-solution cells): gbm_wf is left fitted on the last fold.
    model, Z, sim, cv = c.value("gbm_wf"), c.value("Z"), c.value("sim"), c.value("cv")
    _, test = list(cv.split(Z))[-1]
    X, y = Z.iloc[test], sim.y.iloc[test]
    dates = pd.factorize(X.index.get_level_values("date"))[0]
    if abs(got["imp_pair"] - (got["imp_value"] + got["imp_zoo1"])) < 1e-9 and abs(got["imp_zoo1"]) > 1e-9:
        c.expect(False, ok="", hint="`imp_pair` is the sum of the two single importances; shuffle the two columns "
                 "together, with one permutation (groups= in helpers.permutation_importance_panel)")
        return
    for name, columns in [("imp_value", ["value"]), ("imp_zoo1", ["zoo_1"]), ("imp_pair", ["value", "zoo_1"])]:
        drops = _drops(model, X, y, columns, dates)
        ok = abs(got[name] - drops.mean()) <= _tolerance(drops)
        if not ok and abs(got[name]) < 0.1 * abs(drops.mean()) and abs(drops.mean()) > 2e-3:
            hint = (f"`{name}` is far smaller than the drop of the mean IC: score with the mean per-date IC "
                    "(the helper's default), not R²")
        else:
            hint = (f"`{name}` is off: shuffle within each date of the LAST test fold of `cv`, "
                    "predict with `gbm_wf` and average the drops of the mean per-date IC over the repeats")
        c.expect(ok, ok=f"`{name}` is right (within permutation noise)", hint=hint)


# -- fi-ex-conditional ----------------------------------------------------------------
@exercise("fi-ex-conditional", stores=["cond_imp"])
def conditional(c):
    got = c.number("cond_imp")
    # The chapter's objects (non-solution cells): gbm_c is left fitted on Z_copy's training months.
    model, Z_copy, sim, test_c = c.value("gbm_c"), c.value("Z_copy"), c.value("sim"), c.value("test_c")
    X, y = Z_copy.iloc[test_c], sim.y.iloc[test_c]
    dates = pd.factorize(X.index.get_level_values("date"))[0]
    decile = X.groupby(level="date")["momentum_copy"].transform(lambda s: pd.qcut(s, 10, labels=False))
    cells = dates * 10 + decile.to_numpy().astype(int)
    drops = _drops(model, X, y, ["momentum"], cells)
    if abs(got - drops.mean()) <= _tolerance(drops):
        c.expect(True, ok="`cond_imp` is right (within permutation noise)", hint="")
        return
    # Only for a wrong answer: the two likely mistakes, computed the same way.
    unconditional = _drops(model, X, y, ["momentum"], dates)
    both = _drops(model, X, y, ["momentum", "momentum_copy"], dates)
    if abs(got - unconditional.mean()) <= _tolerance(unconditional):
        hint = ("`cond_imp` looks like the unconditional importance: shuffle momentum only among rows of the same "
                "date AND the same decile of momentum_copy")
    elif abs(got - both.mean()) <= _tolerance(both):
        hint = "`cond_imp` looks like the importance of momentum and its copy shuffled together; shuffle momentum only"
    else:
        hint = ("`cond_imp` is off: on the test months of `test_c`, cut momentum_copy into deciles date by date, "
                "shuffle momentum within each (date, decile) cell and average the drops of the mean IC")
    c.expect(False, ok="", hint=hint)


# -- fi-ex-noise ----------------------------------------------------------------------
def _rise(model, background, method):
    """PD of volatility at z = 0 minus at z = -2, in % (brute force or sklearn's recursion)."""
    if method == "brute":
        values = []
        for v in (-2.0, 0.0):
            X = background.copy()
            X["volatility"] = v
            values.append(model.predict(X).mean())
        return 100 * (values[1] - values[0])
    from sklearn.inspection import partial_dependence

    pdv = partial_dependence(model, background, ["volatility"], custom_values={"volatility": [-2.0, 0.0]},
                             method="recursion")["average"][0]
    return 100 * (pdv[1] - pdv[0])


@exercise("fi-ex-noise", stores=["hgb_true", "rise_noise_free", "noise_free_share"])
def noise(c):
    from sklearn.ensemble import HistGradientBoostingRegressor

    model = c.value("hgb_true", HistGradientBoostingRegressor)
    rise, share = c.number("rise_noise_free"), c.number("noise_free_share")
    # The chapter's objects (non-solution cells): the panel, its training rows, the
    # model fitted to returns and the 1,000 background rows of its partial dependence.
    big, train_big, hgb, background = c.value("big"), c.value("train_big"), c.value("hgb"), c.value("background")
    spec = ("max_iter", "max_depth", "learning_rate", "early_stopping", "random_state")
    same_spec = all(model.get_params()[p] == hgb.get_params()[p] for p in spec)
    c.expect(same_spec, ok="`hgb_true` has the chapter's settings",
             hint="`hgb_true` should be the same HistGradientBoostingRegressor as `hgb` (200 rounds, depth 3, "
             "learning rate 0.05, no early stopping, random_state=0)")
    # Fitted to the truth, the model tracks it far better than the model fitted to returns.
    expected = big.expected.loc[background.index]
    fit_truth = np.corrcoef(model.predict(background), expected)[0, 1]
    fit_returns = np.corrcoef(hgb.predict(background), expected)[0, 1]
    c.expect(fit_truth > fit_returns + 0.5 * (1 - fit_returns),
             ok="`hgb_true` tracks the true expected return closely: it was fitted to it",
             hint="`hgb_true` tracks the true expected return no better than `hgb`: fit it to `big.expected` "
             "(on the training rows `train_big`), not to the returns")
    truth = 100 * 0.0025 * 4  # the true hump, -0.25 (z² - 1) % a month, from z = -2 to 0
    rises = {method: _rise(model, background, method) for method in ("recursion", "brute")}
    returns_rise = _rise(hgb, background, "recursion")
    if min(abs(rise - r / 100) for r in rises.values()) < 1e-6:
        c.expect(False, ok="", hint="`rise_noise_free` is in decimals; the exercise works in % a month (100 ×)")
        return
    good = min(abs(rise - r) for r in rises.values()) < 0.01
    hint = ("`rise_noise_free` is the rise of the model fitted to returns (`hgb`); use `hgb_true`"
            if abs(rise - returns_rise) < 0.005 else
            "`rise_noise_free` is off: partial dependence of `hgb_true` on `background`, at volatility z = 0 "
            "minus at z = -2, in %")
    c.expect(good, ok="`rise_noise_free` is right", hint=hint)
    want = (truth - rise) / (truth - returns_rise)
    if want and abs(share - 1 / want) < 1e-3:
        hint = "`noise_free_share` is upside down: the gap left by hgb_true divided by the gap of hgb"
    elif abs(share - 100 * want) < 0.1:
        hint = "`noise_free_share` looks like a percentage; store the fraction"
    else:
        hint = ("`noise_free_share` is off: (truth's rise - rise of hgb_true) / (truth's rise - rise of hgb), "
                "the truth rising by 1 % from z = -2 to 0")
    c.expect(abs(share - want) < 0.02, ok="`noise_free_share` is right", hint=hint)
