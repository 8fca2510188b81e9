"""The checks of chapter 5's exercises: right answers pass, wrong ones fail with their hint."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

import helpers
from helpers.exercises import run_checks

SCHEMES = ["shuffled KFold (rows)", "KFold (date blocks)", "WalkForwardSplit, no gap"]


def text(result):
    return "\n".join(line for _, line in result.lines)


def per_date_ic(y, forecast):
    # Mean over dates of the Spearman correlation: Pearson correlation of within-date ranks.
    ranks = pd.DataFrame({"y": y, "f": forecast}, index=y.index).groupby(level="date").rank()
    centred = ranks - ranks.groupby(level="date").transform("mean")
    cov = (centred["y"] * centred["f"]).groupby(level="date").sum()
    sd = (centred**2).groupby(level="date").sum()
    return float((cov / np.sqrt(sd["y"] * sd["f"])).mean())


def test_per_date_ic_agrees_with_scipy():
    idx = pd.MultiIndex.from_product([pd.date_range("2000-01-31", periods=3, freq="ME"), range(20)],
                                     names=["date", "asset"])
    rng = np.random.default_rng(0)
    y, f = pd.Series(rng.standard_normal(60), index=idx), rng.standard_normal(60)
    by_scipy = np.mean([spearmanr(y.iloc[k:k + 20], f[k:k + 20]).statistic for k in (0, 20, 40)])
    assert np.isclose(per_date_ic(y, f), by_scipy)


# -- wf-ex-sizes ------------------------------------------------------------------
def test_sizes_right_answer_from_the_splitter_passes():
    dates = pd.date_range("2000-01-31", periods=240, freq="ME")
    X = pd.DataFrame({"x": 0.0}, index=pd.MultiIndex.from_product([dates, ["a", "b"]], names=["date", "asset"]))
    train, test = helpers.WalkForwardSplit(5, gap=2).split_dates(X)[0]
    result = run_checks("wf-ex-sizes", {"n_test_dates": len(test), "n_train_first": len(train)})
    assert result.passed, result


@pytest.mark.parametrize(
    "answer, hint",
    [
        ({"n_test_dates": 48, "n_train_first": 38}, "divides the dates by `n_splits`"),
        ({"n_test_dates": 40, "n_train_first": 40}, "ignores the gap"),
        ({"n_test_dates": 40, "n_train_first": 198}, "training period of the last fold"),
        ({"n_test_dates": 8000, "n_train_first": 7600}, "not rows"),
    ],
)
def test_sizes_wrong_answers_get_their_hint(answer, hint):
    result = run_checks("wf-ex-sizes", answer)
    assert not result.passed
    assert hint in text(result)


def test_sizes_missing_variable():
    result = run_checks("wf-ex-sizes", {"n_test_dates": 40})
    assert not result.passed
    assert "store your answer in `n_train_first`" in text(result)


# -- wf-ex-one-month --------------------------------------------------------------
@pytest.fixture(scope="module")
def panel0_ratios():
    """Seed 0's three ratios, by another route: date blocks from np.array_split, scipy ICs."""
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.model_selection import KFold
    from threadpoolctl import threadpool_limits

    limits = threadpool_limits(1)  # small fits: one thread is fastest
    panel = helpers.simulate_panel(120, 200, seed=0)
    y = panel.y
    X = helpers.CrossSectionalStandardizer().fit_transform(panel.X)
    dates = X.index.get_level_values("date")
    blocks = np.array_split(np.sort(dates.unique()), 5)
    splits = {
        SCHEMES[0]: list(KFold(5, shuffle=True, random_state=0).split(X)),
        SCHEMES[1]: [(np.flatnonzero(~dates.isin(b)), np.flatnonzero(dates.isin(b))) for b in blocks],
        SCHEMES[2]: list(helpers.WalkForwardSplit(5).split(X)),
    }
    out = {}
    for name, folds in splits.items():
        model_ic, oracle_ic = [], []
        for train, test in folds:
            model = HistGradientBoostingRegressor(
                max_iter=20, learning_rate=0.2, max_leaf_nodes=15, max_bins=64,
                early_stopping=False, random_state=0,
            ).fit(X.iloc[train], y.iloc[train])
            model_ic.append(per_date_ic(y.iloc[test], model.predict(X.iloc[test])))
            oracle_ic.append(per_date_ic(y.iloc[test], panel.expected.iloc[test]))
        out[name] = np.mean(model_ic) / np.mean(oracle_ic)
    limits.restore_original_limits()
    return pd.Series(out)


