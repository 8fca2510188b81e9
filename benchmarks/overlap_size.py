"""Monte Carlo: size of plain, Newey-West(h-1), Hansen-Hodrick(h-1) and non-overlapping
t-tests on overlapping h-period means with a true mean of zero (about 2 minutes).

    .venv/bin/python benchmarks/overlap_size.py
"""
import warnings, numpy as np, pandas as pd, helpers
from scipy import stats
T, n_sims = 600, 2000
rng = np.random.default_rng(0)
rows = {}
for h in (1, 3, 6, 12):
    rej = {"plain t": 0, f"NW(h-1)": 0, f"HH(h-1)": 0, "non-overlapping": 0}
    fallbacks = 0
    for s in range(n_sims):
        e = rng.normal(0, 0.1, T + h - 1)
        x = pd.Series(np.convolve(e, np.ones(h) / h, mode="valid"))
        crit = stats.t.ppf(0.975, T - 1)
        rej["plain t"] += abs(helpers.ic_summary(x)["t_stat"]) > crit
        L = h - 1 if h > 1 else None
        rej["NW(h-1)"] += abs(helpers.ic_summary(x, L)["t_stat"]) > crit
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            rej["HH(h-1)"] += abs(helpers.ic_summary(x, L, kernel="uniform")["t_stat"]) > crit
            fallbacks += len(w)
        sub = x.iloc[::h]
        rej["non-overlapping"] += helpers.ic_summary(sub)["p_value"] < 0.05
    rows[h] = {k: v / n_sims for k, v in rej.items()} | {"HH fallbacks": fallbacks}
out = pd.DataFrame(rows).T
out.index.name = "h"
print(f"T={T}, {n_sims} simulations, 5% two-sided; MC s.e. at 5%: {np.sqrt(.05*.95/n_sims):.4f}")
print(out.to_string())
