"""Benchmark: Fama-MacBeth three ways on one panel, and a CRSP-sized panel.

Run with `make bench` (not part of `make test`). Prints a Markdown table and
writes it to benchmarks/results/fama_macbeth.md, which the book includes.

1. the source's per-date loop (fixed so that it runs): one scikit-learn
   LinearRegression fit per date, selecting each date with .loc;
2. helpers.fama_macbeth: batched normal equations over dates;
3. linearmodels.panel.FamaMacBeth, including the conversion of the panel to its
   (entity, time) index.

All three start from the same pandas panel and must agree to 1e-10.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import platform
import resource
import tracemalloc

import numpy as np
import pandas as pd
from linearmodels.panel import FamaMacBeth
from sklearn.linear_model import LinearRegression

import helpers
from _common import speedup_table, timed

HERE = pathlib.Path(__file__).resolve().parent


def make_panel(n_dates, n_assets, n_chars, nan_share, seed=0):
    rng = np.random.default_rng(seed)
    index = pd.MultiIndex.from_product(
        [pd.date_range("1960-01-31", periods=n_dates, freq="ME"), np.arange(n_assets)],
        names=["date", "asset"],
    )
    x = rng.standard_normal((len(index), n_chars))
    lam = rng.normal(0.0, 0.01, n_chars)
    y = 0.005 + x @ lam + rng.standard_t(4, len(index)) * 0.08
    rows = rng.random(len(index)) < nan_share
    x[rows, rng.integers(0, n_chars, rows.sum())] = np.nan
    X = pd.DataFrame(x, index=index, columns=[f"c{k}" for k in range(n_chars)])
    return X, pd.Series(y, index=index, name="ret")


def source_loop(X, y):
    """The source's sketch, with the scikit-learn estimator fitted at each date."""
    dates = y.index.get_level_values(0).unique()
    rows = []
    model = LinearRegression()
    for date in dates:
        X_t = X.loc[date].values
        y_t = y.loc[date].values
        mask = ~np.isnan(y_t) & np.all(~np.isnan(X_t), axis=1)
        if mask.sum() < X_t.shape[1] + 1:
            continue
        model.fit(X_t[mask], y_t[mask])
        rows.append([model.intercept_, *model.coef_])
    return np.asarray(rows).mean(axis=0)


def with_helpers(X, y):
    return helpers.fama_macbeth(X, y).premia.to_numpy()


def with_linearmodels(X, y):
    data = pd.concat([y, X], axis=1).dropna().swaplevel().sort_index()
    data.insert(1, "const", 1.0)
    res = FamaMacBeth(data["ret"], data.drop(columns="ret")).fit()
    return res.params.to_numpy()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    args = parser.parse_args()
    T, N, K = (60, 200, 5) if args.quick else (600, 2000, 10)
    X, y = make_panel(T, N, K, nan_share=0.05)

    f_loop, t_loop, p_loop = timed(source_loop, X, y)
    f_help, t_help, p_help = timed(with_helpers, X, y)
    f_lm, t_lm, p_lm = timed(with_linearmodels, X, y)
    gap = max(np.abs(p_help - p_loop).max(), np.abs(p_help - p_lm).max())
    assert gap < 1e-10, f"the three implementations disagree by {gap:.2e}"

    T2, N2, K2 = (72, 500, 20) if args.quick else (720, 5000, 20)
    X2, y2 = make_panel(T2, N2, K2, nan_share=0.05, seed=1)
    _, t_big, _ = timed(with_helpers, X2, y2)
    tracemalloc.start()
    with_helpers(X2, y2)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    input_mb = (X2.memory_usage(index=False).sum() + y2.memory_usage(index=False)) / 2**20
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    lines = [
        f"Fama–MacBeth on T={T} dates x N={N} assets x K={K} characteristics "
        f"({len(X):,} rows, 5 % of rows with a NaN), from the same pandas panel; "
        f"the three agree to {gap:.1e}.",
        "",
        *speedup_table(
            [
                ("source-style loop, one scikit-learn fit per date", f_loop, t_loop),
                ("linearmodels `FamaMacBeth` (with index conversion)", f_lm, t_lm),
            ],
            ("`helpers.fama_macbeth`", f_help, t_help),
        ),
        "",
        f"CRSP-sized panel, T={T2} x N={N2} x K={K2} ({len(X2):,} rows, input "
        f"{input_mb:,.0f} MB): `helpers.fama_macbeth` takes {t_big:.2f} s (best of 3); memory it "
        f"allocates at its peak {peak / 2**20:,.0f} MB (tracemalloc); peak resident "
        f"memory of the whole benchmark process {rss_mb:,.0f} MB.",
        "",
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"NumPy {np.__version__}, pandas {pd.__version__}.",
    ]
    table = "\n".join(lines)
    print(table)
    if not args.quick:
        out = HERE / "results" / "fama_macbeth.md"
        out.parent.mkdir(exist_ok=True)
        out.write_text(table + "\n")
        print(f"\nwritten to {out.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
