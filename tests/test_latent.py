"""Tests of helpers.latent against independent references."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from sklearn.base import clone
from sklearn.decomposition import PCA

import helpers
from helpers import latent


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


def _loop_bootstrap(X, y, n_factors, n_boot, seed):
    """The Gamma_alpha bootstrap written as KPS describe it: one refit per draw, in a loop."""
    model = helpers.IPCA(n_factors, intercept=True).fit(X, y)
    Z, r = X.to_numpy(), y.to_numpy()
    W, x, _, _ = latent._managed(Z, r, X.index.get_level_values("date"))
    gb, ga, F = model.gamma_.to_numpy(), model.gamma_alpha_.to_numpy(), model.factors_.to_numpy()
    null_fit = np.stack([W[t] @ gb @ F[t] for t in range(len(x))])
    resid = x - W @ ga - null_fit
    rng = np.random.default_rng(seed)
    T = len(x)
    draws = []
    for _ in range(n_boot):
        j = rng.integers(0, T, T)
        q = rng.standard_t(5, T) / np.sqrt(5 / 3)
        _, ga_b, _, _, _ = latent._als(W, null_fit + q[:, None] * resid[j], n_factors, True, 500, 1e-10)
        draws.append(ga_b @ ga_b)
    return ga @ ga, np.array(draws)


@pytest.mark.parametrize("alpha_scale", [0.0, 0.002])
def test_gamma_alpha_test_equals_a_loop_of_refits(alpha_scale):
    sim = helpers.simulate_latent_panel(60, 80, alpha_scale=alpha_scale, seed=3)
    stat, draws = _loop_bootstrap(sim.X, sim.y, 2, 40, seed=5)
    res = helpers.gamma_alpha_test(sim.X, sim.y, 2, n_boot=40, seed=5, tol=1e-10)
    assert res["w_alpha"] == pytest.approx(stat, rel=1e-8)
    assert res["pvalue"] == pytest.approx((1 + np.sum(draws >= stat)) / 41)


def test_batched_als_equals_one_als_per_draw():
    sim = helpers.simulate_latent_panel(40, 60, seed=4)
    W, x, _, _ = latent._managed(sim.X.to_numpy(), sim.y.to_numpy(), sim.X.index.get_level_values("date"))
    rng = np.random.default_rng(0)
    xs = x[None] + 0.2 * rng.standard_normal((7, *x.shape)) * np.abs(x).mean()
    for intercept in (False, True):
        Gb, Ab, Fb, _, _ = latent._als_batch(W, xs, 2, intercept, 2000, 1e-12)
        for b in range(len(xs)):
            G, A, F, _, _ = latent._als(W, xs[b], 2, intercept, 2000, 1e-12)
            np.testing.assert_allclose(Gb[b], G, atol=1e-9)
            np.testing.assert_allclose(Fb[b], F, atol=1e-9)
            if intercept:
                np.testing.assert_allclose(Ab[b], A, atol=1e-9)


def test_gamma_alpha_test_size_and_power():
    # 60 null panels: p-values roughly uniform (rejections at 10 % within 3 s.e.); all alternatives found.
    null_p = [helpers.gamma_alpha_test(*_xy(helpers.simulate_latent_panel(60, 100, seed=s)), 2,
                                       n_boot=39, seed=s)["pvalue"] for s in range(60)]
    rate = np.mean(np.array(null_p) <= 0.10)
    assert abs(rate - 0.10) <= 3 * np.sqrt(0.1 * 0.9 / 60)
    alt_p = [helpers.gamma_alpha_test(*_xy(helpers.simulate_latent_panel(60, 100, alpha_scale=0.01, seed=s)),
                                      2, n_boot=39, seed=s)["pvalue"] for s in range(10)]
    assert max(alt_p) <= 0.05


def _xy(sim):
    return sim.X, sim.y


def test_gamma_alpha_test_refuses_dates_with_rank_deficient_characteristics():
    sim = helpers.simulate_latent_panel(30, 40, seed=0)
    X = sim.X.copy()
    first = X.index.get_level_values("date") == X.index.get_level_values("date")[0]
    X.loc[first, "c2"] = 0.0  # missing for every asset on the first date, filled with 0
    helpers.IPCA(2, intercept=True).fit(X, sim.y)  # the fit itself is fine
    with pytest.raises(ValueError, match="1 of 30 dates.*2000-01-31.*rank 4"):
        helpers.gamma_alpha_test(X, sim.y, 2, n_boot=5)


def test_rp_pca_pricing_errors_out_of_sample_equal_statsmodels():
    R = helpers.load_french().portfolios
    half = len(R) // 2
    res = helpers.rp_pca(R.iloc[:half], 3, gamma=20)
    test = R.iloc[half:]
    F = test.to_numpy() @ res.weights.to_numpy()
    expected = [sm.OLS(test[c].to_numpy(), sm.add_constant(F)).fit().params[0] for c in R.columns]
    np.testing.assert_allclose(res.pricing_errors(test).to_numpy(), expected, rtol=1e-9, atol=1e-14)
    # on the estimation sample, the stored alphas
    np.testing.assert_allclose(res.pricing_errors(R.iloc[:half]), res.alphas, atol=1e-14)
    with pytest.raises(ValueError, match="same assets"):
        res.pricing_errors(test.iloc[:, ::-1])


def test_managed_portfolios_equal_a_direct_sum_in_any_row_order():
    sim = helpers.simulate_latent_panel(15, 30, seed=2)
    rng = np.random.default_rng(0)
    shuffled = rng.permutation(len(sim.X))
    X, y = sim.X.iloc[shuffled], sim.y.iloc[shuffled]
    W, x, dates, _ = latent._managed(X.to_numpy(), y.to_numpy(), X.index.get_level_values("date"))
    for t, d in enumerate(dates):
        Z = sim.X.xs(d, level="date").to_numpy()
        r = sim.y.xs(d, level="date").to_numpy()
        np.testing.assert_allclose(W[t], Z.T @ Z, rtol=1e-12)
        np.testing.assert_allclose(x[t], Z.T @ r, rtol=1e-12, atol=1e-15)
