"""Checks of the appendix "Scaling out" (book/scaling_out.ipynb).

The file is named ``ch_*`` so that the package's discovery (modules whose
name starts with ``ch``) finds it; the appendix has no chapter number.

The checks read the objects that the appendix's NON-solution cells define
(``tree_model``, ``X_test``, ``y_test``; ``panel_X``, ``panel_y``; ``by_rows``)
and compute every reference in this process with pandas, never on the cluster
and never from the student's objects.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.exercises import exercise


def _fm_reference(c, nw_lags):
    import helpers

    return helpers.fama_macbeth(c.value("panel_X"), c.value("panel_y"), nw_lags=nw_lags)


def _is_fm(c, name):
    import helpers

    got = c.value(name)
    if not isinstance(got, helpers.FamaMacBethResults):
        c.expect(False, ok="", hint=f"`{name}` should be the FamaMacBethResults that "
                 f"fama_macbeth_from_lambdas / fama_macbeth_dask return; it is a {type(got).__name__}")
        return None
    return got


# -- scale-ex-perm -----------------------------------------------------------------
@exercise("scale-ex-perm", stores=["imp_dask"])
def perm(c):
    import helpers

    got = c.value("imp_dask")
    table = getattr(got, "importances", None)
    if not isinstance(table, pd.DataFrame):
        c.expect(False, ok="", hint="`imp_dask` should be what permutation_importance_panel returns "
                 "(a Bunch with `importances`)")
        return
    model, X, y = c.value("tree_model"), c.value("X_test"), c.value("y_test")
    if table.shape != (X.shape[1], 3):
        c.expect(False, ok="", hint=f"`imp_dask.importances` has the shape {table.shape}; with "
                 f"n_repeats=3 on X_test it has one row per characteristic and 3 columns")
        return
    ref = helpers.permutation_importance_panel(model, X, y, n_repeats=3, random_state=0, n_jobs=1)
    if np.allclose(table.to_numpy(), ref.importances.to_numpy(), rtol=0, atol=1e-12):
        c.expect(True, ok="the importances are those of a local run with the same seed", hint="")
        return
    all_rows = helpers.permutation_importance_panel(model, X, y, n_repeats=3, random_state=0,
                                                    within="all")
    if np.allclose(table.to_numpy(), all_rows.importances.to_numpy(), rtol=0, atol=1e-12):
        c.expect(False, ok="", hint="these are whole-column shuffles (within='all'); keep the default, "
                 "within each date")
        return
    c.expect(False, ok="", hint="the importances differ from a local run: use tree_model on X_test "
             "and y_test, n_repeats=3 and random_state=0 (the seed decides the permutations)")


# -- scale-ex-years ----------------------------------------------------------------
@exercise("scale-ex-years", stores=["fm_years"])
def years(c):
    got = _is_fm(c, "fm_years")
    if got is None:
        return
    ref = _fm_reference(c, nw_lags=3)
    if got.n_dates != ref.n_dates:
        c.expect(False, ok="", hint=f"`fm_years` uses {got.n_dates} dates, the panel has {ref.n_dates}: "
                 "concatenate the lambdas of every year before the second pass")
        return
    if not got.premia.index.equals(ref.premia.index):
        c.expect(False, ok="", hint=f"`fm_years` has the parameters {list(got.premia.index)}; "
                 f"use all the characteristics of panel_X: {list(ref.premia.index)}")
        return
    c.expect(np.allclose(got.premia, ref.premia, rtol=0, atol=1e-12),
             ok="the premia equal the full-sample ones",
             hint="the premia differ from fama_macbeth on the whole panel: use each year's `.lambdas`, "
                  "all of them, and finish once")
    if np.allclose(got.std_errors, ref.std_errors, rtol=1e-10, atol=0):
        c.expect(True, ok="the Newey–West standard errors equal the full-sample ones", hint="")
    elif np.allclose(got.std_errors, _fm_reference(c, nw_lags=None).std_errors, rtol=1e-10, atol=0):
        c.expect(False, ok="", hint="these are plain standard errors: pass nw_lags=3 to "
                 "fama_macbeth_from_lambdas")
    else:
        c.expect(False, ok="", hint="the standard errors differ from the full-sample Newey–West ones "
                 "(nw_lags=3): is every date there once, in any order?")


# -- scale-ex-split ----------------------------------------------------------------
@exercise("scale-ex-split", stores=["fm_repaired"])
def split(c):
    got = _is_fm(c, "fm_repaired")
    if got is None:
        return
    ref = _fm_reference(c, nw_lags=None)
    same = (got.n_dates == ref.n_dates
            and got.premia.index.equals(ref.premia.index)
            and np.allclose(got.premia, ref.premia, rtol=0, atol=1e-12)
            and np.allclose(got.std_errors, ref.std_errors, rtol=1e-10, atol=0))
    c.expect(same, ok="the repaired partitions give the pandas result",
             hint="`fm_repaired` differs from Fama–MacBeth on the pandas panel (plain standard errors): "
                  "repartition `by_rows` by its date index and run helpers.fama_macbeth_dask on it")
