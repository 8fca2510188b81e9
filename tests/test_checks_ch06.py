"""The checks of chapter 6's exercises: right answers pass, wrong ones fail with their hint."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr
from threadpoolctl import threadpool_limits

import helpers
from helpers.exercises import run_checks


def text(result):
    return "\n".join(line for _, line in result.lines)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    with threadpool_limits(1):  # small fits: one thread is fastest on a busy machine
        yield


# -- mc-ex-benchmark --------------------------------------------------------------------
@pytest.fixture(scope="module")
def r2():
    """R² of OLS against zero and the prevailing mean, with scikit-learn's pipeline."""
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline

    ff = helpers.load_french()
    chars = helpers.return_characteristics(ff.portfolios, ff.factors["MktRF"])
    target = helpers.to_panel(helpers.forward_returns(ff.portfolios, 1)).reindex(chars.index)
    keep = chars.notna().all(axis=1) & target.notna()
    X, y = chars[keep], target[keep]
    errors, zero, mean = [], [], []
    for train, test in helpers.WalkForwardSplit(n_splits=5, test_size=120).split(X):
        model = make_pipeline(helpers.CrossSectionalStandardizer(nan_policy="fill"), LinearRegression())
        model.fit(X.iloc[train], y.iloc[train])
        errors.append(y.iloc[test] - model.predict(X.iloc[test]))
        zero.append(y.iloc[test])
        mean.append(y.iloc[test] - y.iloc[train].mean())
    sse = lambda parts: float(sum((p**2).sum() for p in parts))  # noqa: E731
    return 1 - sse(errors) / sse(zero), 1 - sse(errors) / sse(mean)


def test_benchmark_right_answer_passes(r2):
    result = run_checks("mc-ex-benchmark", {"r2_ols_zero": r2[0], "r2_ols_mean": r2[1]})
    assert result.passed, result


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda z, m: {"r2_ols_zero": m, "r2_ols_mean": z}, "look swapped"),
        (lambda z, m: {"r2_ols_zero": z, "r2_ols_mean": 100 * m}, "looks like a percentage"),
        (lambda z, m: {"r2_ols_zero": z, "r2_ols_mean": m + 0.01}, "`r2_ols_mean` is off"),
    ],
)
def test_benchmark_wrong_answers_get_their_hint(r2, wrong, hint):
    result = run_checks("mc-ex-benchmark", wrong(*r2))
    assert not result.passed
    assert hint in text(result)


def test_benchmark_mean_of_the_test_period_is_recognised():
    from helpers._exercise_checks.ch06_model_comparison import _benchmark_r2

    ref = _benchmark_r2()
    result = run_checks("mc-ex-benchmark", {"r2_ols_zero": ref["zero"], "r2_ols_mean": ref["test mean"]})
    assert not result.passed
    assert "nobody knows in advance" in text(result)


def test_benchmark_missing_variable():
    result = run_checks("mc-ex-benchmark", {"r2_ols_zero": 0.01})
    assert not result.passed
    assert "store your answer in `r2_ols_mean`" in text(result)


# -- mc-ex-terms ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def terms():
    """Mean IC of OLS with the two true terms, and of plain OLS, with evaluate_walk_forward."""
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    sim = helpers.simulate_panel(n_dates=150, n_assets=300, seed=0)

    def add_terms(Z):
        return Z.assign(vol2=Z["volatility"] ** 2, mv=Z["momentum"] * Z["volatility"])

    scaler = lambda: helpers.CrossSectionalStandardizer(nan_policy="fill")  # noqa: E731
    models = {
        "plain": make_pipeline(scaler(), LinearRegression()),
        "terms": make_pipeline(scaler(), FunctionTransformer(add_terms), LinearRegression()),
    }
    res = helpers.evaluate_walk_forward(
        models, sim.X, sim.y, cv=helpers.WalkForwardSplit(n_splits=3), oracle=sim.expected
    )
    return res.summary()["mean_ic"]


def test_terms_right_answer_passes(terms):
    answer = {"ic_ols_terms": terms["terms"], "terms_share": terms["terms"] / terms["oracle"]}
    result = run_checks("mc-ex-terms", answer)
    assert result.passed, result


def test_terms_plain_ols_and_wrong_ratio_get_their_hint(terms):
    result = run_checks("mc-ex-terms", {"ic_ols_terms": terms["plain"], "terms_share": 0.6})
    assert not result.passed and "the IC of plain OLS" in text(result)
    answer = {"ic_ols_terms": terms["terms"], "terms_share": terms["oracle"] / terms["terms"]}
    result = run_checks("mc-ex-terms", answer)
    assert not result.passed and "not the other way round" in text(result)
    answer = {"ic_ols_terms": terms["terms"], "terms_share": 100 * terms["terms"] / terms["oracle"]}
    result = run_checks("mc-ex-terms", answer)
    assert not result.passed and "looks like a percentage" in text(result)