def one_month_answer(row0, rng_seed=1):
    rng = np.random.default_rng(rng_seed)
    ratio1 = pd.DataFrame(0.5 + 0.1 * rng.standard_normal((5, 3)), index=range(5), columns=SCHEMES)
    ratio1.loc[0] = row0
    over = (ratio1[SCHEMES[0]] - ratio1[SCHEMES[2]]).mean()
    leak = (ratio1[SCHEMES[0]] - ratio1[SCHEMES[1]]).mean()
    more = (ratio1[SCHEMES[1]] - ratio1[SCHEMES[2]]).mean()
    return {"ratio1": ratio1, "overstatement_1m": over, "leakage_1m": leak}, more


def test_one_month_right_answer_passes(panel0_ratios):
    answer, _ = one_month_answer(panel0_ratios.to_numpy())
    result = run_checks("wf-ex-one-month", answer)
    assert result.passed, result


def test_one_month_leakage_confused_with_more_data(panel0_ratios):
    answer, more = one_month_answer(panel0_ratios.to_numpy())
    answer["leakage_1m"] = more
    result = run_checks("wf-ex-one-month", answer)
    assert not result.passed
    assert "training on more and later dates" in text(result)


def test_one_month_wrong_sign(panel0_ratios):
    answer, _ = one_month_answer(panel0_ratios.to_numpy())
    answer["overstatement_1m"] = -answer["overstatement_1m"]
    result = run_checks("wf-ex-one-month", answer)
    assert not result.passed
    assert "`overstatement_1m` has the wrong sign" in text(result)


def test_one_month_three_month_target_is_recognised(panel0_ratios):
    answer, _ = one_month_answer([1.1, 0.6, 0.5])
    reps3 = pd.DataFrame({"seed": 0, "scheme": SCHEMES, "model / oracle": [1.1, 0.6, 0.5]})
    result = run_checks("wf-ex-one-month", answer | {"reps3": reps3})
    assert not result.passed
    assert "3-month target" in text(result)


def test_one_month_wrong_table_fails():
    answer, _ = one_month_answer([0.9, 0.9, 0.9])
    result = run_checks("wf-ex-one-month", answer)
    assert not result.passed
    assert "ratios of panel 0 are off" in text(result)


def test_one_month_missing_column_and_variable():
    answer, _ = one_month_answer([0.6, 0.5, 0.4])
    result = run_checks("wf-ex-one-month", answer | {"ratio1": answer["ratio1"].drop(columns=SCHEMES[1])})
    assert not result.passed and "missing: KFold (date blocks)" in text(result)
    result = run_checks("wf-ex-one-month", {})
    assert not result.passed and "store your answer in `ratio1`" in text(result)


# -- wf-ex-rolling ----------------------------------------------------------------
def window_ics(seed):
    """Seed `seed` by another route: sklearn's LinearRegression and scipy's Spearman."""
    from sklearn.linear_model import LinearRegression

    panel = helpers.simulate_panel(240, 200, seed=seed)
    Z = helpers.CrossSectionalStandardizer(nan_policy="fill").fit_transform(panel.X)
    out = {}
    for name, window in [("expanding", None), ("rolling", 60)]:
        ics = []
        for train, test in helpers.WalkForwardSplit(5, max_train_size=window).split(Z):
            model = LinearRegression().fit(Z.iloc[train], panel.y.iloc[train])
            ics.append(per_date_ic(panel.y.iloc[test], model.predict(Z.iloc[test])))
        out[name] = np.mean(ics)
    return out


@pytest.fixture(scope="module")
def window_table():
    from threadpoolctl import threadpool_limits

    table = pd.DataFrame({"expanding": np.linspace(0.05, 0.07, 10), "rolling": 0.06})
    with threadpool_limits(1):  # small fits: one thread is fastest
        for seed in (0, 9):
            table.loc[seed] = pd.Series(window_ics(seed))
    return table


def test_rolling_right_answer_passes(window_table):
    result = run_checks("wf-ex-rolling", {"window_ic": window_table})
    assert result.passed, result


def test_rolling_swapped_columns(window_table):
    swapped = window_table.rename(columns={"expanding": "rolling", "rolling": "expanding"})
    result = run_checks("wf-ex-rolling", {"window_ic": swapped})
    assert not result.passed
    assert "look swapped" in text(result)


def test_rolling_wrong_values_and_shape(window_table):
    result = run_checks("wf-ex-rolling", {"window_ic": window_table + 0.01})
    assert not result.passed and "mean ICs of panel 0 (seed 0) are off" in text(result)
    result = run_checks("wf-ex-rolling", {"window_ic": window_table.iloc[:5]})
    assert not result.passed and "ten in all" in text(result)
    result = run_checks("wf-ex-rolling", {"window_ic": [0.06, 0.05]})
    assert not result.passed and "should be a DataFrame" in text(result)
    result = run_checks("wf-ex-rolling", {})
    assert not result.passed and "store your answer in `window_ic`" in text(result)
