"""Benchmark: IPCA's alternating least squares and the Γ_α bootstrap, vectorised vs loops.

Run with `make bench` (not part of `make test`). Prints a Markdown table and
writes it to benchmarks/results/ipca.md, which the book includes.

1. **Fit.** A direct transcription of Kelly, Pruitt & Su's ALS that loops over
   dates (one least-squares problem per date for the factors, the pooled
   normal equations for Γ summed date by date) against `helpers.IPCA`, which
   works on the per-date moments Z'Z and Z'r, all dates at once. Both start
   from the same SVD and run to the same tolerance; their Γ must span the
   same space (sine of the largest angle below 1e-6).
2. **Γ_α bootstrap.** One `_als` refit per bootstrap draw in a Python loop
   (the algorithm as published) against `helpers.gamma_alpha_test`, which
   refits all draws in one batched ALS. Same draws, same p-value.

The `ipca` package on PyPI is not timed: it needs numba and llvmlite, which the
book does not pin.
"""

from __future__ import annotations

import argparse
import os
import platform
import pathlib
import warnings

import numpy as np
import pandas as pd

import helpers
from helpers import latent
from _common import speedup_table, timed

HERE = pathlib.Path(__file__).resolve().parent


def loop_ipca(X, y, K, tol=1e-8, max_iter=500):
    """KPS's ALS, one date at a time (no intercept), to the same stopping rule as the helper."""
    dates = X.index.get_level_values("date")
    codes, uniques = pd.factorize(dates, sort=True)
    Zv, rv = X.to_numpy(), y.to_numpy()
    Zs = [Zv[codes == t] for t in range(len(uniques))]
    rs = [rv[codes == t] for t in range(len(uniques))]
    xs = np.array([Z.T @ r for Z, r in zip(Zs, rs)])
    G = np.linalg.svd(xs.T, full_matrices=False)[0][:, :K]
    F = np.array([np.linalg.lstsq(Z @ G, r, rcond=None)[0] for Z, r in zip(Zs, rs)])
    L = G.shape[0]
    for _ in range(max_iter):
        A = np.zeros((L * K, L * K))
        b = np.zeros(L * K)
        for Z, r, f in zip(Zs, rs, F):
            A += np.kron(Z.T @ Z, np.outer(f, f))
            b += np.kron(Z.T @ r, f)
        G_new = np.linalg.solve(A, b).reshape(L, K)
        F_new = np.array([np.linalg.lstsq(Z @ G_new, r, rcond=None)[0] for Z, r in zip(Zs, rs)])
        G_new, F_new, _ = latent._normalise(G_new, F_new, None)
        change = max(np.abs(G_new - G).max(), np.abs(F_new - F).max())
        G, F = G_new, F_new
        if change < tol:
            break
    return G


def loop_bootstrap(X, y, K, n_boot, seed):
    """The Γ_α bootstrap with one refit per draw, in a loop; returns the p-value."""
    model = helpers.IPCA(K, intercept=True).fit(X, y)
    W, x, _, _ = latent._managed(X.to_numpy(), y.to_numpy(), X.index.get_level_values("date"))
    gb, ga, F = model.gamma_.to_numpy(), model.gamma_alpha_.to_numpy(), model.factors_.to_numpy()
    null_fit = np.einsum("tlm,mk,tk->tl", W, gb, F)
    resid = x - W @ ga - null_fit
    rng = np.random.default_rng(seed)
    T = len(x)
    draws = np.empty(n_boot)
    for b in range(n_boot):
        j = rng.integers(0, T, T)
        q = rng.standard_t(5, T) / np.sqrt(5 / 3)
        _, ga_b, _, _, _ = latent._als(W, null_fit + q[:, None] * resid[j], K, True, 500, 1e-8)
        draws[b] = ga_b @ ga_b
    return (1 + np.sum(draws >= ga @ ga)) / (1 + n_boot)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    args = parser.parse_args()
    T, N, L, K = (24, 100, 5, 2) if args.quick else (240, 2000, 8, 3)
    sim = helpers.simulate_latent_panel(T, N, n_factors=K, n_chars=L, seed=0)
    f_loop, t_loop, G_loop = timed(loop_ipca, sim.X, sim.y, K)
    f_help, t_help, model = timed(lambda: helpers.IPCA(K).fit(sim.X, sim.y))
    gap = helpers.subspace_distance(G_loop, model.gamma_)
    assert gap < 1e-6, f"the two fits disagree: sine of the largest angle {gap:.2e}"

    Tb, Nb, B = (24, 50, 19) if args.quick else (120, 200, 199)
    boot = helpers.simulate_latent_panel(Tb, Nb, alpha_scale=0.002, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a refit that does not converge would make the timing meaningless
        f_bl, t_bl, p_loop = timed(loop_bootstrap, boot.X, boot.y, 2, B, 0)
        f_bh, t_bh, res = timed(lambda: helpers.gamma_alpha_test(boot.X, boot.y, 2, n_boot=B, seed=0))
    assert abs(p_loop - res["pvalue"]) < 1e-12, f"p-values differ: {p_loop} vs {res['pvalue']}"

    lines = [
        f"**IPCA fit**: T={T} dates x N={N} assets ({len(sim.X):,} rows), L={L} characteristics, "
        f"K={K} factors, to the same tolerance (1e-8); the two Γ span the same space "
        f"(sine of the largest angle {gap:.1e}); the helper took {model.n_iter_} iterations.",
        "",
        *speedup_table([("loop over dates (KPS's ALS as published)", f_loop, t_loop)],
                       ("`helpers.IPCA.fit`", f_help, t_help)),
        "",
        f"**Γ_α bootstrap**: {B} draws on T={Tb} x N={Nb}, K=2; the same draws give the same "
        f"p-value ({res['pvalue']:.3f}) both ways.",
        "",
        *speedup_table([("one refit per draw, in a loop", f_bl, t_bl)],
                       ("`helpers.gamma_alpha_test` (refits batched)", f_bh, t_bh)),
        "",
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"NumPy {np.__version__}, pandas {pd.__version__}.",
    ]
    table = "\n".join(lines)
    print(table)
    if not args.quick:
        out = HERE / "results" / "ipca.md"
        out.write_text(table + "\n")
        print(f"\nwritten to {out.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
