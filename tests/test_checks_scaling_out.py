"""The exercise checks of the appendix "Scaling out": right answers pass, wrong ones fail with their hint.

The checks read the appendix's ``tree_model``, ``X_test``, ``y_test``,
``panel_X``, ``panel_y`` and ``by_rows``; here they get small stand-ins. Right
answers are computed by other routes than the checks' (threads instead of one
process, per-year pieces, Dask partitions); no cluster is needed.
"""

from __future__ import annotations

import dask.dataframe as dd
import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.tree import DecisionTreeRegressor

import helpers
from helpers.exercises import run_checks


def _text(result):
    return " ".join(text for _, text in result.lines)


@pytest.fixture(scope="module")
def ns():
    sim = helpers.simulate_panel(n_dates=30, n_assets=60, seed=2)
    model = DecisionTreeRegressor(max_depth=3, random_state=0).fit(sim.X.fillna(0.0), sim.y)
    X = sim.latent[["momentum", "value", "size"]]
    long = X.assign(ret=sim.y).reset_index("asset")
    dates = long.index
    cut = int(np.flatnonzero(dates == dates.unique()[3]).mean())
    by_rows = dd.from_map(lambda piece: piece, [long.iloc[:cut], long.iloc[cut:]])
    return {"tree_model": model, "X_test": sim.X.fillna(0.0), "y_test": sim.y,
            "panel_X": X, "panel_y": sim.y, "by_rows": by_rows}


def test_perm(ns):
    def imp(**kw):
        params = dict(n_repeats=3, random_state=0) | kw
        return helpers.permutation_importance_panel(ns["tree_model"], ns["X_test"], ns["y_test"], **params)

    with joblib.parallel_config(backend="threading"):
        right = imp(n_jobs=2)
    assert run_checks("scale-ex-perm", {**ns, "imp_dask": right}).passed
    result = run_checks("scale-ex-perm", {**ns, "imp_dask": imp(random_state=1)})
    assert not result.passed and "random_state=0" in _text(result)
    result = run_checks("scale-ex-perm", {**ns, "imp_dask": imp(within="all")})
    assert not result.passed and "within='all'" in _text(result)
    result = run_checks("scale-ex-perm", {**ns, "imp_dask": imp(n_repeats=2)})
    assert not result.passed and "n_repeats=3" in _text(result)
    result = run_checks("scale-ex-perm", {**ns, "imp_dask": imp().importances_mean})
    assert not result.passed and "Bunch" in _text(result)
    result = run_checks("scale-ex-perm", ns)
    assert not result.passed and "store your answer in `imp_dask`" in _text(result)


def _per_year(ns, years=None, **kw):
    X, y = ns["panel_X"], ns["panel_y"]
    year = X.index.get_level_values("date").year
    keep = np.unique(year) if years is None else years
    parts = [helpers.fama_macbeth(X[year == v], y[year == v]).lambdas for v in keep]
    return helpers.fama_macbeth_from_lambdas(pd.concat(parts), **kw)


def test_years(ns):
    # the reference by hand: mean of the per-date estimates, Newey-West(3) with T(T-1)
    right = _per_year(ns, nw_lags=3)
    assert run_checks("scale-ex-years", {**ns, "fm_years": right}).passed
    lam = right.lambdas.to_numpy()
    e = lam - lam.mean(axis=0)
    T = len(e)
    s = e.T @ e + sum((1 - j / 4) * (e[j:].T @ e[:-j] + e[:-j].T @ e[j:]) for j in range(1, 4))
    np.testing.assert_allclose(right.std_errors, np.sqrt(np.diag(s) / (T * (T - 1))), rtol=1e-12)
    result = run_checks("scale-ex-years", {**ns, "fm_years": _per_year(ns)})
    assert not result.passed and "nw_lags=3" in _text(result)
    first_year = np.unique(ns["panel_X"].index.get_level_values("date").year)[:1]
    result = run_checks("scale-ex-years", {**ns, "fm_years": _per_year(ns, first_year, nw_lags=3)})
    assert not result.passed and "concatenate the lambdas of every year" in _text(result)
    result = run_checks("scale-ex-years", {**ns, "fm_years": right.premia})
    assert not result.passed and "FamaMacBethResults" in _text(result)
    assert not run_checks("scale-ex-years", ns).passed


def test_split(ns):
    repaired = ns["by_rows"].reset_index().set_index("date")
    right = helpers.fama_macbeth_dask(repaired, "ret")
    assert run_checks("scale-ex-split", {**ns, "fm_repaired": right}).passed
    wrong = helpers.fama_macbeth_dask(repaired, "ret", x=["momentum", "value"])
    result = run_checks("scale-ex-split", {**ns, "fm_repaired": wrong})
    assert not result.passed and "repartition `by_rows`" in _text(result)
    assert not run_checks("scale-ex-split", ns).passed
