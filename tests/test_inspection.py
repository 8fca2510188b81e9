"""Tests for helpers.permutation_importance_panel: within-date shuffles, groups, references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LinearRegression

import helpers
from helpers.inspection import _permutation


def _panel(n_dates=40, n_assets=50, seed=0):
    rng = np.random.default_rng(seed)
    index = pd.MultiIndex.from_product(
        [pd.date_range("2000-01-31", periods=n_dates, freq="ME"), [f"A{i}" for i in range(n_assets)]],
        names=["date", "asset"],
    )
    keep = rng.random(len(index)) < 0.9
    index = index[keep]
    n = len(index)
    a = rng.normal(size=n)
    dates = index.get_level_values("date")
    level = pd.Series(rng.normal(size=n_dates), index=index.levels[0]).reindex(dates).to_numpy()
    X = pd.DataFrame({"a": a, "a_copy": a + 0.01 * rng.normal(size=n), "market": level,
                      "noise": rng.normal(size=n)}, index=index)
    y = pd.Series(0.5 * a + 1.0 * level + rng.normal(size=n), index=index)
    return X, y


def test_within_date_permutation_keeps_each_date_and_mixes_it():
    X, _ = _panel()
    codes = pd.factorize(X.index.get_level_values("date"), sort=True)[0]
    perm = _permutation(codes, "date", np.random.default_rng(0))
    assert sorted(perm) == list(range(len(codes)))  # a permutation
    np.testing.assert_array_equal(codes[perm], codes)  # every row takes a row of its date
    assert (perm != np.arange(len(codes))).mean() > 0.9  # and values do move


def test_within_date_ignores_what_varies_only_over_time():
    """A characteristic constant within each date cannot tell assets apart: zero importance."""
    X, y = _panel()
    model = LinearRegression().fit(X, y)
    kw = dict(scoring="neg_mean_squared_error", n_repeats=5, random_state=0)
    within = helpers.permutation_importance_panel(model, X, y, within="date", **kw)
    whole = helpers.permutation_importance_panel(model, X, y, within="all", **kw)
    assert within.importances_mean["market"] == pytest.approx(0.0, abs=1e-12)
    assert whole.importances_mean["market"] > 0.5
    assert within.importances_mean["a"] > 0.01


def test_importance_equals_a_loop_with_the_same_permutations():
    X, y = _panel(seed=1)
    model = LinearRegression().fit(X, y)
    got = helpers.permutation_importance_panel(model, X, y, n_repeats=3, random_state=7)
    rng = np.random.default_rng(7)
    codes = pd.factorize(X.index.get_level_values("date"), sort=True)[0]
    base = helpers.ic_scorer(model, X, y)
    assert got.baseline_score == pytest.approx(base, rel=1e-12)
    for col in X.columns:
        for r in range(3):
            shuffled = X.copy()
            shuffled[col] = X[col].to_numpy()[_permutation(codes, "date", rng)]
            expected = base - helpers.ic_scorer(model, shuffled, y)
            assert got.importances.loc[col, r] == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_whole_column_agrees_with_sklearn_in_expectation():
    X, y = _panel(seed=2)
    model = LinearRegression().fit(X, y)
    ours = helpers.permutation_importance_panel(model, X, y, scoring="r2", within="all",
                                                n_repeats=30, random_state=0)
    ref = permutation_importance(model, X, y, scoring="r2", n_repeats=30, random_state=0)
    ref_mean = pd.Series(ref.importances_mean, index=X.columns)
    ref_se = pd.Series(ref.importances_std, index=X.columns) / np.sqrt(30)
    se = np.sqrt(ref_se**2 + (ours.importances_std / np.sqrt(30)) ** 2)
    assert (np.abs(ours.importances_mean - ref_mean) <= 4 * se + 1e-12).all()


class _HalfAndHalf(RegressorMixin, BaseEstimator):
    """Splits the weight of a signal between two near-copies, as a tree ensemble often does."""

    def fit(self, X, y):
        return self

    def predict(self, X):
        return 0.25 * X["a"].to_numpy() + 0.25 * X["a_copy"].to_numpy()


def test_groups_shuffle_near_copies_together():
    X, y = _panel(seed=3)
    model = _HalfAndHalf().fit(X, y)
    single = helpers.permutation_importance_panel(model, X, y, n_repeats=5, random_state=0)
    grouped = helpers.permutation_importance_panel(
        model, X, y, n_repeats=5, random_state=0, groups={"a (both)": ["a", "a_copy"]}
    )
    assert list(grouped.importances_mean.index) == ["a (both)", "market", "noise"]
    # each copy alone looks half as important as the signal; shuffled together, all of it
    assert grouped.importances_mean["a (both)"] > 1.5 * single.importances_mean[["a", "a_copy"]].max()
    assert single.importances_mean[["market", "noise"]].abs().max() < 1e-12
    # the columns in a group get one and the same permutation: their correlation survives
    def still_paired(estimator, X, y):
        return float(np.abs(X["a"] - X["a_copy"]).max() < 0.1)

    both = helpers.permutation_importance_panel(
        model, X, y, scoring=still_paired, n_repeats=3, random_state=0,
        groups={"a (both)": ["a", "a_copy"]},
    )
    apart = helpers.permutation_importance_panel(
        model, X, y, scoring=still_paired, n_repeats=3, random_state=0
    )
    assert both.importances_mean["a (both)"] == 0.0
    assert apart.importances_mean["a"] == 1.0


def test_bad_inputs():
    X, y = _panel()
    model = LinearRegression().fit(X, y)
    f = helpers.permutation_importance_panel
    with pytest.raises(ValueError, match="within must be one of"):
        f(model, X, y, within="asset")
    with pytest.raises(ValueError, match="does not have"):
        f(model, X, y, groups={"g": ["a", "zzz"]})
    with pytest.raises(ValueError, match="in two groups"):
        f(model, X, y, groups={"g": ["a", "a_copy"], "h": ["a"]})
    with pytest.raises(TypeError, match="dict of group name"):
        f(model, X, y, groups=["a"])
    with pytest.raises(TypeError, match="n_repeats"):
        f(model, X, y, n_repeats=1.5)
    with pytest.raises(ValueError, match="same \\(date, asset\\) index"):
        f(model, X, y.iloc[:-1])
    with pytest.raises(TypeError, match="indexed by \\(date, asset\\)"):
        f(model, X.reset_index(drop=True), y)
