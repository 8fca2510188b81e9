"""Tests for helpers.WalkForwardSplit: whole dates, ordered folds, gaps, sizes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LassoCV, Ridge
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_val_score, cross_validate

import helpers
from helpers import WalkForwardSplit


def _panel(n_dates, n_assets, seed=0, keep=0.8):
    """A random unbalanced panel: each (date, asset) row present with probability keep."""
    rng = np.random.default_rng(seed)
    index = pd.MultiIndex.from_product(
        [pd.date_range("2000-01-31", periods=n_dates, freq="ME"), range(n_assets)],
        names=["date", "asset"],
    )
    present = rng.random(len(index)) < keep
    present[:: n_assets] = True  # every date has at least one row
    index = index[present]
    X = pd.DataFrame(rng.normal(size=(len(index), 2)), index=index, columns=["a", "b"])
    return X, pd.Series(rng.normal(size=len(index)), index=index)


@settings(max_examples=60, deadline=None)
@given(
    n_dates=st.integers(8, 40),
    n_assets=st.integers(1, 12),
    n_splits=st.integers(1, 5),
    gap=st.integers(0, 3),
    max_train=st.one_of(st.none(), st.integers(1, 10)),
    test_size=st.one_of(st.none(), st.integers(1, 4)),
    seed=st.integers(0, 1000),
)
def test_properties_on_random_unbalanced_panels(n_dates, n_assets, n_splits, gap, max_train, test_size, seed):
    X, _ = _panel(n_dates, n_assets, seed)
    cv = WalkForwardSplit(n_splits, test_size=test_size, gap=gap, max_train_size=max_train)
    size = test_size if test_size is not None else n_dates // (n_splits + 1)
    if size < 1 or n_dates - n_splits * size - gap < 1:
        with pytest.raises(ValueError, match="splits|no date"):
            list(cv.split(X))
        return
    codes = pd.factorize(X.index.get_level_values("date"), sort=True)[0]
    folds = list(cv.split(X))
    assert len(folds) == cv.get_n_splits() == n_splits
    previous_test_end = None
    for train, test in folds:
        train_dates, test_dates = np.unique(codes[train]), np.unique(codes[test])
        assert not set(train_dates) & set(test_dates)  # no date on both sides
        assert train_dates.max() + gap < test_dates.min()  # the gap holds ...
        assert test_dates.min() - train_dates.max() - 1 == gap  # ... exactly
        # whole cross-sections: every row of a used date is on its side
        assert set(train) == set(np.flatnonzero(np.isin(codes, train_dates)))
        assert set(test) == set(np.flatnonzero(np.isin(codes, test_dates)))
        assert len(test_dates) == size  # documented test size (in dates)
        assert np.array_equal(test_dates, np.arange(test_dates.min(), test_dates.min() + size))
        if max_train is None:
            assert train_dates.min() == 0  # expanding
        else:
            assert len(train_dates) == min(max_train, train_dates.max() + 1)  # rolling
        if previous_test_end is not None:
            assert test_dates.min() == previous_test_end + 1  # ordered, contiguous
        previous_test_end = test_dates.max()
    assert previous_test_end == n_dates - 1  # the last fold ends at the last date


def test_matches_time_series_split_on_one_row_per_date():
    X, _ = _panel(30, 1, keep=1.0)
    for kwargs in ({}, {"gap": 2}, {"max_train_size": 5, "test_size": 3}):
        ours = [(tr.tolist(), te.tolist()) for tr, te in WalkForwardSplit(4, **kwargs).split(X)]
        ref = [(tr.tolist(), te.tolist()) for tr, te in TimeSeriesSplit(4, **kwargs).split(X)]
        assert ours == ref


def test_dates_from_groups_or_y_and_row_order_does_not_matter():
    X, y = _panel(20, 5, seed=3)
    cv = WalkForwardSplit(3, gap=1)
    from_index = list(cv.split(X))
    from_groups = list(cv.split(X.to_numpy(), groups=X.index.get_level_values("date")))
    from_y = list(cv.split(X.to_numpy(), y))
    for a, b, c in zip(from_index, from_groups, from_y):
        assert all(np.array_equal(u, v) and np.array_equal(v, w) for u, v, w in zip(a, b, c))
    order = np.random.default_rng(0).permutation(len(X))
    shuffled = X.iloc[order]
    for (tr, te), (tr0, te0) in zip(cv.split(shuffled), from_index):
        assert set(shuffled.index[tr]) == set(X.index[tr0])
        assert set(shuffled.index[te]) == set(X.index[te0])


def test_split_dates_lists_the_dates_of_every_fold():
    X, _ = _panel(12, 3, keep=1.0)
    pairs = WalkForwardSplit(2, test_size=3, gap=1).split_dates(X)
    dates = X.index.get_level_values("date").unique()
    assert [(len(tr), len(te)) for tr, te in pairs] == [(5, 3), (8, 3)]
    assert pairs[0][1][0] == dates[6] and pairs[0][0][-1] == dates[4]


def test_works_with_scikit_learn_model_selection():
    sim = helpers.simulate_panel(n_dates=48, n_assets=60, seed=1, missing_rate=0)
    X, y = sim.latent, sim.y
    cv = WalkForwardSplit(3, gap=1)
    scores = cross_val_score(Ridge(), X, y, cv=cv)
    assert scores.shape == (3,)
    res = cross_validate(Ridge(), X, y, cv=cv, return_indices=True)
    dates = X.index.get_level_values("date")
    for tr, te in zip(res["indices"]["train"], res["indices"]["test"]):
        assert dates[tr].max() < dates[te].min()
    grid = GridSearchCV(Ridge(), {"alpha": [0.1, 100.0]}, cv=cv).fit(X, y)
    assert grid.n_splits_ == 3
    lasso = LassoCV(cv=list(cv.split(X)), alphas=5).fit(X, y)
    assert lasso.mse_path_.shape == (5, 3)
    assert "WalkForwardSplit(gap=1, max_train_size=None, n_splits=3, test_size=None)" == repr(cv)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"n_splits": 0}, ValueError, "n_splits must be >= 1"),
        ({"n_splits": 2.5}, TypeError, "n_splits must be an integer"),
        ({"gap": -1}, ValueError, "gap must be >= 0"),
        ({"test_size": 0}, ValueError, "test_size must be >= 1"),
        ({"max_train_size": 0}, ValueError, "max_train_size must be >= 1"),
        ({"n_splits": 9, "gap": 1}, ValueError, "Too many splits.*need at least 11 dates"),
        ({"n_splits": 10}, ValueError, "Cannot make 10 test blocks"),
        ({"n_splits": 12}, ValueError, "Cannot make 12 test blocks from 10 dates"),
        ({"n_splits": 3, "test_size": 3, "gap": 1}, ValueError, "Too many splits"),
    ],
)
def test_impossible_requests(kwargs, error, message):
    X, _ = _panel(10, 3, keep=1.0)
    with pytest.raises(error, match=message):
        list(WalkForwardSplit(**kwargs).split(X))


def test_missing_date_information():
    X, _ = _panel(10, 3)
    with pytest.raises(ValueError, match="needs the date of every row"):
        list(WalkForwardSplit(2).split(X.to_numpy()))
    with pytest.raises(ValueError, match="one date per row"):
        list(WalkForwardSplit(2).split(X.to_numpy(), groups=np.arange(5)))


def test_requests_the_dates_as_groups_under_metadata_routing():
    import sklearn

    X, y = _panel(30, 5)
    dates = X.index.get_level_values("date").to_numpy()
    cv = WalkForwardSplit(3)
    with sklearn.config_context(enable_metadata_routing=True):
        assert cv.get_metadata_routing().split.requests["groups"] is True
        routed = cross_val_score(Ridge(), X.to_numpy(), y.to_numpy(), cv=cv,
                                 params={"groups": dates})
    np.testing.assert_allclose(routed, cross_val_score(Ridge(), X, y, cv=cv), rtol=1e-12)
