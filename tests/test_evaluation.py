"""Tests for helpers.evaluate_walk_forward against a plain loop over the folds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.model_selection import KFold, TimeSeriesSplit
from sklearn.pipeline import make_pipeline

import helpers


@pytest.fixture(scope="module")
def sim():
    return helpers.simulate_panel(n_dates=60, n_assets=120, seed=2)


def _models():
    return {
        "OLS": LinearRegression(),
        "Ridge": make_pipeline(helpers.CrossSectionalStandardizer(), Ridge(alpha=10.0)),
    }


def test_scores_equal_a_plain_loop(sim):
    X, y = sim.latent, sim.y
    cv = helpers.WalkForwardSplit(4, gap=1)
    res = helpers.evaluate_walk_forward(_models(), X, y, cv=cv, oracle=sim.expected)
    assert res.models == ["OLS", "Ridge", "oracle"]
    for fold, (train, test) in enumerate(cv.split(X), start=1):
        model = LinearRegression().fit(X.iloc[train], y.iloc[train])
        pred = model.predict(X.iloc[test])
        yt = y.iloc[test].to_numpy()
        got = res.scores[(res.scores["model"] == "OLS") & (res.scores["fold"] == fold)]
        got = got.set_index("metric")["value"]
        assert got["mse"] == pytest.approx(np.mean((yt - pred) ** 2), rel=1e-12)
        assert got["oos_r2"] == pytest.approx(1 - np.sum((yt - pred) ** 2) / np.sum(yt**2), rel=1e-12)
        ic = helpers.information_coefficient(y.iloc[test], pd.Series(pred, index=y.index[test]))
        assert got["mean_ic"] == pytest.approx(ic.mean(), rel=1e-12)
        assert got["fit_time"] > 0
        np.testing.assert_allclose(res.predictions.loc[y.index[test], "OLS"], pred, rtol=1e-12)
    # the oracle's forecasts are the truth on the test rows, never fitted
    np.testing.assert_array_equal(res.predictions["oracle"], sim.expected.loc[res.predictions.index])
    assert res.fold_scores("fit_time")["oracle"].isna().all()
    assert len(res.scores) == 3 * 4 * 5  # models x folds x metrics
    assert res.folds["n_test_rows"].sum() == len(res.predictions)


def test_summary_pools_all_test_rows(sim):
    res = helpers.evaluate_walk_forward(_models(), sim.latent, sim.y, cv=helpers.WalkForwardSplit(3))
    summary = res.summary(nw_lags=2)
    pred, y = res.predictions["Ridge"], res.y
    assert summary.loc["Ridge", "oos_r2"] == pytest.approx(helpers.oos_r2(y, pred), rel=1e-12)
    ic = helpers.information_coefficient(y, pred)
    pd.testing.assert_series_equal(res.ic["Ridge"], ic, check_names=False)
    s = helpers.ic_summary(ic, nw_lags=2)
    assert summary.loc["Ridge", "ic_t_stat"] == pytest.approx(s["t_stat"], rel=1e-12)
    fit = res.fold_scores("fit_time")["Ridge"].sum()
    assert summary.loc["Ridge", "fit_time"] == pytest.approx(fit)
    test = res.compare("Ridge", "OLS", nw_lags=2)
    direct = helpers.ic_difference_test(res.ic["Ridge"], res.ic["OLS"], nw_lags=2)
    assert test == direct


def test_models_are_cloned_not_fitted(sim):
    models = _models()
    helpers.evaluate_walk_forward(models, sim.latent, sim.y, cv=helpers.WalkForwardSplit(2))
    assert not hasattr(models["OLS"], "coef_")


def test_row_based_splitters_work_for_comparison(sim):
    res = helpers.evaluate_walk_forward({"OLS": LinearRegression()}, sim.latent, sim.y,
                                        cv=TimeSeriesSplit(3))
    assert len(res.fold_scores()) == 3


def test_bad_inputs(sim):
    X, y = sim.latent, sim.y
    cv = helpers.WalkForwardSplit(2)
    with pytest.raises(TypeError, match="non-empty dict"):
        helpers.evaluate_walk_forward([LinearRegression()], X, y, cv=cv)
    with pytest.raises(TypeError, match="fit and predict"):
        helpers.evaluate_walk_forward({"x": 3}, X, y, cv=cv)
    with pytest.raises(ValueError, match="named 'oracle'"):
        helpers.evaluate_walk_forward({"oracle": LinearRegression()}, X, y, cv=cv,
                                      oracle=sim.expected)
    with pytest.raises(ValueError, match="same \\(date, asset\\) index"):
        helpers.evaluate_walk_forward({"OLS": LinearRegression()}, X, y.iloc[1:], cv=cv)
    y_nan = y.copy()
    y_nan.iloc[:3] = np.nan
    with pytest.raises(ValueError, match="3 missing values"):
        helpers.evaluate_walk_forward({"OLS": LinearRegression()}, X, y_nan, cv=cv)
    with pytest.raises(ValueError, match="must not overlap"):
        from sklearn.model_selection import ShuffleSplit

        helpers.evaluate_walk_forward({"OLS": LinearRegression()}, X, y,
                                      cv=ShuffleSplit(3, random_state=0))
    with pytest.raises(TypeError, match="split method"):
        helpers.evaluate_walk_forward({"OLS": LinearRegression()}, X, y, cv=5)
    with pytest.raises(TypeError, match="indexed by \\(date, asset\\)"):
        helpers.evaluate_walk_forward({"OLS": LinearRegression()}, X.reset_index(drop=True), y,
                                      cv=KFold(2))
    res = helpers.evaluate_walk_forward({"OLS": LinearRegression()}, X, y, cv=cv)
    with pytest.raises(KeyError, match="No model named"):
        res.compare("OLS", "RF")
    with pytest.raises(ValueError, match="metric must be one of"):
        res.fold_scores("accuracy")


def test_a_constant_forecast_is_scored_without_failing(sim):
    """The prevailing mean ranks nothing: NaN IC, but its MSE and R^2 are reported."""
    from sklearn.dummy import DummyRegressor

    res = helpers.evaluate_walk_forward({"mean": DummyRegressor(), "OLS": LinearRegression()},
                                        sim.latent, sim.y, cv=helpers.WalkForwardSplit(3))
    summary = res.summary()
    assert np.isnan(summary.loc["mean", "mean_ic"]) and np.isnan(summary.loc["mean", "ic_t_stat"])
    assert summary.loc["mean", "oos_r2"] == pytest.approx(
        helpers.oos_r2(res.y, res.predictions["mean"]), rel=1e-12)
    assert np.isfinite(summary.loc["OLS", "mean_ic"])
