"""Tests of helpers.latent against independent references."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.decomposition import PCA

import helpers


def reference_als(X, y, K, n_iter=300):
    """Direct transcription of KPS's ALS, one date and one row at a time (no intercept)."""
    dates = X.index.get_level_values("date").unique()
    Zs = [X.xs(d, level="date").to_numpy() for d in dates]
    rs = [y.xs(d, level="date").to_numpy() for d in dates]
    xs = np.array([Z.T @ r for Z, r in zip(Zs, rs)])
    G = np.linalg.svd(xs.T, full_matrices=False)[0][:, :K]
    for _ in range(n_iter):
        F = [np.linalg.lstsq(Z @ G, r, rcond=None)[0] for Z, r in zip(Zs, rs)]
        A = sum(np.kron(Z.T @ Z, np.outer(f, f)) for Z, f in zip(Zs, F))
        b = sum(np.kron(Z.T @ r, f) for Z, r, f in zip(Zs, rs, F))
        G = np.linalg.solve(A, b).reshape(-1, K)
    return G


def test_noise_free_recovery_is_exact():
    sim = helpers.simulate_latent_panel(40, 60, noise_sd=0.0, seed=3)
    m = helpers.IPCA(2).fit(sim.X, sim.y)
    assert helpers.subspace_distance(m.gamma_, sim.gamma) < 1e-6
    assert m.r2_total(sim.X, sim.y) == pytest.approx(1.0, abs=1e-10)


def test_noisy_recovery_improves_with_sample():
    small = [helpers.simulate_latent_panel(30, 50, seed=s) for s in range(3)]
    large = [helpers.simulate_latent_panel(200, 300, seed=s) for s in range(3)]
    err = lambda sims: np.mean([helpers.subspace_distance(helpers.IPCA(2).fit(s.X, s.y).gamma_, s.gamma) for s in sims])
    assert err(large) < 0.05
    assert err(large) < err(small)


def test_agrees_with_reference_transcription():
    sim = helpers.simulate_latent_panel(30, 40, seed=5)
    m = helpers.IPCA(2).fit(sim.X, sim.y)
    G = reference_als(sim.X, sim.y, 2)
    assert helpers.subspace_distance(m.gamma_, G) < 1e-6


def test_row_order_invariance():
    sim = helpers.simulate_latent_panel(30, 40, seed=2)
    perm = np.random.default_rng(0).permutation(len(sim.X))
    a = helpers.IPCA(2).fit(sim.X, sim.y)
    b = helpers.IPCA(2).fit(sim.X.iloc[perm], sim.y.iloc[perm])
    np.testing.assert_allclose(a.gamma_, b.gamma_, atol=1e-8)
    np.testing.assert_allclose(a.predict(sim.X), b.predict(sim.X), atol=1e-10)


def test_clone_and_params():
    m = helpers.IPCA(3, intercept=True, tol=1e-6)
    c = clone(m)
    assert c.get_params() == {"n_factors": 3, "intercept": True, "max_iter": 500, "tol": 1e-6}


def test_intercept_gamma_alpha_recovered():
    sim = helpers.simulate_latent_panel(200, 300, alpha_scale=0.01, seed=1)
    m = helpers.IPCA(2, intercept=True).fit(sim.X, sim.y)
    cos = m.gamma_alpha_ @ sim.gamma_alpha / np.linalg.norm(m.gamma_alpha_) / 0.01
    assert cos > 0.9


def test_gamma_alpha_test_rejects_only_when_alpha():
    null = helpers.simulate_latent_panel(100, 200, seed=0)
    alt = helpers.simulate_latent_panel(100, 200, alpha_scale=0.02, seed=0)
    assert helpers.gamma_alpha_test(alt.X, alt.y, 2, n_boot=19)["pvalue"] <= 0.05
    assert helpers.gamma_alpha_test(null.X, null.y, 2, n_boot=19)["pvalue"] > 0.05


def test_validation_messages():
    sim = helpers.simulate_latent_panel(12, 20, seed=0)
    with pytest.raises(ValueError, match="indexed by"):
        helpers.IPCA().fit(sim.X.reset_index(drop=True), sim.y)
    with pytest.raises(ValueError, match="exceeds the number of characteristics"):
        helpers.IPCA(9).fit(sim.X, sim.y)
    bad = sim.X.copy()
    bad.iloc[0, 1] = np.nan
    with pytest.raises(ValueError, match="missing"):
        helpers.IPCA().fit(bad, sim.y)
    with pytest.raises(ValueError, match="same"):
        helpers.IPCA().fit(sim.X, sim.y.iloc[::-1])
    with pytest.raises(TypeError, match="wide DataFrame"):
        helpers.rp_pca(np.ones((5, 3)), 1)


def test_rp_pca_gamma_minus_one_is_pca():
    R = helpers.load_french().portfolios
    res = helpers.rp_pca(R, 3, gamma=-1)
    pca = PCA(3).fit(R)
    for k in range(3):
        assert abs(abs(res.weights.iloc[:, k] @ pca.components_[k]) - 1) < 1e-8
    second = np.linalg.eigh(R.T @ R / len(R))[1][:, -1]
    assert abs(abs(helpers.rp_pca(R, 1, gamma=0).weights.iloc[:, 0] @ second) - 1) < 1e-8


def test_bai_ng_finds_the_true_number():
    rng = np.random.default_rng(0)
    R = rng.standard_normal((300, 3)) @ rng.standard_normal((3, 100)) + rng.standard_normal((300, 100))
    assert helpers.bai_ng(pd.DataFrame(R), 8).idxmin() == 3


def test_convergence_warning_when_max_iter_is_too_small():
    from sklearn.exceptions import ConvergenceWarning

    sim = helpers.simulate_latent_panel(30, 40, seed=0)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        helpers.IPCA(2, max_iter=1).fit(sim.X, sim.y)
