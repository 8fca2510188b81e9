"""The helpers on a Dask cluster give the results of a single process.

One small LocalCluster for the module: two worker processes on 127.0.0.1, one
thread each, no dashboard (no port beyond the scheduler's and the workers'
on the loopback interface, no network). Every result through Dask is
compared with the same call run locally (n_jobs=1, or pandas).
"""

from __future__ import annotations

import logging

import dask.dataframe as dd
import joblib
import numpy as np
import pandas as pd
import pytest
from distributed import Client, LocalCluster
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.tree import DecisionTreeRegressor

import helpers
from helpers._threads import inner_threads


@pytest.fixture(scope="module")
def client():
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None, silence_logs=logging.ERROR,
        # Without a dashboard the scheduler still serves its health checks over HTTP, by
        # default on port 8787 (taken if another cluster runs): a free loopback port instead.
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
    )
    client = Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def sim():
    return helpers.simulate_panel(n_dates=48, n_assets=80, seed=4)


def _dask_backend():
    return joblib.parallel_config(backend="dask")


def _models():
    ridge = make_pipeline(helpers.CrossSectionalStandardizer(nan_policy="fill"), Ridge(alpha=1.0))
    tree = make_pipeline(helpers.CrossSectionalStandardizer(nan_policy="fill"),
                         DecisionTreeRegressor(max_depth=3, random_state=0))
    return {"ridge": ridge, "tree": tree}


# -- joblib's dask backend reaches scikit-learn and the helpers ------------------------
def test_grid_search_through_dask_equals_local(client, sim):
    grid = {"ridge__alpha": [0.1, 10.0, 1000.0]}
    search = lambda n_jobs: GridSearchCV(  # noqa: E731
        _models()["ridge"], grid, cv=helpers.WalkForwardSplit(3), scoring=helpers.ic_scorer,
        n_jobs=n_jobs,
    ).fit(sim.X, sim.y)
    local = search(1)
    with _dask_backend():
        remote = search(-1)
    np.testing.assert_array_equal(remote.cv_results_["mean_test_score"],
                                  local.cv_results_["mean_test_score"])
    assert remote.best_params_ == local.best_params_


def _without_times(scores):
    return scores[~scores["metric"].isin(["fit_time", "predict_time"])].reset_index(drop=True)


def test_evaluate_walk_forward_through_dask_equals_local(client, sim):
    run = lambda n_jobs: helpers.evaluate_walk_forward(  # noqa: E731
        _models(), sim.X, sim.y, cv=helpers.WalkForwardSplit(4), oracle=sim.expected,
        n_jobs=n_jobs,
    )
    local = run(1)
    with _dask_backend():
        remote = run(2)
    pd.testing.assert_frame_equal(remote.predictions, local.predictions, check_exact=True)
    pd.testing.assert_frame_equal(_without_times(remote.scores), _without_times(local.scores),
                                  check_exact=True)
    pd.testing.assert_frame_equal(remote.ic, local.ic, check_exact=True)
    pd.testing.assert_frame_equal(remote.folds, local.folds)
    assert (remote.scores["metric"] == "fit_time").sum() == 4 * 3


def test_evaluate_walk_forward_n_jobs_with_threads_equals_sequential(sim):
    run = lambda n_jobs: helpers.evaluate_walk_forward(  # noqa: E731
        _models(), sim.X, sim.y, cv=helpers.WalkForwardSplit(3), n_jobs=n_jobs)
    with joblib.parallel_config(backend="threading"):
        threaded = run(2)
    pd.testing.assert_frame_equal(threaded.predictions, run(None).predictions, check_exact=True)


def _fitted_tree(sim):
    return DecisionTreeRegressor(max_depth=4, random_state=0).fit(sim.X, sim.y)


@pytest.mark.parametrize("within", ["date", "all"])
def test_permutation_importance_through_dask_equals_local(client, sim, within):
    model = _fitted_tree(sim)
    groups = {"value & zoo_1": ["value", "zoo_1"]}
    run = lambda n_jobs: helpers.permutation_importance_panel(  # noqa: E731
        model, sim.X, sim.y, n_repeats=3, within=within, groups=groups, random_state=7,
        n_jobs=n_jobs,
    )
    local = run(1)
    with _dask_backend():
        remote = run(2)
    pd.testing.assert_frame_equal(remote.importances, local.importances, check_exact=True)
    assert remote.baseline_score == local.baseline_score


