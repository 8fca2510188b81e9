"""Checks of chapter 6, Comparing linear and non-linear factor models.

Every reference is recomputed here from ``helpers`` and the data, with the
settings the chapter states: least squares with numpy for OLS, scikit-learn's
``HistGradientBoostingRegressor`` for the boosting model. The fits run on one
thread (``threadpool_limits(1)``): they are small, and on a busy machine many
threads per fit are much slower than one.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from helpers._exercise_checks._data import french
from helpers.exercises import exercise


def _mean_ic(y, forecast):
    import helpers

    return float(helpers.information_coefficient(y, forecast).mean())


def _hgb(max_depth=3):
    from sklearn.ensemble import HistGradientBoostingRegressor

    # The chapter's HGB: 150 rounds of depth-3 trees, leaves of 200 rows, no early stopping.
    return HistGradientBoostingRegressor(
        max_iter=150, learning_rate=0.05, max_depth=max_depth, min_samples_leaf=200,
        early_stopping=False, random_state=0,
    )


def _ols_forecast(Z_train, y_train, Z_test):
    A = np.column_stack([np.ones(len(Z_train)), Z_train])
    coef = np.linalg.lstsq(A, y_train, rcond=None)[0]
    return np.column_stack([np.ones(len(Z_test)), Z_test]) @ coef


@functools.lru_cache(maxsize=1)
def _portfolios():
    """The 30 portfolios' four characteristics (per-date z-scores) and next month's return."""
    import helpers

    ff = french()
    chars = helpers.return_characteristics(ff.portfolios, ff.factors["MktRF"])
    target = helpers.to_panel(helpers.forward_returns(ff.portfolios, 1)).reindex(chars.index)
    keep = chars.notna().all(axis=1) & target.notna()
    Z = helpers.CrossSectionalStandardizer(nan_policy="fill").fit_transform(chars[keep])
    return chars[keep], Z, target[keep]


@functools.lru_cache(maxsize=1)
def _panel0():
    import helpers

    sim = helpers.simulate_panel(n_dates=150, n_assets=300, seed=0)
    return sim, helpers.WalkForwardSplit(n_splits=3)


# -- mc-ex-benchmark ----------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _benchmark_r2():
    import helpers

    _, Z, y = _portfolios()
    sse_model = sse_mean = sse_zero = sse_test_mean = 0.0
    for train, test in helpers.WalkForwardSplit(n_splits=5, test_size=120).split(Z):
        forecast = _ols_forecast(Z.to_numpy()[train], y.to_numpy()[train], Z.to_numpy()[test])
        y_test = y.to_numpy()[test]
        sse_model += ((y_test - forecast) ** 2).sum()
        sse_mean += ((y_test - y.to_numpy()[train].mean()) ** 2).sum()
        sse_zero += (y_test**2).sum()
        sse_test_mean += ((y_test - y_test.mean()) ** 2).sum()
    return {
        "zero": 1 - sse_model / sse_zero,
        "mean": 1 - sse_model / sse_mean,
        "test mean": 1 - sse_model / sse_test_mean,
    }


@exercise("mc-ex-benchmark", stores=["r2_ols_zero", "r2_ols_mean"])
def benchmark(c):
    ref = _benchmark_r2()
    zero, mean = c.number("r2_ols_zero"), c.number("r2_ols_mean")
    if abs(zero - ref["mean"]) < 2e-4 and abs(mean - ref["zero"]) < 2e-4:
        c.expect(False, ok="", hint="your two R² look swapped: which one divides by the squared returns themselves?")
        return
    for name, got, want in [("r2_ols_zero", zero, ref["zero"]), ("r2_ols_mean", mean, ref["mean"])]:
        if abs(got - 100 * want) < 0.02:
            c.expect(False, ok="", hint=f"`{name}` looks like a percentage; store it as a decimal (0.01 for 1 %)")
            continue
        if name == "r2_ols_mean" and abs(got - ref["test mean"]) < 2e-4:
            hint = ("`r2_ols_mean` uses the mean of the test period, which nobody knows in advance; "
                    "the prevailing mean is the average return of the training rows")
        else:
            hint = (f"`{name}` is off: pool the squared errors over all test months of the five folds, "
                    "then divide by the pooled benchmark's")
        c.close(name, want, atol=2e-4, ok=f"`{name}` is right", hint=hint)
    c.expect(mean < zero, ok="against the prevailing mean the R² is lower: the equity premium is part of the R² against zero",
             hint="with the right numbers the R² against the prevailing mean is the lower one")


# -- mc-ex-terms --------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _terms_reference():
    import helpers
    from threadpoolctl import threadpool_limits

    sim, cv = _panel0()
    Z = helpers.CrossSectionalStandardizer(nan_policy="fill").fit_transform(sim.X)
    terms = Z.assign(vol_sq=Z["volatility"] ** 2, mom_vol=Z["momentum"] * Z["volatility"])
    y = sim.y.to_numpy()
    forecasts = {"plain": [], "terms": []}
    rows = []
    with threadpool_limits(1):
        for train, test in cv.split(Z):
            rows.append(test)
            for name, X in [("plain", Z.to_numpy()), ("terms", terms.to_numpy())]:
                forecasts[name].append(_ols_forecast(X[train], y[train], X[test]))
    rows = np.concatenate(rows)
    index = sim.y.index[rows]
    y_test = sim.y.iloc[rows]
    ic = {name: _mean_ic(y_test, pd.Series(np.concatenate(f), index=index)) for name, f in forecasts.items()}
    ic["oracle"] = _mean_ic(y_test, sim.expected.iloc[rows])
    ic["oracle, all rows"] = _mean_ic(sim.y, sim.expected)
    return ic


@exercise("mc-ex-terms", stores=["ic_ols_terms", "terms_share"])
def terms(c):
    ref = _terms_reference()
    ic, share = c.number("ic_ols_terms"), c.number("terms_share")
    if abs(ic - ref["plain"]) < 5e-4:
        hint = ("`ic_ols_terms` is the IC of plain OLS: did the two new columns reach the regression? "
                "Put the FunctionTransformer between the standardiser and LinearRegression")
    else:
        hint = ("`ic_ols_terms` is off: the mean per-date IC over the test dates of the three walk-forward "
                "folds, with volatility² and momentum × volatility added to the per-date z-scores")
    good = c.close("ic_ols_terms", ref["terms"], atol=5e-4, ok="`ic_ols_terms` is right", hint=hint)
    want = ref["terms"] / ref["oracle"]
    if abs(share - 100 * want) < 0.5:
        hint = "`terms_share` looks like a percentage; store the ratio (0.5 for half the oracle's IC)"
    elif good and abs(share - ic / ref["oracle, all rows"]) < 0.005:
        hint = "`terms_share` divides by the oracle's IC on all rows; use the oracle's IC on the same test rows"
    elif share > 1:
        hint = "`terms_share` is above one: divide the model's IC by the oracle's, not the other way round"
    else:
        hint = "`terms_share` is off: divide the model's mean IC by the oracle's mean IC on the same test rows"
    c.close("terms_share", want, atol=0.01, ok="`terms_share` is right", hint=hint)


# -- mc-ex-depth --------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _depth_reference():
    from threadpoolctl import threadpool_limits

    import helpers

    sim, cv = _panel0()
    Z = helpers.CrossSectionalStandardizer(nan_policy="keep").fit_transform(sim.X)
    parts = sim.components
    out = {}
    with threadpool_limits(1):
        for depth in (1, 3):
            pieces = []
            for train, test in cv.split(Z):
                model = _hgb(depth).fit(Z.iloc[train], sim.y.iloc[train])
                pieces.append(pd.Series(model.predict(Z.iloc[test]), index=Z.index[test]))
            forecast = pd.concat(pieces)
            rows = forecast.index
            out[depth] = {
                "quadratic": _mean_ic(parts.loc[rows, "nonlinear"], forecast),
                "interaction": _mean_ic(parts.loc[rows, "interaction"], forecast),
                "both": _mean_ic(parts.loc[rows, "nonlinear"] + parts.loc[rows, "interaction"], forecast),
                "returns": _mean_ic(sim.y.loc[rows], forecast),
            }
    return out


DEPTH_STORES = {
    ("quadratic", 1): "ic_quadratic_stumps",
    ("quadratic", 3): "ic_quadratic_depth3",
    ("interaction", 1): "ic_interaction_stumps",
    ("interaction", 3): "ic_interaction_depth3",
}


@exercise("mc-ex-depth", stores=list(DEPTH_STORES.values()))
def depth(c):
    ref = _depth_reference()
    got = {key: c.number(name) for key, name in DEPTH_STORES.items()}
    for (part, d), name in DEPTH_STORES.items():
        value, other = got[part, d], 4 - d  # the other depth: 1 <-> 3
        if abs(value - ref[d]["returns"]) < 2e-3 and abs(ref[d][part] - ref[d]["returns"]) > 5e-3:
            hint = f"`{name}` is the IC with the returns; correlate the forecasts with the {part} part of the truth"
        elif abs(value - ref[d]["both"]) < 2e-3:
            hint = (f"`{name}` correlates with the whole non-linear truth; take the quadratic part "
                    "(`components[\"nonlinear\"]`) and the interaction (`components[\"interaction\"]`) separately")
        elif abs(value - ref[other][part]) < 2e-3:
            hint = f"`{name}` belongs to the other depth: stumps are `max_depth=1`"
        else:
            hint = (f"`{name}` is off: fit the chapter's HGB with max_depth={d} on the three walk-forward folds "
                    "and rank-correlate its test forecasts with the part of the truth, date by date")
        c.close(name, ref[d][part], atol=2e-3, ok=f"`{name}` is right", hint=hint)
    c.expect(got["interaction", 1] < got["interaction", 3],
             ok="the stumps find less of the interaction than depth-3 trees",
             hint="with the right numbers the stumps' IC with the interaction is the lower one")


# -- mc-ex-rolling ------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _window_reference():
    from sklearn.pipeline import make_pipeline
    from threadpoolctl import threadpool_limits

    import helpers

    X, Z, y = _portfolios()
    out = {}
    with threadpool_limits(1):
        for window, size in [("expanding", None), ("rolling", 240)]:
            cv = helpers.WalkForwardSplit(n_splits=5, test_size=120, max_train_size=size)
            ols, hgb = [], []
            for train, test in cv.split(Z):
                y_test = y.iloc[test]
                f_ols = _ols_forecast(Z.to_numpy()[train], y.to_numpy()[train], Z.to_numpy()[test])
                ols.append(_mean_ic(y_test, pd.Series(f_ols, index=y_test.index)))
                model = make_pipeline(helpers.CrossSectionalStandardizer(nan_policy="keep"), _hgb())
                model.fit(X.iloc[train], y.iloc[train])
                hgb.append(_mean_ic(y_test, pd.Series(model.predict(X.iloc[test]), index=y_test.index)))
            out[window] = pd.DataFrame({"OLS": ols, "HGB": hgb})
    return out


@exercise("mc-ex-rolling", stores=["ols_rolling_gain", "hgb_rolling_gain"])
def rolling_real(c):
    ref = _window_reference()
    change = ref["rolling"] - ref["expanding"]
    for model, name in [("OLS", "ols_rolling_gain"), ("HGB", "hgb_rolling_gain")]:
        got, want = c.number(name), change[model].iloc[1:].mean()
        if abs(got + want) < 2e-4:
            hint = f"`{name}` has the wrong sign: rolling minus expanding"
        elif abs(got - change[model].mean()) < 2e-4:
            hint = (f"`{name}` averages all five decades; the first is the same for both windows (its training "
                    "period is shorter than 20 years): average the four later ones")
        elif abs(got - 100 * want) < 0.02:
            hint = f"`{name}` looks like a percentage; the mean IC is a correlation, keep it as it is"
        else:
            hint = (f"`{name}` is off: per test decade, the mean IC of the rolling window "
                    "(`max_train_size=240`) minus that of the expanding one, averaged over the four later decades")
        c.close(name, want, atol=2e-4, ok=f"`{name}` is right", hint=hint)
