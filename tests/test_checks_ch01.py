"""Checks of chapter 1's exercises: wrong answers fail with their hint, right ones pass."""

import numpy as np
import pandas as pd
import pytest

import helpers
from helpers.exercises import run_checks


def hints(result):
    return " | ".join(text for ok, text in result.lines if not ok)


@pytest.fixture(scope="module")
def ff():
    return helpers.load_french()


@pytest.fixture(scope="module")
def sim():
    return helpers.simulate_panel(n_dates=240, n_assets=500, seed=0)


@pytest.mark.parametrize(
    "label",
    ["panels-ex-row", "panels-ex-compound", "panels-ex-reversal", "panels-ex-skip"],
)
def test_missing_answer_asks_to_store_it(label):
    result = run_checks(label, {})
    assert not result.passed
    assert "store your answer in" in hints(result)


def test_row_right_and_return_dated_backwards(sim):
    right = {
        "row_return": float(sim.y.xs(("2010-05-31", "A042"))),
        "return_start": "2010-05-31",
        "return_end": pd.Timestamp("2010-06-30"),
    }
    assert run_checks("panels-ex-row", right).passed
    wrong = dict(right, return_start="2010-04-30", return_end="2010-05-31")
    result = run_checks("panels-ex-row", wrong)
    assert not result.passed
    assert "forward return" in hints(result)
    characteristic = dict(right, row_return=float(sim.X.loc[("2010-05-31", "A042"), "size"]))
    assert "characteristics (sim.X)" in hints(run_checks("panels-ex-row", characteristic))


def test_compound_right_and_backwards_shift(ff):
    hml = ff.factors["HML"]
    # Independent route: the log returns of months t+1..t+3, summed with a reversed rolling window.
    log_fwd = np.log1p(hml).shift(-1)
    by_hand = np.expm1(log_fwd[::-1].rolling(3).sum()[::-1])
    gap = float((helpers.forward_returns(hml, 3) - by_hand).abs().max())
    assert run_checks("panels-ex-compound", {"by_hand": by_hand, "gap": gap}).passed
    one = helpers.forward_returns(hml, 1)
    backwards = (1 + one) * (1 + one.shift(1)) * (1 + one.shift(2)) - 1
    result = run_checks("panels-ex-compound", {"by_hand": backwards, "gap": 0.0})
    assert not result.passed
    assert "shift(-1) and shift(-2)" in hints(result)
    summed = one + one.shift(-1) + one.shift(-2)
    assert "compound them" in hints(run_checks("panels-ex-compound", {"by_hand": summed, "gap": 0.0}))


def _ic(signal, target):
    # Independent route: helpers.information_coefficient on the stacked (date, asset) panels.
    s, t = helpers.to_panel(signal), helpers.to_panel(target)
    common = s.dropna().index.intersection(t.dropna().index)
    return float(helpers.information_coefficient(t[common], s[common]).mean())


def test_reversal_right_wrong_sign_and_swapped(ff):
    p = ff.portfolios
    right = _ic(p, helpers.forward_returns(p, 1))
    assert run_checks("panels-ex-reversal", {"ic_reversal": right, "ic_reversal_same": 1.0}).passed
    result = run_checks("panels-ex-reversal", {"ic_reversal": -right, "ic_reversal_same": 1.0})
    assert not result.passed
    assert "wrong sign" in hints(result)
    swapped = run_checks("panels-ex-reversal", {"ic_reversal": 1.0, "ic_reversal_same": right})
    assert "swapped" in hints(swapped)


def _sharpe(signal, target, n=10):
    # Independent route: a loop over dates with pandas' nlargest / nsmallest.
    spread = []
    for d in signal.index:
        s, t = signal.loc[d], target.loc[d]
        if s.notna().all() and t.notna().all():
            spread.append(t[s.nlargest(n).index].mean() - t[s.nsmallest(n).index].mean())
    return np.sqrt(12) * np.mean(spread) / np.std(spread, ddof=1)


def test_skip_right_unskipped_signal_and_monthly_sharpe(ff):
    p = ff.portfolios
    forward = helpers.forward_returns(p, 1)
    # Independent route: 12-1 momentum from the cumulative gross return, g(t-1) / g(t-12) - 1.
    g = (1 + p).cumprod()
    skip = g.shift(1) / g.shift(12) - 1
    ic, sharpe = _ic(skip, forward), _sharpe(skip, forward)
    assert run_checks("panels-ex-skip", {"ic_12_1": ic, "sharpe_12_1": sharpe}).passed
    monthly = run_checks("panels-ex-skip", {"ic_12_1": ic, "sharpe_12_1": sharpe / np.sqrt(12)})
    assert "annualise it" in hints(monthly)
    unskipped = g / g.shift(12) - 1
    result = run_checks("panels-ex-skip", {"ic_12_1": _ic(unskipped, forward), "sharpe_12_1": 0.65})
    assert not result.passed
    assert "skip month t" in hints(result)