def test_permutation_importance_draws_do_not_depend_on_n_jobs(sim):
    # The reference: one permutation per repeat, drawn in order from one generator and
    # applied by hand (a plain loop, as in a sequential run).
    model = _fitted_tree(sim)
    rng = np.random.default_rng(3)
    dates = sim.X.index.get_level_values("date")
    baseline = helpers.ic_scorer(model, sim.X, sim.y)
    expected = []
    for col in sim.X.columns:
        row = []
        for _ in range(2):
            key = rng.random(len(sim.X))
            shuffled = sim.X.copy()
            values = shuffled[col].to_numpy().copy()
            for d in dates.unique():
                rows = np.flatnonzero(dates == d)
                values[rows] = sim.X[col].to_numpy()[rows[np.argsort(key[rows], kind="stable")]]
            shuffled[col] = values
            row.append(baseline - helpers.ic_scorer(model, shuffled, sim.y))
        expected.append(row)
    with joblib.parallel_config(backend="threading"):
        got = helpers.permutation_importance_panel(model, sim.X, sim.y, n_repeats=2,
                                                   random_state=3, n_jobs=2)
    np.testing.assert_allclose(got.importances.to_numpy(), np.array(expected), rtol=0, atol=1e-12)


# -- Fama-MacBeth by partitions ---------------------------------------------------------
def _long(X, y, name="ret"):
    return X.assign(**{name: y}).reset_index("asset")


def _assert_same_fm(got, ref, tol=1e-12):
    pd.testing.assert_frame_equal(got.lambdas, ref.lambdas, rtol=tol, atol=tol, check_freq=False)
    for attr in ("premia", "std_errors", "tstats"):
        pd.testing.assert_series_equal(getattr(got, attr), getattr(ref, attr), rtol=tol, atol=tol)
    pd.testing.assert_series_equal(got.r2, ref.r2, rtol=1e-9, atol=1e-12, check_freq=False)
    pd.testing.assert_series_equal(got.n_obs, ref.n_obs, check_freq=False)
    pd.testing.assert_series_equal(got.skipped_dates, ref.skipped_dates, check_freq=False)
    assert got.n_missing_rows == ref.n_missing_rows
    assert (got.nw_lags, got.kernel, got.alpha) == (ref.nw_lags, ref.kernel, ref.alpha)


@pytest.mark.parametrize("npartitions", [1, 5])
@pytest.mark.parametrize("nw_lags, alpha", [(None, 0.0), (3, 0.0), ("auto", 2.0)])
def test_fama_macbeth_dask_equals_pandas(client, sim, npartitions, nw_lags, alpha):
    X = sim.latent[["momentum", "value", "size"]]
    ddf = dd.from_pandas(_long(X, sim.y), npartitions=npartitions, sort=True)
    got = helpers.fama_macbeth_dask(ddf, "ret", nw_lags=nw_lags, alpha=alpha)
    _assert_same_fm(got, helpers.fama_macbeth(X, sim.y, nw_lags=nw_lags, alpha=alpha))


def _unbalanced(sim):
    """Assets that enter and leave, NaNs, a date with too few rows, a date with a constant column."""
    rng = np.random.default_rng(11)
    X = sim.latent[["momentum", "value"]].copy()
    keep = rng.random(len(X)) < 0.8
    X, y = X[keep], sim.y[keep].copy()
    X.iloc[rng.integers(0, len(X), 40), 0] = np.nan
    dates = X.index.get_level_values("date").unique()
    few = X.index.get_level_values("date") == dates[5]
    X, y = X[~few | (np.cumsum(few) <= 2)], y[~few | (np.cumsum(few) <= 2)]
    X.loc[X.index.get_level_values("date") == dates[20], "value"] = 1.5
    return X, y


def test_fama_macbeth_dask_unbalanced_with_skipped_dates(client, sim):
    X, y = _unbalanced(sim)
    with pytest.warns(RuntimeWarning, match="skipped 2 of 48 dates") as ref_warning:
        ref = helpers.fama_macbeth(X, y)
    # partitions of unequal sizes built from blocks of whole dates, as a user would
    dates = X.index.get_level_values("date")
    cuts = dates.unique()[[0, 7, 8, 30, 47]]
    ddf = dd.from_pandas(_long(X, y), sort=True, npartitions=1).repartition(divisions=list(cuts))
    assert ddf.npartitions == 4
    with pytest.warns(RuntimeWarning, match="skipped 2 of 48 dates") as dask_warning:
        got = helpers.fama_macbeth_dask(ddf, "ret", x=["momentum", "value"])
    assert str(dask_warning[0].message) == str(ref_warning[0].message)
    _assert_same_fm(got, ref)
    assert got.n_missing_rows == int(X.isna().any(axis=1).sum()) > 0
    assert len(got.skipped_dates) == 2


