"""The shared average-rank routine equals scipy.stats.rankdata, ties and padding included."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from helpers._ranks import average_ranks


@settings(max_examples=60, deadline=None)
@given(
    n_rows=st.integers(0, 6),
    width=st.integers(0, 30),
    levels=st.integers(1, 8),
    pad=st.integers(0, 5),
    seed=st.integers(0, 10_000),
)
def test_equals_scipy_rankdata(n_rows, width, levels, pad, seed):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, levels, (n_rows, width)).astype(float)  # many ties
    a[:, width - min(pad, width):] = np.inf  # padding, as the IC and the portfolios use
    expected = stats.rankdata(a, axis=1) if a.size else np.empty(a.shape)
    np.testing.assert_array_equal(average_ranks(a), expected)


def test_continuous_values_take_the_fast_path():
    a = np.random.default_rng(0).normal(size=(3, 50))
    np.testing.assert_array_equal(average_ranks(a), stats.rankdata(a, axis=1))
