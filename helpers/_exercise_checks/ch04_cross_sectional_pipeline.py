"""Checks of chapter 4, Factor construction with a Pipeline."""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd

from helpers.exercises import exercise


@functools.lru_cache(maxsize=1)
def _sim():
    import helpers

    return helpers.simulate_panel(n_dates=240, n_assets=500, seed=0)


# -- pipe-ex-average -------------------------------------------------------------

VALUES = np.array([1.0, 2.0, 3.0, 4.0, 10.0])  # the exercise's five firms (and a sixth, missing)


@exercise("pipe-ex-average", stores=["z_median", "rank_median", "gauss_median", "fill_zscore", "fill_rank"])
def firm_at_the_median(c):
    z_right = (3.0 - VALUES.mean()) / VALUES.std(ddof=0)
    z = c.number("z_median")
    if math.isclose(z, (3.0 - VALUES.mean()) / VALUES.std(ddof=1), abs_tol=1e-9):
        c.expect(False, ok="", hint="`z_median` divides by the sample s.d. (ddof=1); the standardiser uses ddof=0, as StandardScaler")
    elif abs(z) < 1e-9:
        c.expect(False, ok="", hint="`z_median` is not 0 here: the mean of 1, 2, 3, 4 and 10 is not the median")
    else:
        c.close("z_median", z_right, atol=1e-9, ok="`z_median` is right: not 0, the cross-section is skewed",
                hint="`z_median` is off: standardise the five values of that date (the missing one is ignored)")
    rank = c.number("rank_median")
    if math.isclose(rank, 0.5, abs_tol=1e-9) or math.isclose(rank, 3.0, abs_tol=1e-9):
        c.expect(False, ok="", hint="`rank_median` should be on the scale of method=\"rank\": ranks mapped to [-1, 1]")
    else:
        c.close("rank_median", 0.0, atol=1e-9, ok="`rank_median` is right: the middle of [-1, 1]",
                hint="`rank_median` is off: use CrossSectionalStandardizer(\"rank\") on the same date")
    c.close("gauss_median", 0.0, atol=1e-9, ok="`gauss_median` is right: the normal quantile of one half",
            hint="`gauss_median` is off: use CrossSectionalStandardizer(\"gauss_rank\")")
    for name in ["fill_zscore", "fill_rank"]:
        value = c.value(name)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            c.expect(False, ok="", hint=f"`{name}` is missing: transform with nan_policy=\"fill\" and read the sixth firm")
            continue
        c.close(name, 0.0, atol=1e-9, ok=f"`{name}` is right: the per-date centre",
                hint=f"`{name}` is off: read the sixth (missing) firm after nan_policy=\"fill\"")


# -- pipe-ex-trees ---------------------------------------------------------------

@exercise("pipe-ex-trees", stores=["tree_ic"])
def trees_and_monotone_transforms(c):
    tree_ic = c.value("tree_ic", pd.Series)
    methods = ["zscore", "rank", "gauss_rank"]
    missing = [m for m in methods if m not in tree_ic.index]
    if missing:
        c.expect(False, ok="", hint=f"`tree_ic` should be indexed by the methods {methods}; it lacks {missing}")
        return
    # Refitting the boosted trees here would take many seconds, so the z-score entry is
    # compared with the chapter's own 20-panel table `ics` (a non-solution cell), seed 0.
    ics = c.ns.get("ics")
    if isinstance(ics, pd.DataFrame) and "per-date z-score + boosting" in ics.columns:
        c.expect(math.isclose(float(tree_ic["zscore"]), float(ics["per-date z-score + boosting"].iloc[0]), abs_tol=1e-9),
                 ok="the z-score entry is right (it equals the chapter's result for panels[0])",
                 hint="the z-score entry differs from the chapter's boosted trees on panels[0]: use panels[0], the same cv and hgb()")
    else:
        c.expect(False, ok="", hint="run the chapter's cells above first: the check compares with its table `ics`")
    for m in ["rank", "gauss_rank"]:
        gap = abs(float(tree_ic[m]) - float(tree_ic["zscore"]))
        if gap < 1e-12:
            c.expect(False, ok="", hint=f"the {m} entry equals the z-score one: did the method reach CrossSectionalStandardizer({m!r})?")
        else:
            c.expect(gap < 0.01, ok=f"the {m} entry is plausible: close to, not equal to, the z-score one",
                     hint=f"the {m} entry is far from the z-score one: same panel, same cv, same trees, only the method changes")


# -- pipe-ex-invariance ----------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _raw_premia():
    import helpers

    sim = _sim()
    return helpers.fama_macbeth(sim.X, sim.y).premia


def _premia(c, name, ref):
    value = c.value(name, pd.Series)
    if not set(ref.index) <= set(value.index):
        c.expect(False, ok="", hint=f"`{name}` should be the .premia of helpers.fama_macbeth on all of X (const and every characteristic)")
        return None
    return value.reindex(ref.index)