def test_fama_macbeth_dask_without_a_cluster(sim):
    # The default (threaded) scheduler gives the same results: the cluster is optional.
    X = sim.latent[["momentum", "value"]]
    ddf = dd.from_pandas(_long(X, sim.y), npartitions=3, sort=True)
    _assert_same_fm(helpers.fama_macbeth_dask(ddf, "ret"), helpers.fama_macbeth(X, sim.y))


def test_fama_macbeth_dask_refuses_a_date_split_over_partitions(sim):
    long = _long(sim.latent[["momentum", "value"]], sim.y)
    # partitions cut by rows (as when files are cut by size): the second date straddles two
    dates = long.index
    cut = int(np.flatnonzero(dates == dates.unique()[1]).mean())
    split = dd.from_map(lambda piece: piece, [long.iloc[:cut], long.iloc[cut:]])
    assert dates[cut - 1] == dates[cut]
    with pytest.raises(ValueError, match=r"The date 2000-02-29 is split over the partitions \[0, 1\]"):
        helpers.fama_macbeth_dask(split, "ret")


def test_fama_macbeth_dask_validates_its_inputs(sim):
    long = _long(sim.latent[["momentum", "value"]], sim.y)
    ddf = dd.from_pandas(long, npartitions=2, sort=True)
    with pytest.raises(TypeError, match="dask.dataframe.DataFrame .* helpers.fama_macbeth"):
        helpers.fama_macbeth_dask(long, "ret")
    with pytest.raises(ValueError, match="no column 'permno' \\(the asset column\\)"):
        helpers.fama_macbeth_dask(ddf, "ret", asset="permno")
    with pytest.raises(ValueError, match="no column 'r' \\(the y column\\)"):
        helpers.fama_macbeth_dask(ddf, "r")
    with pytest.raises(ValueError, match="x names columns \\['size'\\]"):
        helpers.fama_macbeth_dask(ddf, "ret", x=["momentum", "size"])
    with pytest.raises(ValueError, match="alpha must be >= 0"):
        helpers.fama_macbeth_dask(ddf, "ret", alpha=-1.0)
    doubled = dd.from_pandas(pd.concat([long, long]).sort_index(), npartitions=2, sort=True)
    with pytest.raises(ValueError, match="duplicate"):
        helpers.fama_macbeth_dask(doubled, "ret")


# -- the second pass from per-date estimates ---------------------------------------------
def test_from_lambdas_equals_fama_macbeth(sim):
    X, y = _unbalanced(sim)
    with pytest.warns(RuntimeWarning):
        ref = helpers.fama_macbeth(X, y, nw_lags=2)
    shuffled = ref.lambdas.sample(frac=1.0, random_state=0)  # gathered in any order
    got = helpers.fama_macbeth_from_lambdas(
        shuffled, r2=ref.r2, n_obs=ref.n_obs, skipped_dates=ref.skipped_dates,
        n_missing_rows=ref.n_missing_rows, nw_lags=2,
    )
    _assert_same_fm(got, ref, tol=0)
    # an independent second pass: the mean and the plain Fama-MacBeth variance by hand
    plain = helpers.fama_macbeth_from_lambdas(shuffled)
    lam = ref.lambdas.to_numpy()
    np.testing.assert_allclose(plain.premia, lam.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(plain.std_errors, lam.std(axis=0, ddof=1) / np.sqrt(len(lam)),
                               rtol=1e-12)
    assert plain.r2.isna().all() and plain.skipped_dates.empty


def test_from_lambdas_validates_its_inputs(sim):
    lam = helpers.fama_macbeth(sim.latent[["momentum"]], sim.y).lambdas
    with pytest.raises(TypeError, match="non-empty DataFrame"):
        helpers.fama_macbeth_from_lambdas(lam.to_numpy())
    with pytest.raises(TypeError, match="empty"):
        helpers.fama_macbeth_from_lambdas(lam.iloc[:0])
    with pytest.raises(ValueError, match="1 rows with a NaN or an infinite value"):
        helpers.fama_macbeth_from_lambdas(lam.where(pd.Series(lam.index != lam.index[3], index=lam.index), axis=0))
    with pytest.raises(ValueError, match="two rows for the date"):
        helpers.fama_macbeth_from_lambdas(pd.concat([lam, lam.iloc[:1]]))
    with pytest.raises(ValueError, match="at least 2 dates"):
        helpers.fama_macbeth_from_lambdas(lam.iloc[:1])


# -- threads do not multiply --------------------------------------------------------------
def test_inner_threads_follow_omp_num_threads(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert inner_threads() == 1
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert inner_threads(cap=1) == 1
    assert 1 <= inner_threads() <= 2


def test_workers_run_one_thread_each(client):
    import os

    env = client.run(lambda: (os.environ.get("OMP_NUM_THREADS"), inner_threads()))
    assert set(env.values()) == {("1", 1)}
