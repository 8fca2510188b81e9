"""Checks of chapter 13, Real stocks: forecasting out of sample.

The walk-forward comparisons take seconds per model, so the checks recompute
only the linear model's row (OLS on per-date ranks with winsorised targets), with
the chapter's own objects: the subset ``X``, ``y``, the splitter ``cv``, the
functions ``make_models`` and ``compare``, the mask ``complete``, the results
``res`` and ``table_real``. The tree rows are checked for presence and sanity.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import helpers
from helpers.exercises import exercise

COLUMNS = ["IC mean", "IC t", "R²_oos (%)"]


def _table(c, name, models):
    table = c.value(name, pd.DataFrame)
    ok = c.expect(
        set(models) <= set(table.index) and set(COLUMNS) <= set(table.columns),
        ok=f"`{name}` has the models and columns of `compare`",
        hint=f"`{name}` should be the table returned by `compare` (rows {models}, columns {COLUMNS})",
    )
    return table if ok else None


def _ols_row(c, rows):
    X, y = c.value("X"), c.value("y")
    model = {"OLS, winsorised y": c.value("make_models")()["OLS, winsorised y"]}
    _, table = c.value("compare")(X[rows], y[rows], model)
    return table.loc["OLS, winsorised y"]


@exercise("usf-ex-drop", stores=["table_complete"])
def drop_incomplete(c):
    models = ["OLS, winsorised y", "HGB, winsorised y"]
    table = _table(c, "table_complete", models)
    if table is None:
        return
    full = c.value("table_real").loc[models]
    if np.allclose(table.loc[models, COLUMNS].to_numpy(float), full[COLUMNS].to_numpy(float), atol=1e-9):
        c.expect(False, ok="", hint="these are the numbers on all rows: keep only the rows in `complete`")
        return
    ref = _ols_row(c, c.value("complete"))
    c.expect(np.isclose(table.loc["OLS, winsorised y", "IC mean"], ref["IC mean"], atol=1e-6)
             and np.isclose(table.loc["OLS, winsorised y", "R²_oos (%)"], ref["R²_oos (%)"], atol=1e-4),
             ok="the OLS row of `table_complete` is right",
             hint="the OLS row is off: run `compare` on X[complete] and y[complete] with the chapter's models")
    c.expect(bool(np.isfinite(table.loc["HGB, winsorised y", COLUMNS].to_numpy(float)).all()),
             ok="the HGB row is filled", hint="the HGB row has missing values")


@exercise("usf-ex-level", stores=["r2_cross_section", "r2_cs_plus_level"])
def level_of_r2(c):
    res = c.value("res")
    f = res.predictions["HGB, winsorised y"]
    f_cs = f - f.groupby(level="date").transform("mean")
    ref_cs = 100 * helpers.oos_r2(res.y, f_cs)
    ref_level = 100 * helpers.oos_r2(res.y, f_cs + res.predictions["prevailing mean"])
    pooled = 100 * helpers.oos_r2(res.y, f - f.mean())
    got = c.number("r2_cross_section")
    if np.isclose(got, ref_cs / 100, atol=1e-6):
        c.expect(False, ok="", hint="`r2_cross_section` should be in percent, like the table")
    elif np.isclose(got, pooled, atol=1e-4):
        c.expect(False, ok="", hint="subtract each date's mean forecast, not the mean over all dates")
    else:
        c.close("r2_cross_section", ref_cs, atol=1e-3, ok="`r2_cross_section` is right",
                hint="`r2_cross_section` is off: demean the HGB (winsorised) forecasts per date and score them on res.y")
    c.close("r2_cs_plus_level", ref_level, atol=1e-3, ok="`r2_cs_plus_level` is right",
            hint="`r2_cs_plus_level` is off: add the prevailing mean's forecasts (res.predictions) to the demeaned ones")


@exercise("usf-ex-large", stores=["table_large"])
def large_stocks(c):
    models = ["OLS", "OLS, winsorised y", "HGB, winsorised y"]
    table = _table(c, "table_large", models)
    if table is None:
        return
    X = c.value("X")
    per_date = X["size"] > X["size"].groupby(level="date").transform("median")
    pooled = X["size"] > X["size"].median()
    ref = _ols_row(c, per_date)
    got = table.loc["OLS, winsorised y", "IC mean"]
    if not np.isclose(got, ref["IC mean"], atol=1e-6) and np.isclose(got, _ols_row(c, pooled)["IC mean"], atol=1e-6):
        c.expect(False, ok="", hint="the median must be each date's median of size, not the median over all dates")
        return
    c.expect(np.isclose(got, ref["IC mean"], atol=1e-6), ok="the winsorised OLS row of `table_large` is right",
             hint="the winsorised OLS row is off: keep rows whose size is above that date's median in the subset")