@exercise("pipe-ex-invariance", stores=["premia_raw", "premia_shifted", "premia_scaled"])
def shifts_and_scales(c):
    ref = _raw_premia()
    raw = _premia(c, "premia_raw", ref)
    if raw is None:
        return
    if not np.allclose(raw, ref, rtol=1e-6, atol=1e-12):
        c.expect(False, ok="", hint="`premia_raw` is off: Fama-MacBeth on the raw characteristics X and y (not on z-scores)")
        return
    c.expect(True, ok="`premia_raw` is right", hint="")
    others = [k for k in ref.index if k not in ("const", "size")]
    for name in ["premia_shifted", "premia_scaled"]:
        got = _premia(c, name, ref)
        if got is None:
            return
        others_same = np.allclose(got[others], ref[others], rtol=1e-6, atol=1e-12)
        size_same = math.isclose(got["size"], ref["size"], rel_tol=1e-6)
        if name == "premia_shifted":
            if not size_same:
                c.expect(False, ok="", hint="`premia_shifted`: the size premium changed, so the shift was not one constant per date (the same for every firm of a date)")
            elif not others_same:
                c.expect(False, ok="", hint="`premia_shifted`: other premia changed too; shift `size` only")
            else:
                c.expect(not math.isclose(got["const"], ref["const"], rel_tol=1e-9),
                         ok="`premia_shifted`: the size premium is unchanged, the intercept absorbs the shift",
                         hint="`premia_shifted` equals the raw premia, intercept included: was the shift added?")
        elif not others_same:
            c.expect(False, ok="", hint="`premia_scaled`: other premia changed too; multiply `size` only, by one positive number per date (the same for every firm of a date)")
        elif size_same:
            c.expect(False, ok="", hint="`premia_scaled`: the size premium is unchanged; multiply each date's size by a different positive number")
        else:
            c.expect(np.sign(got["size"]) == np.sign(ref["size"]),
                     ok="`premia_scaled`: the size premium changes (each date's slope is divided by its scale)",
                     hint="`premia_scaled`: the size premium changed sign; the scale factors must be positive")


# -- pipe-ex-pipeline ------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _pipeline_coef():
    from sklearn.linear_model import Ridge

    sim = _sim()
    X = sim.X.fillna(sim.X.mean())  # SimpleImputer's default: the pooled column mean
    by_date = X.groupby(level="date")
    Z = (X - by_date.transform("mean")) / by_date.transform("std", ddof=0)
    return Ridge().fit(Z.to_numpy(), sim.y.to_numpy()).coef_


@exercise("pipe-ex-pipeline", stores=["default_error", "pipe"])
def keep_the_dates(c):
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import Pipeline

    import helpers

    error = c.value("default_error")
    is_type_error = isinstance(error, TypeError) or (isinstance(error, type) and issubclass(error, TypeError))
    c.expect(is_type_error, ok="`default_error` is right: the standardiser refuses an array without dates",
             hint="`default_error` should be the exception that fitting with the default output raises (catch it with except ... as error)")
    pipe = c.value("pipe", Pipeline)
    kinds = [type(step) for _, step in pipe.steps]
    wanted = [SimpleImputer, helpers.CrossSectionalStandardizer, Ridge]
    if kinds != wanted:
        c.expect(False, ok="", hint="`pipe` should have three steps, in this order: SimpleImputer, CrossSectionalStandardizer, Ridge")
        return
    coef = getattr(pipe[-1], "coef_", None)
    if coef is None:
        c.expect(False, ok="", hint="`pipe` is not fitted yet: set_output(transform=\"pandas\"), then fit it on X and y")
        return
    c.expect(np.allclose(coef, _pipeline_coef(), rtol=1e-6, atol=1e-12),
             ok="`pipe` is fitted and its coefficients are right",
             hint="the coefficients of `pipe` are off: default SimpleImputer(), CrossSectionalStandardizer() and Ridge(), fitted on X and y")


# -- pipe-ex-history -------------------------------------------------------------

def _ridge_gain(seed, n_dates):
    # The chapter's two Ridge models, rebuilt here: per-date z-score minus pooled StandardScaler.
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    import helpers

    p = helpers.simulate_panel(n_dates=n_dates, n_assets=150, seed=seed)
    cv = helpers.WalkForwardSplit(n_splits=3)
    models = {
        "per-date": Pipeline([("scaler", helpers.CrossSectionalStandardizer(nan_policy="fill")), ("model", Ridge(alpha=1.0))]),
        "pooled": Pipeline([("scaler", StandardScaler()), ("impute", SimpleImputer()), ("model", Ridge(alpha=1.0))]),
    }
    ic = {}
    for name, model in models.items():
        pieces = [pd.Series(model.fit(p.X.iloc[tr], p.y.iloc[tr]).predict(p.X.iloc[te]), index=p.X.index[te])
                  for tr, te in cv.split(p.X)]
        forecast = pd.concat(pieces)
        ic[name] = helpers.information_coefficient(p.y.loc[forecast.index], forecast).mean()
    return ic["per-date"] - ic["pooled"]


@functools.lru_cache(maxsize=1)
def _history_references():
    return {"short": {s: _ridge_gain(s, 120) for s in (0, 19)}, "long": _ridge_gain(0, 240)}


@exercise("pipe-ex-history", stores=["short_gain"])
def shorter_history(c):
    gain = c.value("short_gain", pd.Series)
    if len(gain) != 20 or list(gain.index) != list(range(20)):
        c.expect(False, ok="", hint="`short_gain` should hold 20 paired gains, indexed by the seeds 0 to 19")
        return
    # Only seeds 0 and 19 are recomputed (the whole loop would take many seconds).
    ref = _history_references()
    got = float(gain[0])
    if math.isclose(got, -ref["short"][0], abs_tol=1e-9):
        c.expect(False, ok="", hint="`short_gain` has the wrong sign: per-date minus pooled")
        return
    if math.isclose(got, ref["long"], abs_tol=1e-9):
        c.expect(False, ok="", hint="`short_gain` for seed 0 is the gain on 240 dates: simulate panels with n_dates=120")
        return
    for s in (0, 19):
        c.expect(math.isclose(float(gain[s]), ref["short"][s], abs_tol=1e-9),
                 ok=f"the gain for seed {s} is right",
                 hint=f"the gain for seed {s} is off: simulate_panel(n_dates=120, n_assets=150, seed={s}), the chapter's two Ridge models and cv")
