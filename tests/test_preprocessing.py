"""Tests for helpers.CrossSectionalStandardizer against plain per-date computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import helpers
from helpers import CrossSectionalStandardizer


@pytest.fixture(scope="module")
def X():
    sim = helpers.simulate_panel(n_dates=15, n_assets=60, seed=2, missing_rate=0.05)
    return sim.X[["momentum", "size", "volatility"]]


def _per_date(X, fn):
    """Reference: apply fn to each date's frame with a plain loop over dates."""
    return pd.concat([fn(g) for _, g in X.groupby(level="date")]).loc[X.index]


def test_zscore_equals_a_per_date_loop(X):
    out = CrossSectionalStandardizer().fit_transform(X)
    ref = _per_date(X, lambda g: (g - g.mean()) / g.std(ddof=0))
    pd.testing.assert_frame_equal(out, ref, atol=1e-12, rtol=0)
    # And it is StandardScaler (which ignores NaN when fitting) fitted to each date.
    for date in X.index.get_level_values("date").unique()[:3]:
        g = X.loc[[date]]
        np.testing.assert_allclose(
            out.loc[g.index].to_numpy(), StandardScaler().fit_transform(g), atol=1e-12
        )


def test_rank_equals_a_per_date_loop(X):
    out = CrossSectionalStandardizer("rank").fit_transform(X)
    ref = _per_date(X, lambda g: -1 + 2 * (g.rank() - 1) / (g.count() - 1))
    pd.testing.assert_frame_equal(out, ref, atol=1e-12, rtol=0)
    out01 = CrossSectionalStandardizer("rank", feature_range=(0, 1)).fit_transform(X)
    assert out01.min().min() == 0 and out01.max().max() == 1


def test_gauss_rank_equals_a_per_date_loop(X):
    out = CrossSectionalStandardizer("gauss_rank").fit_transform(X)
    ref = _per_date(X, lambda g: pd.DataFrame(
        stats.norm.ppf((g.rank() - 0.5) / g.count()), index=g.index, columns=g.columns))
    pd.testing.assert_frame_equal(out, ref, atol=1e-12, rtol=0)


def test_winsorize_clips_at_per_date_quantiles(X):
    dirty = X.copy()
    dirty.iloc[3, 0] = 1e6  # one absurd outlier
    out = CrossSectionalStandardizer(winsorize=(0.05, 0.95)).fit_transform(dirty)
    clipped = _per_date(dirty, lambda g: g.clip(g.quantile(0.05), g.quantile(0.95), axis=1))
    ref = _per_date(clipped, lambda g: (g - g.mean()) / g.std(ddof=0))
    pd.testing.assert_frame_equal(out, ref, atol=1e-12, rtol=0)
    assert out.abs().max().max() < 5


def test_nan_policy(X):
    kept = CrossSectionalStandardizer().fit_transform(X)
    assert kept.isna().equals(X.isna())
    filled = CrossSectionalStandardizer(nan_policy="fill").fit_transform(X)
    assert not filled.isna().any().any()
    assert (filled.to_numpy()[X.isna().to_numpy()] == 0).all()
    ranked = CrossSectionalStandardizer("rank", nan_policy="fill", feature_range=(0, 1)).fit_transform(X)
    assert (ranked.to_numpy()[X.isna().to_numpy()] == 0.5).all()


def test_constant_and_single_values():
    index = pd.MultiIndex.from_product([pd.date_range("2000-01-31", periods=2, freq="ME"), ["a", "b", "c"]],
                                       names=["date", "asset"])
    X = pd.DataFrame({"x": [1.0, 1.0, 1.0, 2.0, np.nan, np.nan]}, index=index)
    z = CrossSectionalStandardizer().fit_transform(X)["x"]
    assert z.iloc[:3].tolist() == [0.0, 0.0, 0.0] and z.iloc[3] == 0.0
    r = CrossSectionalStandardizer("rank").fit_transform(X)["x"]
    assert r.iloc[3] == 0.0 and r.iloc[:3].tolist() == [0.0, 0.0, 0.0]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), method=st.sampled_from(["zscore", "rank", "gauss_rank"]))
