"""The exercise checks of chapter 9 (information coefficient): wrong answers fail with their hint.

ic-ex-invariance, -deciles and -transfer read the chapter's ``sim``, ``forecast``
and ``oos`` from the namespace; here they get a small simulated panel and a
noisy oracle as the forecast, so the tests stay fast. ic-ex-french works on the
French data, as in the chapter. Right answers are computed by other routes
(loops over dates, wide frames) where that is cheap.
"""

from __future__ import annotations

import types

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

import helpers
from helpers.exercises import run_checks


@pytest.fixture(scope="module")
def small():
    sim = helpers.simulate_panel(n_dates=36, n_assets=60, seed=3)
    rng = np.random.default_rng(0)
    forecast = sim.expected + 0.02 * rng.standard_normal(len(sim.expected))
    return {"sim": sim, "forecast": forecast, "oos": types.SimpleNamespace(y=sim.y)}


def _text(result):
    return " ".join(text for _, text in result.lines)


# -- ic-ex-invariance ---------------------------------------------------------------
def _invariance_table(sim, per_row=False):
    rng = np.random.default_rng(5)
    f, y = sim.expected, sim.y
    dates = f.index.get_level_values("date")
    codes, uniques = pd.factorize(dates)
    shift = rng.normal(0, 0.03, len(f) if per_row else len(uniques))
    scale = rng.uniform(0.5, 2.0, len(uniques))
    variants = [
        f,
        f + (shift if per_row else shift[codes]),
        f * scale[codes],
        f.groupby(level="date").rank(pct=True),
    ]
    rows = []
    for v in variants:
        per_date = [spearmanr(v[dates == d], y[dates == d])[0] for d in uniques]  # a loop over dates
        rows.append({"mean per-date IC": np.mean(per_date), "pooled IC": spearmanr(v, y)[0]})
    return pd.DataFrame(rows, index=["oracle", "(a)", "(b)", "(c)"])


def test_invariance(small):
    sim = small["sim"]
    right = _invariance_table(sim)
    assert run_checks("ic-ex-invariance", {"sim": sim, "invariance": right}).passed
    per_row = _invariance_table(sim, per_row=True)
    result = run_checks("ic-ex-invariance", {"sim": sim, "invariance": per_row})
    assert not result.passed and "not one per row" in _text(result)
    mean_as_pooled = right.assign(**{"pooled IC": right["mean per-date IC"]})
    result = run_checks("ic-ex-invariance", {"sim": sim, "invariance": mean_as_pooled})
    assert not result.passed and "ONE rank correlation over all rows" in _text(result)
    result = run_checks("ic-ex-invariance", {"sim": sim})
    assert not result.passed and "store your answer in `invariance`" in _text(result)


# -- ic-ex-deciles ------------------------------------------------------------------
def test_deciles(small):
    columns = ["mean", "std", "sharpe", "turnover"]
    f, y = small["forecast"], small["oos"].y
    summaries = {q: helpers.quantile_portfolios(f, y, n_quantiles=q).summary() for q in (5, 10)}
    right = pd.DataFrame({q: s.loc["spread", columns] for q, s in summaries.items()}).T
    assert run_checks("ic-ex-deciles", {**small, "spreads": right}).passed
    result = run_checks("ic-ex-deciles", {**small, "spreads": right.iloc[::-1].set_axis([5, 10])})
    assert not result.passed and "swapped" in _text(result)
    top = pd.DataFrame({q: s.loc[q, columns] for q, s in summaries.items()}).T
    result = run_checks("ic-ex-deciles", {**small, "spreads": top})
    assert not result.passed and "is the top quantile" in _text(result)
    result = run_checks("ic-ex-deciles", small)
    assert not result.passed and "store your answer in `spreads`" in _text(result)


