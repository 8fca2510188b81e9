"""Checks of chapter 14, Statistical factors."""

from __future__ import annotations

from helpers._exercise_checks._data import french
from helpers.exercises import exercise


@exercise("sf-ex-share", stores=["share3"])
def share(c):
    from sklearn.decomposition import PCA

    value = c.number("share3")
    if value > 1.0:
        c.expect(False, ok="", hint="`share3` should be a share between 0 and 1, not a percentage")
        return
    expected = PCA(3).fit(french().portfolios).explained_variance_ratio_.sum()
    c.close("share3", expected, rtol=1e-6, ok="`share3` is right",
            hint="`share3` is off: sum explained_variance_ratio_ of PCA(3) fit on ff.portfolios")


@exercise("sf-ex-rpalpha", stores=["rms_pca5", "rms_rp5"])
def rpalpha(c):
    import helpers

    R = french().portfolios
    c.close("rms_pca5", helpers.rp_pca(R, 5, gamma=-1).rms_alpha, rtol=1e-6, ok="`rms_pca5` is right",
            hint="`rms_pca5` is off: rp_pca(ff.portfolios, 5, gamma=-1).rms_alpha")
    c.close("rms_rp5", helpers.rp_pca(R, 5, gamma=20).rms_alpha, rtol=1e-6, ok="`rms_rp5` is right",
            hint="`rms_rp5` is off: use five factors and gamma=20")


@exercise("sf-ex-recovery", stores=["gamma_error"])
def recovery(c):
    import helpers

    sim = helpers.simulate_latent_panel(60, 100, seed=7)
    expected = helpers.subspace_distance(helpers.IPCA(2).fit(sim.X, sim.y).gamma_, sim.gamma)
    c.close("gamma_error", expected, rtol=1e-4, ok="`gamma_error` is right",
            hint="`gamma_error` is off: fit IPCA(2) on simulate_latent_panel(60, 100, seed=7) "
            "and compare model.gamma_ with sim.gamma")
