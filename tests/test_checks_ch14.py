"""Checks of chapter 14's exercises: wrong answers fail with their hint, right ones pass."""

import pytest
from sklearn.decomposition import PCA

import helpers
from helpers.exercises import run_checks

LABELS = ["sf-ex-share", "sf-ex-rpalpha", "sf-ex-recovery"]


def hints(result):
    return " | ".join(text for ok, text in result.lines if not ok)


@pytest.mark.parametrize("label", LABELS)
def test_missing_answer_asks_to_store_it(label):
    result = run_checks(label, {})
    assert not result.passed
    assert "store your answer in" in hints(result)


def test_share_right_and_wrong():
    # Independent route: eigenvalues of the sample covariance matrix.
    import numpy as np

    R = helpers.load_french().portfolios.to_numpy()
    ev = np.sort(np.linalg.eigvalsh(np.cov(R.T)))[::-1]
    right = ev[:3].sum() / ev.sum()
    assert run_checks("sf-ex-share", {"share3": right}).passed
    assert "percentage" in hints(run_checks("sf-ex-share", {"share3": 100 * right}))
    assert not run_checks("sf-ex-share", {"share3": ev[0] / ev.sum()}).passed


def test_rpalpha_right_and_wrong():
    import numpy as np

    R = helpers.load_french().portfolios
    # gamma=-1 is PCA: weights from sklearn, alphas by OLS.
    W = PCA(5).fit(R).components_.T
    F = R.to_numpy() @ W
    design = np.column_stack([np.ones(len(F)), F])
    alpha = np.linalg.lstsq(design, R.to_numpy(), rcond=None)[0][0]
    rms_pca5 = float(np.sqrt(np.mean(alpha**2)))
    rms_rp5 = helpers.rp_pca(R, 5, gamma=20).rms_alpha
    assert run_checks("sf-ex-rpalpha", {"rms_pca5": rms_pca5, "rms_rp5": rms_rp5}).passed
    wrong = {"rms_pca5": rms_pca5, "rms_rp5": helpers.rp_pca(R, 3, gamma=20).rms_alpha}
    assert "five factors" in hints(run_checks("sf-ex-rpalpha", wrong))


def test_recovery_right_and_wrong():
    sim = helpers.simulate_latent_panel(60, 100, seed=7)
    err = helpers.subspace_distance(helpers.IPCA(2).fit(sim.X, sim.y).gamma_, sim.gamma)
    assert 0 < err < 0.5
    assert run_checks("sf-ex-recovery", {"gamma_error": err}).passed
    assert "IPCA(2)" in hints(run_checks("sf-ex-recovery", {"gamma_error": err + 0.1}))
