"""Checks of chapter 3's exercises: wrong answers fail with their hint, right ones pass."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import helpers
from helpers.exercises import run_checks

LABELS = ["tfm-ex-noise", "tfm-ex-bonferroni", "tfm-ex-gls", "tfm-ex-petersen"]


def hints(result):
    return " | ".join(text for ok, text in result.lines if not ok)


@pytest.fixture(scope="module")
def ff():
    return helpers.load_french()


@pytest.mark.parametrize("label", LABELS)
def test_missing_answer_asks_to_store_it(label):
    result = run_checks(label, {})
    assert not result.passed
    assert "store your answer in" in hints(result)


@pytest.fixture(scope="module")
def noise_answers(ff):
    # Independent route: the noise factor's t-statistics from linearmodels.
    from linearmodels.asset_pricing import LinearFactorModel

    noise = np.random.default_rng(1).normal(0.0, 0.03, len(ff.factors))
    F = ff.factors[["MktRF", "SMB", "HML"]].assign(noise=noise)
    lm = LinearFactorModel(ff.portfolios, F, risk_free=True).fit(debiased=False)
    res = helpers.cross_sectional_regression(ff.portfolios, F)
    return {
        "t_noise_fm": res.tstats.loc["noise", "fama_macbeth"],
        "t_noise_robust": float(lm.risk_premia["noise"] / lm.risk_premia_se["noise"]),
        "p_noise": helpers.factor_relevance_test(ff.portfolios, F).loc["noise", "pvalue"],
        "shanken": res.tstats.loc["noise", "shanken"],
        "alone": helpers.factor_relevance_test(ff.portfolios, F[["noise"]]).loc["noise", "pvalue"],
    }


def test_noise_right_and_wrong(noise_answers):
    right = {k: noise_answers[k] for k in ("t_noise_fm", "t_noise_robust", "p_noise")}
    assert run_checks("tfm-ex-noise", right).passed
    swapped = {**right, "t_noise_fm": right["t_noise_robust"], "t_noise_robust": right["t_noise_fm"]}
    assert "swapped" in hints(run_checks("tfm-ex-noise", swapped))
    shanken = {**right, "t_noise_fm": noise_answers["shanken"]}
    assert "Shanken" in hints(run_checks("tfm-ex-noise", shanken))
    alone = {**right, "p_noise": noise_answers["alone"]}
    assert "alone" in hints(run_checks("tfm-ex-noise", alone))
    assert "between 0 and 1" in hints(run_checks("tfm-ex-noise", {**right, "p_noise": 76.5}))


def test_bonferroni_right_and_wrong():
    right = {"expected_false": 15, "t_bonferroni": stats.norm.isf(0.05 / 600)}
    assert run_checks("tfm-ex-bonferroni", right).passed
    assert "not a rate" in hints(run_checks("tfm-ex-bonferroni", {**right, "expected_false": 0.05}))
    one_sided = {**right, "t_bonferroni": stats.norm.isf(0.05 / 300)}
    assert "one-sided" in hints(run_checks("tfm-ex-bonferroni", one_sided))
    naive = {**right, "t_bonferroni": 1.96}
    assert "number of tests" in hints(run_checks("tfm-ex-bonferroni", naive))


def test_gls_right_and_wrong(ff):
    import statsmodels.api as sm

    # Independent route for the point estimate: statsmodels' GLS on mean returns.
    cols = ["MktRF", "SMB", "HML", "Mom"]
    gls = helpers.cross_sectional_regression(ff.portfolios, ff.factors[cols], weighting="gls")
    mu = ff.portfolios.mean().to_numpy()
    v = np.cov(ff.portfolios.to_numpy(), rowvar=False, ddof=0)
    fit1 = sm.GLS(mu, sm.add_constant(gls.betas.to_numpy()), sigma=v).fit()
    fit0 = sm.GLS(mu, np.ones((30, 1)), sigma=v).fit()
    right = {"r2_gls_carhart": 1 - fit1.ssr / fit0.ssr, "ci_gls_carhart": gls.r2_conf_int()}
    assert run_checks("tfm-ex-gls", right).passed
    ols = helpers.cross_sectional_regression(ff.portfolios, ff.factors[cols]).r2
    assert "OLS" in hints(run_checks("tfm-ex-gls", {**right, "r2_gls_carhart": ols}))
    ff3 = helpers.cross_sectional_regression(ff.portfolios, ff.factors[cols[:3]], weighting="gls").r2
    assert "FF3" in hints(run_checks("tfm-ex-gls", {**right, "r2_gls_carhart": ff3}))
    flipped = {**right, "ci_gls_carhart": right["ci_gls_carhart"][::-1]}
    assert "lower first" in hints(run_checks("tfm-ex-gls", flipped))
    assert "pair" in hints(run_checks("tfm-ex-gls", {**right, "ci_gls_carhart": 0.3}))


def test_petersen_right_and_wrong():
    shares = [0.0, 0.25, 0.5, 0.75]
    formula = pd.Series([1 / np.sqrt(1 + 19 * s**2) for s in shares], index=shares)
    assert run_checks("tfm-ex-petersen", {"se_ratio": formula * 1.03}).passed
    assert "inverted" in hints(run_checks("tfm-ex-petersen", {"se_ratio": 1 / formula + 1}))
    flat = pd.Series(1.0, index=shares)  # clustered by firm: no shrinkage
    assert "far from Petersen" in hints(run_checks("tfm-ex-petersen", {"se_ratio": flat}))
    assert "indexed by" in hints(run_checks("tfm-ex-petersen", {"se_ratio": formula.reset_index(drop=True)}))