def test_terms_missing_variable():
    result = run_checks("mc-ex-terms", {})
    assert not result.passed and "store your answer in `ic_ols_terms`" in text(result)


# -- mc-ex-depth ----------------------------------------------------------------------
DEPTH = ["ic_quadratic_stumps", "ic_quadratic_depth3", "ic_interaction_stumps", "ic_interaction_depth3"]


@pytest.fixture(scope="module")
def depth_answer():
    """The four ICs with evaluate_walk_forward and a pipeline, as the chapter builds them."""
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.pipeline import make_pipeline

    sim = helpers.simulate_panel(n_dates=150, n_assets=300, seed=0)
    models = {
        d: make_pipeline(
            helpers.CrossSectionalStandardizer(nan_policy="keep"),
            HistGradientBoostingRegressor(max_iter=150, learning_rate=0.05, max_depth=d,
                                          min_samples_leaf=200, early_stopping=False, random_state=0),
        )
        for d in (1, 3)
    }
    res = helpers.evaluate_walk_forward(models, sim.X, sim.y, cv=helpers.WalkForwardSplit(n_splits=3))
    parts = sim.components.loc[res.predictions.index]
    ic = {
        (part, d): helpers.information_coefficient(parts[part], res.predictions[d]).mean()
        for part in ("nonlinear", "interaction")
        for d in (1, 3)
    }
    returns = {d: res.summary().loc[d, "mean_ic"] for d in (1, 3)}
    answer = dict(zip(DEPTH, [ic["nonlinear", 1], ic["nonlinear", 3], ic["interaction", 1], ic["interaction", 3]]))
    return answer, returns


def test_depth_right_answer_passes(depth_answer):
    result = run_checks("mc-ex-depth", depth_answer[0])
    assert result.passed, result


def test_depth_swapped_and_returns_get_their_hint(depth_answer):
    answer, returns = depth_answer
    swapped = answer | {"ic_interaction_stumps": answer["ic_interaction_depth3"],
                        "ic_interaction_depth3": answer["ic_interaction_stumps"]}
    result = run_checks("mc-ex-depth", swapped)
    assert not result.passed and "belongs to the other depth" in text(result)
    result = run_checks("mc-ex-depth", answer | {"ic_interaction_stumps": returns[1]})
    assert not result.passed and "is the IC with the returns" in text(result)


def test_depth_missing_variable(depth_answer):
    answer = dict(depth_answer[0])
    del answer["ic_interaction_depth3"]
    result = run_checks("mc-ex-depth", answer)
    assert not result.passed and "store your answer in `ic_interaction_depth3`" in text(result)


# -- mc-ex-rolling --------------------------------------------------------------------
def test_rolling_wrong_answers_get_their_hint():
    from helpers._exercise_checks.ch06_model_comparison import _window_reference

    ref = _window_reference()
    change = ref["rolling"] - ref["expanding"]
    right = {"ols_rolling_gain": change["OLS"].iloc[1:].mean(), "hgb_rolling_gain": change["HGB"].iloc[1:].mean()}
    assert run_checks("mc-ex-rolling", right).passed
    result = run_checks("mc-ex-rolling", right | {"hgb_rolling_gain": -right["hgb_rolling_gain"]})
    assert not result.passed and "`hgb_rolling_gain` has the wrong sign" in text(result)
    result = run_checks("mc-ex-rolling", right | {"ols_rolling_gain": change["OLS"].mean()})
    assert not result.passed and "averages all five decades" in text(result)
    result = run_checks("mc-ex-rolling", {"ols_rolling_gain": 0.0})
    assert not result.passed and "store your answer in `hgb_rolling_gain`" in text(result)


def test_rolling_reference_by_another_route():
    """The rolling HGB of the decade 1977-1987 with evaluate_walk_forward, as the chapter does."""
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.pipeline import make_pipeline

    from helpers._exercise_checks.ch06_model_comparison import _window_reference

    ff = helpers.load_french()
    chars = helpers.return_characteristics(ff.portfolios, ff.factors["MktRF"])
    target = helpers.to_panel(helpers.forward_returns(ff.portfolios, 1)).reindex(chars.index)
    keep = chars.notna().all(axis=1) & target.notna()
    X, y = chars[keep], target[keep]
    train, test = list(helpers.WalkForwardSplit(n_splits=5, test_size=120, max_train_size=240).split(X))[1]
    model = make_pipeline(
        helpers.CrossSectionalStandardizer(nan_policy="keep"),
        HistGradientBoostingRegressor(max_iter=150, learning_rate=0.05, max_depth=3, min_samples_leaf=200,
                                      early_stopping=False, random_state=0),
    ).fit(X.iloc[train], y.iloc[train])
    frame = pd.DataFrame({"y": y.iloc[test], "f": model.predict(X.iloc[test])})
    ic = frame.groupby(level="date").apply(lambda g: spearmanr(g["y"], g["f"]).statistic).mean()
    assert np.isclose(ic, _window_reference()["rolling"]["HGB"].iloc[1])
