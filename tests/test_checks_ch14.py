"""Checks of chapter 14's exercises: wrong answers fail with their hint, right ones pass.

Reference answers are computed here by other routes than the checks use
(scikit-learn's PCA, scipy's subspace angles and Spearman correlations, the
walk-forward evaluation helper), so a check and its test cannot share a mistake.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import linalg, stats
from sklearn.decomposition import PCA

import helpers
from helpers.exercises import run_checks

LABELS = ["sf-ex-ew", "sf-ex-rpalpha", "sf-ex-recovery", "sf-ex-k1"]


def hints(result):
    return " | ".join(text for ok, text in result.lines if not ok)


@pytest.mark.parametrize("label", LABELS)
def test_missing_answer_asks_to_store_it(label):
    result = run_checks(label, {})
    assert not result.passed
    assert "store your answer in" in hints(result)


def test_ew_right_and_wrong():
    ff = helpers.load_french()
    R = ff.portfolios
    pc1 = PCA(1).fit(R).transform(R)[:, 0]
    pc1 = pc1 * np.sign(PCA(1).fit(R).components_[0].sum())
    right = {"corr_ew": np.corrcoef(pc1, R.mean(axis=1))[0, 1], "corr_mkt": np.corrcoef(pc1, ff.factors["MktRF"])[0, 1]}
    assert run_checks("sf-ex-ew", right).passed
    assert "wrong sign" in hints(run_checks("sf-ex-ew", {**right, "corr_ew": -right["corr_ew"]}))
    swapped = {"corr_ew": right["corr_mkt"], "corr_mkt": right["corr_ew"]}
    assert not run_checks("sf-ex-ew", swapped).passed


def _oos_rms(first, second, gamma, k):
    X = first.to_numpy()
    if gamma == -1:
        W = PCA(k).fit(first).components_.T
    else:
        mean = X.mean(axis=0)
        vals, vecs = np.linalg.eigh(np.cov(X.T, bias=True) + (1 + gamma) * np.outer(mean, mean))
        W = vecs[:, np.argsort(vals)[::-1][:k]]
    F = second.to_numpy() @ W
    alphas = [stats.linregress(F[:, 0], second[c]).intercept if k == 1 else
              np.linalg.lstsq(np.column_stack([np.ones(len(F)), F]), second[c].to_numpy(), rcond=None)[0][0]
              for c in second.columns]
    return float(np.sqrt(np.mean(np.square(alphas))))


def test_rpalpha_right_and_wrong():
    R = helpers.load_french().portfolios
    first, second = R.iloc[: len(R) // 2], R.iloc[len(R) // 2:]
    right = {"oos_pca5": _oos_rms(first, second, -1, 5), "oos_rp5": _oos_rms(first, second, 20, 5)}
    assert run_checks("sf-ex-rpalpha", right).passed
    pct = {**right, "oos_rp5": 100 * right["oos_rp5"]}
    assert "percentage" in hints(run_checks("sf-ex-rpalpha", pct))
    in_sample = {**right, "oos_pca5": helpers.rp_pca(first, 5, gamma=-1).rms_alpha}
    assert "in-sample" in hints(run_checks("sf-ex-rpalpha", in_sample))
    three = {**right, "oos_rp5": _oos_rms(first, second, 20, 3)}
    assert "five" in hints(run_checks("sf-ex-rpalpha", three))


def test_recovery_right_and_wrong():
    def mean_angle(n_dates):
        errs = []
        for s in range(10):
            sim = helpers.simulate_latent_panel(n_dates, 100, seed=s)
            est = helpers.IPCA(2).fit(sim.X, sim.y).gamma_.to_numpy()
            errs.append(np.sin(linalg.subspace_angles(est, sim.gamma.to_numpy()).max()))
        return np.mean(errs)

    right = {"err_60": mean_angle(60), "err_240": mean_angle(240)}
    assert right["err_60"] > right["err_240"] > 0
    assert run_checks("sf-ex-recovery", right).passed
    assert "between 0 and 1" in hints(run_checks("sf-ex-recovery", {**right, "err_60": 7.0}))
    swapped = {"err_60": right["err_240"], "err_240": right["err_60"]}
    assert "seeds 0 to 9" in hints(run_checks("sf-ex-recovery", swapped))


def test_k1_right_and_wrong():
    stocks = helpers.load_us_stocks()
    pick = np.random.default_rng(0).choice(stocks.X.index.unique("asset"), size=2000, replace=False)
    keep = stocks.X.index.get_level_values("asset").isin(pick)
    X, y = stocks.X[keep], stocks.y[keep]
    Z = helpers.CrossSectionalStandardizer(method="rank", nan_policy="fill").fit_transform(X)
    Z.insert(0, "const", 1.0)
    res = helpers.evaluate_walk_forward({"k1": helpers.IPCA(1, tol=1e-6, max_iter=5000)}, Z, y,
                                        cv=helpers.WalkForwardSplit(n_splits=6, test_size=12))
    pair = pd.DataFrame({"f": res.predictions["k1"], "v": Z.loc[res.predictions.index, "volatility"],
                         "y": res.y})
    by_date = pair.groupby(level="date")
    corr = by_date.apply(lambda g: stats.pearsonr(g["f"], g["v"]).statistic).mean()
    ic = by_date.apply(lambda g: stats.spearmanr(g["v"], g["y"]).statistic).mean()
    assert corr > 0.5 and ic < 0  # what the exercise is about
    right = {"corr_vol": corr, "ic_vol": ic}
    assert run_checks("sf-ex-k1", right).passed
    assert "wrong sign" in hints(run_checks("sf-ex-k1", {**right, "corr_vol": -corr}))
    assert "ic_vol" in hints(run_checks("sf-ex-k1", {**right, "ic_vol": -ic}))
