"""Checks of chapter 5, Walk-forward evaluation without look-ahead.

The leakage experiment of ``wf-ex-one-month`` fits 75 boosting models (several
seconds); its check recomputes one panel of the five (seed 0) independently and
checks that the stored means follow from the stored table. ``wf-ex-rolling``
is checked the same way on two of its ten panels (seeds 0 and 9).
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from helpers.exercises import exercise

SCHEMES_1M = ["shuffled KFold (rows)", "KFold (date blocks)", "WalkForwardSplit, no gap"]


# -- wf-ex-sizes -----------------------------------------------------------------
@exercise("wf-ex-sizes", stores=["n_test_dates", "n_train_first"])
def fold_sizes(c):
    n_dates, n_splits, gap = 240, 5, 2
    test = n_dates // (n_splits + 1)  # the default test_size
    first_train = n_dates - n_splits * test - gap
    got_test, got_train = c.number("n_test_dates"), c.number("n_train_first")
    if got_test > n_dates or got_train > n_dates:
        c.expect(False, ok="", hint="your numbers are larger than the 240 dates: count dates "
                 "(`split_dates` returns dates), not rows (`split` returns row positions)")
        return
    if got_test == n_dates // n_splits:
        hint = ("`n_test_dates` divides the dates by `n_splits`; the first block of dates must stay "
                "free for training: by default each test block has `n_dates // (n_splits + 1)` dates")
    else:
        hint = "`n_test_dates` is off: look at `len(test)` of any fold of `split_dates`"
    c.close("n_test_dates", test, atol=0, ok="`n_test_dates` is right", hint=hint)
    if got_train == first_train + gap:
        hint = "`n_train_first` ignores the gap: the 2 dates just before the test block are left out"
    elif got_train == first_train + 2 * gap:
        hint = "`n_train_first` adds the gap; the gap is taken away from the training dates"
    elif got_train == n_dates - test - gap:
        hint = "`n_train_first` is the training period of the last fold; the first fold trains on the fewest dates"
    else:
        hint = "`n_train_first` is off: the first test block starts after 240 - 5 x (test size) dates"
    c.close("n_train_first", first_train, atol=0, ok="`n_train_first` is right", hint=hint)


# -- wf-ex-one-month -------------------------------------------------------------
def _leakage_model():
    from sklearn.ensemble import HistGradientBoostingRegressor

    # The chapter's model: 20 trees of at most 15 leaves, no early stopping.
    return HistGradientBoostingRegressor(
        max_iter=20, learning_rate=0.2, max_leaf_nodes=15, max_bins=64,
        early_stopping=False, random_state=0,
    )


def _mean_ic(y, forecast):
    import helpers

    return helpers.information_coefficient(y, forecast).mean()


@functools.lru_cache(maxsize=None)
def _one_month_ratios(seed: int) -> dict:
    """Model IC / oracle IC of the three schemes on one panel, one-month target."""
    from sklearn.model_selection import KFold
    from threadpoolctl import threadpool_limits

    import helpers

    # Many small fits: one thread each is fastest and never oversubscribes a busy machine.
    with threadpool_limits(1):
        return _one_month_ratios_on(helpers.simulate_panel(120, 200, seed=seed), KFold)


def _one_month_ratios_on(panel, KFold) -> dict:
    from sklearn.base import clone

    import helpers

    y = panel.y.dropna()  # the one-month target: y itself
    X = helpers.CrossSectionalStandardizer().fit_transform(panel.X.loc[y.index])
    truth = panel.expected.loc[y.index]  # E[r_{t+1} | z_t]: the oracle for h = 1
    codes = pd.factorize(X.index.get_level_values("date"), sort=True)[0]
    n_dates = codes.max() + 1

    def blocks():
        for train_d, test_d in KFold(5).split(np.arange(n_dates)):
            yield np.flatnonzero(np.isin(codes, train_d)), np.flatnonzero(np.isin(codes, test_d))

    splits = {
        SCHEMES_1M[0]: KFold(5, shuffle=True, random_state=0).split(X),
        SCHEMES_1M[1]: blocks(),
        SCHEMES_1M[2]: helpers.WalkForwardSplit(5).split(X),
    }
    out = {}
    for name, folds in splits.items():
        model_ic, oracle_ic = [], []
        for train, test in folds:
            model = clone(_leakage_model()).fit(X.iloc[train], y.iloc[train])
            forecast = pd.Series(model.predict(X.iloc[test]), index=X.index[test])
            model_ic.append(_mean_ic(y.iloc[test], forecast))
            oracle_ic.append(_mean_ic(y.iloc[test], truth.iloc[test]))
        out[name] = {"ratio": np.mean(model_ic) / np.mean(oracle_ic), "ic": np.mean(model_ic)}
    return out


@exercise("wf-ex-one-month", stores=["ratio1", "overstatement_1m", "leakage_1m"])
def one_month(c):
    ratio1 = c.value("ratio1", pd.DataFrame)
    missing = [s for s in SCHEMES_1M if s not in ratio1.columns]
    if missing:
        c.expect(False, ok="", hint=f"`ratio1` needs one column per scheme, named as in `schemes`; "
                 f"missing: {', '.join(missing)}")
        return
    if len(ratio1) != 5 or 0 not in ratio1.index:
        c.expect(False, ok="", hint=f"`ratio1` should have one row per panel, seeds 0 to 4 as its index; "
                 f"it has {len(ratio1)} rows")
        return
    ref = _one_month_ratios(0)
    got = ratio1.loc[0, SCHEMES_1M].astype(float)
    want = pd.Series({s: ref[s]["ratio"] for s in SCHEMES_1M})
    raw_ic = pd.Series({s: ref[s]["ic"] for s in SCHEMES_1M})
    # The 3-month results of the chapter, if the notebook has them (a non-solution object).
    reps3 = c.ns.get("reps3")
    three = None
    if isinstance(reps3, pd.DataFrame) and {"seed", "scheme", "model / oracle"} <= set(reps3.columns):
        r3 = reps3[reps3["seed"] == 0].set_index("scheme")["model / oracle"]
        three = r3.reindex(SCHEMES_1M)
    if np.allclose(got, raw_ic, atol=0.003):
        c.expect(False, ok="", hint="`ratio1` holds the models' mean ICs; divide by the oracle's IC on the same rows "
                 "(the column \"model / oracle\")")
        return
    if three is not None and np.allclose(got.to_numpy(), three.to_numpy(), atol=0.01):
        c.expect(False, ok="", hint="the ratios of panel 0 are those of the 3-month target; "
                 "call leakage_replicates with horizon 1")
        return
    c.expect(np.allclose(got, want, atol=0.01), ok="the ratios of panel 0 (seed 0) are right",
             hint="the ratios of panel 0 are off: use leakage_replicates(1, ...) on seeds 0 to 4, "
             "with the oracle `expected` and the schemes of the chapter")
    rows, blocks, wf = (ratio1[s].astype(float) for s in SCHEMES_1M)
    over, leak, more = (rows - wf).mean(), (rows - blocks).mean(), (blocks - wf).mean()
    got_over, got_leak = c.number("overstatement_1m"), c.number("leakage_1m")
    if abs(got_over + over) < 1e-6:
        hint = "`overstatement_1m` has the wrong sign: shuffled rows minus walk-forward"
    elif abs(got_over - 100 * over) < 1e-4:
        hint = "`overstatement_1m` looks like a percentage; keep it in units of the oracle's IC"
    else:
        hint = ("`overstatement_1m` should be the mean over the panels of the ratio of shuffled KFold (rows) "
                "minus that of WalkForwardSplit, from your `ratio1`")
    c.close("overstatement_1m", over, atol=1e-6, ok="`overstatement_1m` is right", hint=hint)
    if abs(got_leak - more) < 1e-6:
        hint = ("`leakage_1m` is date blocks minus walk-forward: that part is training on more and later "
                "dates; leakage is shuffled rows minus date blocks")
    elif abs(got_leak + leak) < 1e-6:
        hint = "`leakage_1m` has the wrong sign: shuffled rows minus date blocks"
    else:
        hint = "`leakage_1m` should be the mean over the panels of shuffled rows minus date blocks"
    c.close("leakage_1m", leak, atol=1e-6, ok="`leakage_1m` is right", hint=hint)
    decomposition = c.ns.get("decomposition")
    if isinstance(decomposition, pd.DataFrame) and "total: shuffled rows vs walk-forward" in decomposition.index:
        total3 = float(decomposition.loc["total: shuffled rows vs walk-forward", "mean"])
        c.expect(over < total3, ok=f"smaller than the 3-month overstatement ({total3:.2f})",
                 hint="with the right data the one-month overstatement is the smaller one")


# -- wf-ex-rolling ----------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def _window_ics(seed: int) -> dict:
    """Mean IC of OLS (numpy least squares) with an expanding and a 60-month window."""
    from threadpoolctl import threadpool_limits

    import helpers

    with threadpool_limits(1):  # small least-squares fits: one BLAS thread is fastest
        return _window_ics_on(helpers.simulate_panel(240, 200, seed=seed))


def _window_ics_on(panel) -> dict:
    import helpers

    Z = helpers.CrossSectionalStandardizer(nan_policy="fill").fit_transform(panel.X)
    A = np.column_stack([np.ones(len(Z)), Z.to_numpy()])
    y = panel.y.to_numpy()
    out = {}
    for name, window in [("expanding", None), ("rolling", 60)]:
        ics = []
        for train, test in helpers.WalkForwardSplit(5, max_train_size=window).split(Z):
            coef = np.linalg.lstsq(A[train], y[train], rcond=None)[0]
            forecast = pd.Series(A[test] @ coef, index=Z.index[test])
            ics.append(_mean_ic(panel.y.iloc[test], forecast))
        out[name] = float(np.mean(ics))
    return out


@exercise("wf-ex-rolling", stores=["window_ic"])
def rolling(c):
    table = c.value("window_ic", pd.DataFrame)
    missing = [s for s in ("expanding", "rolling") if s not in table.columns]
    if missing:
        c.expect(False, ok="", hint=f"`window_ic` needs the columns `expanding` and `rolling`; missing: "
                 f"{', '.join(missing)}")
        return
    if len(table) != 10:
        c.expect(False, ok="", hint=f"`window_ic` should have one row per panel, ten in all (seeds 0 to 9); "
                 f"it has {len(table)}")
        return
    ok = True
    for position in (0, 9):
        ref = _window_ics(position)
        got = table.iloc[position][["expanding", "rolling"]].astype(float)
        if np.isclose(got["expanding"], ref["rolling"], atol=1e-4) and np.isclose(
            got["rolling"], ref["expanding"], atol=1e-4
        ):
            c.expect(False, ok="", hint="the two columns of `window_ic` look swapped: "
                     "`max_train_size=60` is the rolling window")
            return
        ok &= c.expect(
            np.allclose(got, [ref["expanding"], ref["rolling"]], atol=1e-4),
            ok=f"the mean ICs of panel {position} (seed {position}) are right",
            hint=f"the mean ICs of panel {position} (seed {position}) are off: standardise each panel per "
            "date (nan_policy=\"fill\"), fit LinearRegression to the one-month return on the 5 walk-forward "
            "folds, and average the per-date ICs of each test block, then the folds",
        )
    if ok:
        gain = table["expanding"].astype(float) - table["rolling"].astype(float)
        c.expect(True, ok=f"expanding minus rolling: {gain.mean():+.4f} ± {gain.sem():.4f} over the panels "
                 "(mean ± s.e.): judge the edge by its standard error", hint="")
