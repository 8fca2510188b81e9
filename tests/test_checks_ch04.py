"""Checks of chapter 4's exercises: wrong answers fail with their hint, right ones pass."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline

import helpers
from helpers.exercises import run_checks

LABELS = ["pipe-ex-average", "pipe-ex-trees", "pipe-ex-invariance", "pipe-ex-pipeline", "pipe-ex-history"]


def hints(result):
    return " | ".join(text for ok, text in result.lines if not ok)


@pytest.fixture(scope="module")
def sim():
    return helpers.simulate_panel(n_dates=240, n_assets=500, seed=0)


@pytest.mark.parametrize("label", LABELS)
def test_missing_answer_asks_to_store_it(label):
    result = run_checks(label, {})
    assert not result.passed
    assert "store your answer in" in hints(result)


def test_average_right_by_hand_and_sample_sd():
    v = np.array([1.0, 2.0, 3.0, 4.0, 10.0])
    right = {
        "z_median": (3 - v.mean()) / np.sqrt(((v - v.mean()) ** 2).mean()),
        "rank_median": -1 + 2 * (3 - 1) / (5 - 1),  # rank 3 of 5 mapped to [-1, 1]
        "gauss_median": stats.norm.ppf((3 - 0.5) / 5),
        "fill_zscore": 0.0,
        "fill_rank": 0.0,
    }
    assert run_checks("pipe-ex-average", right).passed
    sample_sd = dict(right, z_median=(3 - v.mean()) / v.std(ddof=1))
    assert "ddof=1" in hints(run_checks("pipe-ex-average", sample_sd))
    percentile = dict(right, rank_median=0.5, fill_rank=np.nan)
    result = run_checks("pipe-ex-average", percentile)
    assert "mapped to [-1, 1]" in hints(result)
    assert 'nan_policy="fill"' in hints(result)


def test_trees_unchanged_method_and_chapter_table():
    ics = pd.DataFrame({"per-date z-score + boosting": [0.049, 0.05]})
    right = pd.Series({"zscore": 0.049, "rank": 0.0485, "gauss_rank": 0.0492})
    assert run_checks("pipe-ex-trees", {"tree_ic": right, "ics": ics}).passed
    same = pd.Series({"zscore": 0.049, "rank": 0.049, "gauss_rank": 0.049})
    result = run_checks("pipe-ex-trees", {"tree_ic": same, "ics": ics})
    assert not result.passed
    assert "did the method reach" in hints(result)
    other_panel = run_checks("pipe-ex-trees", {"tree_ic": right + 0.01, "ics": ics})
    assert "use panels[0]" in hints(other_panel)
    assert "run the chapter's cells" in hints(run_checks("pipe-ex-trees", {"tree_ic": right}))


def _fm_by_hand(X, y):
    # Independent route: numpy least squares at each date, slopes averaged.
    slopes = []
    for _, g in X.join(y).dropna().groupby(level="date"):
        A = np.column_stack([np.ones(len(g)), g[X.columns].to_numpy()])
        slopes.append(np.linalg.lstsq(A, g[y.name].to_numpy(), rcond=None)[0])
    return pd.Series(np.mean(slopes, axis=0), index=["const", *X.columns])


def test_invariance_right_and_rowwise_noise(sim):
    X, y = sim.X, sim.y
    dates = X.index.get_level_values("date")
    rng = np.random.default_rng(5)
    per_date = pd.Series(rng.normal(0, 3, dates.nunique()), index=dates.unique()).reindex(dates).to_numpy()
    scale = pd.Series(rng.uniform(1, 3, dates.nunique()), index=dates.unique()).reindex(dates).to_numpy()
    right = {
        "premia_raw": _fm_by_hand(X, y),
        "premia_shifted": _fm_by_hand(X.assign(size=X["size"] + per_date), y),
        "premia_scaled": _fm_by_hand(X.assign(size=X["size"] * scale), y),
    }
    assert run_checks("pipe-ex-invariance", right).passed
    noisy = X.assign(size=X["size"] + rng.normal(0, 1, len(X)))  # a constant per row, not per date
    wrong = dict(right, premia_shifted=_fm_by_hand(noisy, y))
    result = run_checks("pipe-ex-invariance", wrong)
    assert not result.passed
    assert "not one constant per date" in hints(result)
    on_z = helpers.fama_macbeth(helpers.CrossSectionalStandardizer().fit_transform(X), y).premia
    assert "not on z-scores" in hints(run_checks("pipe-ex-invariance", dict(right, premia_raw=on_z)))


def test_pipeline_right_and_wrong_order(sim):
    X, y = sim.X, sim.y
    pipe = make_pipeline(SimpleImputer(), helpers.CrossSectionalStandardizer(), Ridge())
    pipe.set_output(transform="pandas").fit(X, y)
    assert run_checks("pipe-ex-pipeline", {"default_error": TypeError("no dates"), "pipe": pipe}).passed
    reversed_order = make_pipeline(helpers.CrossSectionalStandardizer(), SimpleImputer(), Ridge())
    result = run_checks("pipe-ex-pipeline", {"default_error": ValueError("x"), "pipe": reversed_order})
    assert not result.passed
    assert "except ... as error" in hints(result)
    assert "in this order" in hints(result)
    unfitted = make_pipeline(SimpleImputer(), helpers.CrossSectionalStandardizer(), Ridge())
    assert "not fitted yet" in hints(run_checks("pipe-ex-pipeline", {"default_error": TypeError, "pipe": unfitted}))


def test_history_wrong_sign_and_wrong_length():
    from helpers._exercise_checks.ch04_cross_sectional_pipeline import _history_references

    ref = _history_references()["short"]
    right = pd.Series({s: ref.get(s, 0.001) for s in range(20)})
    assert run_checks("pipe-ex-history", {"short_gain": right}).passed
    result = run_checks("pipe-ex-history", {"short_gain": -right})
    assert not result.passed
    assert "wrong sign" in hints(result)
    assert "20 paired gains" in hints(run_checks("pipe-ex-history", {"short_gain": right.iloc[:10]}))
