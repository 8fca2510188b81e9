"""Chapter 12's exercise checks on small synthetic namespaces: wrong answers get their hints."""

from __future__ import annotations

import types

import numpy as np
import pandas as pd
import pytest

import helpers
from helpers.exercises import run_checks


@pytest.fixture(scope="module")
def small():
    sim = helpers.simulate_panel(n_dates=60, n_assets=80, seed=3)
    chars = ["momentum", "size", "value", "reversal", "investment", "profitability"]
    data = pd.concat([sim.X[chars], sim.y.rename("return")], axis=1).dropna()
    Z = helpers.CrossSectionalStandardizer().fit_transform(data[chars])
    y = data["return"]
    multi = helpers.fama_macbeth(Z, y, nw_lags=4)
    return {"Z": Z, "y": y, "chars": chars, "NW_LAGS": 4, "multi": multi}


def test_years_needed_hints():
    lam = pd.Series(np.random.default_rng(0).normal(0.002, 0.02, 120))
    ns = {"multi": types.SimpleNamespace(lambdas=pd.DataFrame({"momentum": lam}))}
    months = (2 * lam.std() / lam.mean()) ** 2  # the number of months for an expected t of 2
    assert run_checks("usp-ex-years", {**ns, "years_needed": months / 12}).passed
    wrong = run_checks("usp-ex-years", {**ns, "years_needed": months})
    assert not wrong.passed and "number of months" in repr(wrong)
    once = run_checks("usp-ex-years", {**ns, "years_needed": months / 48})
    assert not once.passed and "enters squared" in repr(once)
    assert "store your answer in `years_needed`" in repr(run_checks("usp-ex-years", ns))


def test_winsor_hints(small):
    raw = small["multi"].tstats[small["chars"]]
    result = run_checks("usp-ex-winsor", {**small, "t_winsor": raw})
    assert not result.passed and "raw returns" in repr(result)
    with_const = run_checks("usp-ex-winsor", {**small, "t_winsor": small["multi"].tstats})
    assert not with_const.passed and "drop the constant" in repr(with_const)
    by = small["y"].groupby(level="date")
    clipped = small["y"].clip(by.transform("quantile", 0.01), by.transform("quantile", 0.99))
    right = helpers.fama_macbeth(small["Z"], clipped, nw_lags=4).tstats[small["chars"]]
    assert run_checks("usp-ex-winsor", {**small, "t_winsor": right}).passed


def test_discussion_question_is_declared():
    result = run_checks("usp-ex-discuss", {})
    assert result.passed and "discussion question" in repr(result)