def test_dates_never_mix(seed, method):
    """Changing one date's data changes no other date's output; row order does not matter."""
    rng = np.random.default_rng(seed)
    index = pd.MultiIndex.from_product([pd.date_range("2000-01-31", periods=6, freq="ME"), range(12)],
                                       names=["date", "asset"])
    X = pd.DataFrame(rng.standard_t(3, (len(index), 2)), index=index, columns=["a", "b"])
    t = CrossSectionalStandardizer(method)
    base = t.fit_transform(X)
    changed = X.copy()
    date = index.get_level_values("date")[30]
    changed.loc[date] = rng.normal(5, 10, (12, 2))
    after = t.fit_transform(changed)
    other = index.get_level_values("date") != date
    pd.testing.assert_frame_equal(base[other], after[other])
    order = rng.permutation(len(X))
    shuffled = t.fit_transform(X.iloc[order])
    pd.testing.assert_frame_equal(shuffled.loc[X.index], base, atol=1e-12, rtol=0)


def test_pooled_standard_scaler_differs_when_dispersion_drifts():
    sim = helpers.simulate_panel(n_dates=96, n_assets=200, seed=0)
    vol = sim.X[["volatility"]].dropna()
    per_date = CrossSectionalStandardizer().fit_transform(vol)
    pooled = pd.DataFrame(StandardScaler().fit_transform(vol), index=vol.index, columns=vol.columns)
    sd_per_date = per_date.groupby(level="date").std(ddof=0)["volatility"]
    sd_pooled = pooled.groupby(level="date").std(ddof=0)["volatility"]
    np.testing.assert_allclose(sd_per_date, 1.0, atol=1e-12)
    assert sd_pooled.max() / sd_pooled.min() > 2


def test_sklearn_round_trips(X):
    Xf = X.fillna(0.0)
    y = pd.Series(np.random.default_rng(0).normal(size=len(Xf)), index=Xf.index)
    t = CrossSectionalStandardizer("rank", winsorize=(0.01, 0.99))
    c = clone(t)
    assert c.get_params() == t.get_params() and c is not t
    pipe = make_pipeline(CrossSectionalStandardizer(), Ridge())
    pipe.fit(Xf, y)
    assert pipe.predict(Xf).shape == (len(Xf),)
    grid = GridSearchCV(
        pipe,
        {"crosssectionalstandardizer__method": ["zscore", "gauss_rank"], "ridge__alpha": [0.1, 10.0]},
        cv=helpers.WalkForwardSplit(n_splits=2),
    ).fit(Xf, y)
    assert grid.best_params_["crosssectionalstandardizer__method"] in ("zscore", "gauss_rank")
    ct = ColumnTransformer([("cs", CrossSectionalStandardizer(), ["momentum", "size"])],
                           remainder="passthrough").set_output(transform="pandas")
    out = ct.fit_transform(Xf)
    assert out.index.equals(Xf.index) and out.shape == Xf.shape
    np.testing.assert_allclose(out["cs__size"], CrossSectionalStandardizer().fit_transform(Xf)["size"])


def test_set_output_and_feature_names(X):
    t = CrossSectionalStandardizer().set_output(transform="pandas").fit(X)
    out = t.transform(X)
    assert isinstance(out, pd.DataFrame) and out.index.equals(X.index)
    assert list(t.get_feature_names_out()) == list(X.columns)
    default = CrossSectionalStandardizer().set_output(transform="default").fit(X).transform(X)
    assert isinstance(default, pd.DataFrame)


def test_no_dates_is_an_error_not_silent_pooling(X):
    t = CrossSectionalStandardizer()
    with pytest.raises(TypeError, match="needs the date of every row.*got a ndarray"):
        t.fit(X.to_numpy())
    with pytest.raises(TypeError, match=r"indexed by \['asset'\]"):
        t.fit(X.droplevel("date"))
    t.fit(X)
    with pytest.raises(TypeError, match="needs the date"):
        t.transform(X.reset_index(drop=True))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"method": "minmax"}, "method must be one of"),
        ({"nan_policy": "drop"}, "nan_policy must be one of"),
        ({"winsorize": (0.9, 0.1)}, "winsorize must be None or a pair"),
        ({"winsorize": 0.01}, "winsorize must be None or a pair"),
        ({"feature_range": (1, -1)}, "feature_range must be"),
    ],
)
def test_bad_parameters(X, params, message):
    with pytest.raises(ValueError, match=message):
        CrossSectionalStandardizer(**params).fit(X)


def test_other_bad_input(X):
    with pytest.raises(TypeError, match=r"non-numeric columns \['sector'\]"):
        CrossSectionalStandardizer().fit(X.assign(sector="x"))
    t = CrossSectionalStandardizer().fit(X)
    with pytest.raises(ValueError, match="fitted with 3"):
        t.transform(X.iloc[:, :2])
