"""The checks of chapter 7's exercises: right answers pass, wrong ones fail with their hint.

The checks read models the chapter fits (gbm_wf, gbm_c, hgb); here smaller,
faster models take their place, which the checks accept: they recompute their
references from whatever model the notebook holds.
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.inspection import partial_dependence
from sklearn.linear_model import LinearRegression
from threadpoolctl import threadpool_limits

import helpers
from helpers.exercises import run_checks


def text(result):
    return "\n".join(line for _, line in result.lines)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    with threadpool_limits(1):
        yield


# -- fi-ex-loading --------------------------------------------------------------------
def test_loading_right_answer_passes():
    b = 0.30  # % a month
    answer = {"dmse_same": 2 * b * b, "dmse_zero": 0.0, "dmse_flipped": -2 * b * b}
    assert run_checks("fi-ex-loading", answer).passed


@pytest.mark.parametrize(
    "answer, hint",
    [
        ({"dmse_same": 0.18e-4, "dmse_zero": 0.0, "dmse_flipped": -0.18e-4}, "decimals squared"),
        ({"dmse_same": 0.09, "dmse_zero": 0.0, "dmse_flipped": -0.09}, "half the answer"),
        ({"dmse_same": 0.18, "dmse_zero": 0.0, "dmse_flipped": 0.18}, "`dmse_flipped` has the wrong sign"),
        ({"dmse_same": 0.18, "dmse_zero": 0.09, "dmse_flipped": -0.18}, "with λ = 0"),
    ],
)
def test_loading_wrong_answers_get_their_hint(answer, hint):
    result = run_checks("fi-ex-loading", answer)
    assert not result.passed
    assert hint in text(result)


def test_loading_missing_variable():
    result = run_checks("fi-ex-loading", {"dmse_same": 0.18})
    assert not result.passed and "store your answer in `dmse_zero`" in text(result)


# -- the chapter's panel, with fast models in place of its boosting models ----------------
@pytest.fixture(scope="module")
def chapter():
    sim = helpers.simulate_panel(n_dates=120, n_assets=300, seed=0)
    Z = helpers.CrossSectionalStandardizer(nan_policy="fill").fit_transform(sim.X)
    y_rel = sim.y - sim.y.groupby(level="date").transform("mean")
    cv = helpers.WalkForwardSplit(n_splits=4, test_size=20)
    train, test = list(cv.split(Z))[-1]
    gbm_wf = LinearRegression().fit(Z.iloc[train], y_rel.iloc[train])
    rng = np.random.default_rng(7)
    Z_copy = Z.assign(momentum_copy=Z["momentum"] + 0.1 * rng.standard_normal(len(Z)))
    train_c, test_c = next(helpers.WalkForwardSplit(n_splits=1, test_size=40).split(Z))
    gbm_c = HistGradientBoostingRegressor(max_iter=30, max_depth=3, early_stopping=False, random_state=0)
    gbm_c.fit(Z_copy.iloc[train_c], y_rel.iloc[train_c])
    return {"sim": sim, "Z": Z, "cv": cv, "gbm_wf": gbm_wf, "test": test,
            "Z_copy": Z_copy, "gbm_c": gbm_c, "test_c": test_c}


# -- fi-ex-zoo1 -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def zoo1_answer(chapter):
    X, y = chapter["Z"].iloc[chapter["test"]], chapter["sim"].y.iloc[chapter["test"]]
    model = chapter["gbm_wf"]
    pair = helpers.permutation_importance_panel(model, X, y, n_repeats=5, random_state=0,
                                                groups={"both": ["value", "zoo_1"]}).importances_mean
    single = helpers.permutation_importance_panel(model, X, y, n_repeats=5, random_state=0).importances_mean
    return {"imp_value": single["value"], "imp_zoo1": single["zoo_1"], "imp_pair": pair["both"]}


def namespace(chapter, keys):
    return {k: chapter[k] for k in keys}


ZOO1 = ["gbm_wf", "Z", "sim", "cv"]


def test_zoo1_right_answer_passes(chapter, zoo1_answer):
    result = run_checks("fi-ex-zoo1", zoo1_answer | namespace(chapter, ZOO1))
    assert result.passed, result


def test_zoo1_sum_instead_of_group(chapter, zoo1_answer):
    answer = zoo1_answer | {"imp_pair": zoo1_answer["imp_value"] + zoo1_answer["imp_zoo1"]}
    result = run_checks("fi-ex-zoo1", answer | namespace(chapter, ZOO1))
    assert not result.passed and "sum of the two single importances" in text(result)


def test_zoo1_wrong_score_and_missing(chapter, zoo1_answer):
    answer = zoo1_answer | {"imp_value": zoo1_answer["imp_value"] / 1000}
    result = run_checks("fi-ex-zoo1", answer | namespace(chapter, ZOO1))
    assert not result.passed and "not R²" in text(result)
    result = run_checks("fi-ex-zoo1", {"imp_value": 0.0})
    assert not result.passed and "store your answer in `imp_zoo1`" in text(result)


# -- fi-ex-conditional ----------------------------------------------------------------
COND = ["gbm_c", "Z_copy", "sim", "test_c"]


def test_conditional_right_answer_passes(chapter):
    # The solution's route: pandas qcut per date, shuffles with groupby().transform.
    X, y = chapter["Z_copy"].iloc[chapter["test_c"]], chapter["sim"].y.iloc[chapter["test_c"]]
    model = chapter["gbm_c"]
    decile = X.groupby(level="date")["momentum_copy"].transform(lambda s: pd.qcut(s, 10, labels=False))
    cells = [X.index.get_level_values("date"), decile.to_numpy()]
    base = helpers.ic_scorer(model, X, y)
    rng = np.random.default_rng(0)
    drops = []
    for _ in range(5):
        shuffled = X.copy()
        shuffled["momentum"] = X.groupby(cells)["momentum"].transform(lambda s: rng.permutation(s.to_numpy()))
        drops.append(base - helpers.ic_scorer(model, shuffled, y))
    result = run_checks("fi-ex-conditional", {"cond_imp": np.mean(drops)} | namespace(chapter, COND))
    assert result.passed, result


def test_conditional_unconditional_is_recognised(chapter):
    X, y = chapter["Z_copy"].iloc[chapter["test_c"]], chapter["sim"].y.iloc[chapter["test_c"]]
    plain = helpers.permutation_importance_panel(chapter["gbm_c"], X, y, n_repeats=5, random_state=0)
    answer = {"cond_imp": plain.importances_mean["momentum"]}
    result = run_checks("fi-ex-conditional", answer | namespace(chapter, COND))
    assert not result.passed and "looks like the unconditional importance" in text(result)
    result = run_checks("fi-ex-conditional", namespace(chapter, COND))
    assert not result.passed and "store your answer in `cond_imp`" in text(result)


# -- fi-ex-noise ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def noise_setup():
    big = helpers.simulate_panel(n_dates=120, n_assets=200, seed=2)
    Z_big = helpers.CrossSectionalStandardizer(nan_policy="fill").fit_transform(big.X)
    y_rel = big.y - big.y.groupby(level="date").transform("mean")
    train_big, test_big = next(helpers.WalkForwardSplit(n_splits=1, test_size=30).split(Z_big))
    spec = dict(max_iter=50, max_depth=3, learning_rate=0.1, early_stopping=False, random_state=0)
    hgb = HistGradientBoostingRegressor(**spec).fit(Z_big.iloc[train_big], y_rel.iloc[train_big])
    hgb_true = HistGradientBoostingRegressor(**spec).fit(Z_big.iloc[train_big], big.expected.iloc[train_big])
    background = Z_big.iloc[test_big].sample(300, random_state=0)

    def rise(model):
        pdv = partial_dependence(model, background, ["volatility"],
                                 custom_values={"volatility": np.linspace(-2, 2, 21)})["average"][0]
        return 100 * (pdv[10] - pdv[0])

    ns = {"big": big, "train_big": train_big, "hgb": hgb, "background": background}
    share = (1.0 - rise(hgb_true)) / (1.0 - rise(hgb))
    answer = {"hgb_true": hgb_true, "rise_noise_free": rise(hgb_true), "noise_free_share": share}
    return ns, answer, rise(hgb)


def test_noise_right_answer_passes(noise_setup):
    ns, answer, _ = noise_setup
    result = run_checks("fi-ex-noise", answer | ns)
    assert result.passed, result


def test_noise_wrong_answers_get_their_hint(noise_setup):
    ns, answer, rise_returns = noise_setup
    result = run_checks("fi-ex-noise", answer | ns | {"rise_noise_free": answer["rise_noise_free"] / 100})
    assert not result.passed and "is in decimals" in text(result)
    result = run_checks("fi-ex-noise", answer | ns | {"rise_noise_free": rise_returns})
    assert not result.passed and "rise of the model fitted to returns" in text(result)
    result = run_checks("fi-ex-noise", answer | ns | {"hgb_true": ns["hgb"]})
    assert not result.passed and "no better than `hgb`" in text(result)
    result = run_checks("fi-ex-noise", answer | ns | {"noise_free_share": 100 * answer["noise_free_share"]})
    assert not result.passed and "looks like a percentage" in text(result)
    result = run_checks("fi-ex-noise", ns)
    assert not result.passed and "store your answer in `hgb_true`" in text(result)