# -- ic-ex-french -------------------------------------------------------------------
@pytest.fixture(scope="module")
def french_answer():
    ff = helpers.load_french()
    chars = helpers.return_characteristics(ff.portfolios, ff.factors["MktRF"])
    next_ret = helpers.to_panel(ff.portfolios.shift(-1))
    mom = chars["momentum"].dropna()
    rows, lag_h = {}, {}
    for h in [1, 3, 6, 12]:
        ic = helpers.information_coefficient(helpers.horizon_returns(next_ret, h).reindex(mom.index), mom)
        every_h = [ic.dropna().iloc[o::h] for o in range(h)]
        rows[h] = {
            "mean IC": ic.mean(),
            "plain t": helpers.ic_summary(ic)["t_stat"],
            "Newey-West t": helpers.ic_summary(ic, h - 1)["t_stat"],
            "Hansen-Hodrick t": helpers.ic_summary(ic, h - 1, kernel="uniform")["t_stat"],
            "non-overlapping t": np.mean([s.mean() / s.std(ddof=1) * np.sqrt(len(s)) for s in every_h]),
        }
        lag_h[h] = helpers.ic_summary(ic, h)["t_stat"]
    summary = helpers.quantile_portfolios(mom, next_ret.reindex(mom.index), n_quantiles=5).summary()
    return pd.DataFrame(rows).T, summary, pd.Series(lag_h)


def test_french(french_answer):
    table, summary, lag_h = french_answer
    assert run_checks("ic-ex-french", {"french_h": table, "ff_summary": summary}).passed
    for wrong, hint in [
        (table.assign(**{"Newey-West t": table["plain t"]}), "equals the plain t"),
        (table.assign(**{"Newey-West t": lag_h}), "uses h lags"),
        (table.assign(**{"Newey-West t": table["Hansen-Hodrick t"], "Hansen-Hodrick t": table["Newey-West t"]}), "swapped"),
    ]:
        result = run_checks("ic-ex-french", {"french_h": wrong, "ff_summary": summary})
        assert not result.passed and hint in _text(result)
    result = run_checks("ic-ex-french", {"french_h": table, "ff_summary": summary.drop(index=summary.index[0])})
    assert not result.passed and "`n_quantiles=5`" in _text(result)
    result = run_checks("ic-ex-french", {"ff_summary": summary})
    assert not result.passed and "store your answer in `french_h`" in _text(result)


# -- ic-ex-transfer -----------------------------------------------------------------
def _tc_table(forecast, y, scale_linear=True, half=True):
    # Weights on wide frames (dates x assets), an independent route from the check's.
    F = forecast.unstack("asset")
    Y = y.reindex(forecast.index).unstack("asset")
    qp = helpers.quantile_portfolios(forecast, y, n_quantiles=5)
    Q = qp.quantiles.unstack("asset")
    top, bottom = (Q == 5).astype(float), (Q == 1).astype(float)
    w_q = top.div(top.sum(axis=1), axis=0) - bottom.div(bottom.sum(axis=1), axis=0)
    D = F.sub(F.mean(axis=1), axis=0)
    w_l = 2 * D.div(D.abs().sum(axis=1), axis=0) if scale_linear else D
    out = {}
    for name, W in [("quintile spread", w_q), ("linear weights (TC = 1)", w_l)]:
        r = (W * Y).sum(axis=1)
        traded = W.fillna(0).diff().abs().sum(axis=1).iloc[1:].mean()
        out[name] = [r.mean(), r.mean() / r.std() * np.sqrt(12), (0.5 if half else 1.0) * traded]
    return pd.DataFrame(out, index=["mean monthly return", "annualised Sharpe", "turnover"])


def test_transfer(small):
    f, y = small["forecast"], small["oos"].y
    right = _tc_table(f, y)
    assert run_checks("ic-ex-transfer", {**small, "tc_table": right}).passed
    result = run_checks("ic-ex-transfer", {**small, "tc_table": _tc_table(f, y, scale_linear=False)})
    assert not result.passed and "the long side should sum to 1" in _text(result)
    result = run_checks("ic-ex-transfer", {**small, "tc_table": _tc_table(f, y, half=False)})
    assert not result.passed and "twice too large" in _text(result)
    monthly = right.copy()
    monthly.loc["annualised Sharpe"] /= np.sqrt(12)
    result = run_checks("ic-ex-transfer", {**small, "tc_table": monthly})
    assert not result.passed and "annualise it" in _text(result)
    result = run_checks("ic-ex-transfer", small)
    assert not result.passed and "store your answer in `tc_table`" in _text(result)
