"""Chapter 13's exercise checks on small synthetic namespaces: wrong answers get their hints."""

from __future__ import annotations

import types

import numpy as np
import pandas as pd

from helpers.exercises import run_checks


def _res(seed=0):
    rng = np.random.default_rng(seed)
    index = pd.MultiIndex.from_product(
        [pd.date_range("2015-01-31", periods=24, freq="ME"), range(50)], names=["date", "asset"]
    )
    y = pd.Series(rng.normal(0.01, 0.1, len(index)), index=index)
    level = pd.Series(np.repeat(rng.normal(0.02, 0.01, 24), 50), index=index)
    predictions = pd.DataFrame(
        {"HGB, winsorised y": level + rng.normal(0, 0.02, len(index)) + 0.1 * y, "prevailing mean": 0.008},
        index=index,
    )
    return types.SimpleNamespace(y=y, predictions=predictions)


def _r2(y, f):  # R^2 against zero, written out (not the helper)
    return 100 * (1 - ((y - f) ** 2).sum() / (y**2).sum())


def test_level_hints():
    res = _res()
    f = res.predictions["HGB, winsorised y"]
    per_date = f - f.groupby(level="date").transform("mean")
    right = {"res": res, "r2_cross_section": _r2(res.y, per_date),
             "r2_cs_plus_level": _r2(res.y, per_date + res.predictions["prevailing mean"])}
    assert run_checks("usf-ex-level", right).passed
    share = run_checks("usf-ex-level", {**right, "r2_cross_section": right["r2_cross_section"] / 100})
    assert not share.passed and "in percent" in repr(share)
    pooled = run_checks("usf-ex-level", {**right, "r2_cross_section": _r2(res.y, f - f.mean())})
    assert not pooled.passed and "each date's mean" in repr(pooled)
    blank = run_checks("usf-ex-level", {"res": res})
    assert not blank.passed and "store your answer in `r2_cross_section`" in repr(blank)


def test_drop_hint_when_all_rows_are_used():
    table = pd.DataFrame(
        {"IC mean": [0.07, 0.07], "IC t": [6.3, 7.9], "R²_oos (%)": [-0.06, -0.03]},
        index=["OLS, winsorised y", "HGB, winsorised y"],
    )
    result = run_checks("usf-ex-drop", {"table_complete": table, "table_real": table})
    assert not result.passed and "keep only the rows in `complete`" in repr(result)
    wrong_shape = run_checks("usf-ex-drop", {"table_complete": table.drop(columns="IC t"), "table_real": table})
    assert not wrong_shape.passed and "the table returned by `compare`" in repr(wrong_shape)
