"""Tests for helpers.plotting: the shared notebook setup and figure helpers."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import helpers
from helpers.plotting import PALETTE


@pytest.fixture(autouse=True)
def restore_options():
    yield
    pd.reset_option("display.precision")
    pd.reset_option("display.max_rows")
    pd.reset_option("display.min_rows")
    pd.reset_option("display.max_columns")
    pd.reset_option("display.width")
    np.set_printoptions(precision=8, suppress=False)
    mpl.rcdefaults()


def test_setup_notebook_sets_style_and_display_options():
    mpl.rcParams["axes.grid"] = False
    helpers.setup_notebook()
    assert pd.get_option("display.precision") == 4
    assert np.get_printoptions()["precision"] == 4
    assert mpl.rcParams["axes.grid"] is True
    assert mpl.rcParams["savefig.dpi"] <= 120  # modest DPI keeps notebooks small
    colors = [c["color"] for c in mpl.rcParams["axes.prop_cycle"]]
    assert colors[:3] == [c.lower() for c in PALETTE[:3]] or colors[:3] == list(PALETTE[:3])
    # No series is told apart by colour alone: the lines of one axes differ in style too.
    fig, ax = plt.subplots()
    lines = [ax.plot([0, 1], [k, k])[0] for k in range(len(PALETTE))]
    dashes = {(line.get_linestyle(), str(line._unscaled_dash_pattern)) for line in lines}
    plt.close(fig)
    assert len(dashes) == len(PALETTE)


def test_setup_notebook_is_idempotent_and_takes_a_precision():
    helpers.setup_notebook(precision=3)
    first = dict(mpl.rcParams)
    helpers.setup_notebook(precision=3)
    assert dict(mpl.rcParams) == first
    assert pd.get_option("display.precision") == 3
    assert "0.123" in repr(pd.Series([0.123456]))


@pytest.mark.parametrize("bad", [-1, 2.5, "4", True])
def test_setup_notebook_rejects_a_bad_precision(bad):
    with pytest.raises(ValueError, match="precision must be a non-negative int"):
        helpers.setup_notebook(precision=bad)


def test_percent_axis_shows_decimals_as_percent():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0.0, 0.05])
    assert helpers.percent_axis(ax, decimals=1) is ax
    assert ax.yaxis.get_major_formatter()(0.05, 0) == "5.0%"
    helpers.percent_axis(ax, axis="x", decimals=0)
    assert ax.xaxis.get_major_formatter()(0.25, 0) == "25%"
    with pytest.raises(ValueError, match="axis must be"):
        helpers.percent_axis(ax, axis="z")
    plt.close(fig)
