"""Benchmark: Fama-MacBeth three ways on one panel, and a CRSP-sized panel.

Run with `make bench` (not part of `make test`). Prints a Markdown table and
writes it to benchmarks/results/fama_macbeth.md, which the book includes.

1. the source's per-date loop (fixed so that it runs): one scikit-learn
   LinearRegression fit per date, selecting each date with .loc;
2. helpers.fama_macbeth: batched normal equations over dates;
3. linearmodels.panel.FamaMacBeth, including the conversion of the panel to its
   (entity, time) index;
4. the floor: the least a batched NumPy solution does, from raw arrays taken
   out of the panel beforehand (no pandas, no checks, no R², no skipped
   dates): per cache-sized block of dates, one batched matmul of the per-date
   Gram blocks of [x, y, 1], over two threads, then one batched solve.

All four start from the same panel and must agree to 1e-10.
"""

from __future__ import annotations

import argparse
import os
from concurrent.futures import ThreadPoolExecutor
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


def numpy_floor(xt, y, n_dates, n_assets, block=20, threads=2):
    """The batched-NumPy floor from raw arrays (no pandas, no checks): the premia.

    xt holds the characteristics characteristic-major, (K, T * N), as pandas stores a
    float frame's columns; y the returns (T * N,); the panel is balanced and sorted by
    date, rows with a NaN get no weight. Per block of dates that fits in cache, the
    moment matrices [x, y, 1]'[x, y, 1] of all its dates come from one batched matmul;
    the blocks are split over two threads; then all centred normal equations are solved
    at once. This is the least work a batched solution does.
    """
    k = xt.shape[0]
    m = k + 2
    moments = np.empty((n_dates, m, m))
    blocks = [(b0, min(b0 + block, n_dates)) for b0 in range(0, n_dates, block)]

    def work(my_blocks):
        z = np.empty((m, block, n_assets))
        for b0, b1 in my_blocks:
            nb, r0, r1 = b1 - b0, b0 * n_assets, b1 * n_assets
            zb = z[:, :nb]
            zb[:k] = xt[:, r0:r1].reshape(k, nb, n_assets)
            zb[k] = y[r0:r1].reshape(nb, n_assets)
            zb[k + 1] = 1.0
            bad_t, bad_i = np.nonzero(~np.isfinite(zb[: k + 1].sum(axis=0)))
            zb[:, bad_t, bad_i] = 0.0
            zt = zb.transpose(1, 0, 2)
            np.matmul(zt, zt.transpose(0, 2, 1), out=moments[b0:b1])

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(work, [blocks[i::threads] for i in range(threads)]))
    n = moments[:, k + 1, k + 1]
    mx = moments[:, :k, k + 1] / n[:, None]
    my = moments[:, k, k + 1] / n
    gram = moments[:, :k, :k] - n[:, None, None] * mx[:, :, None] * mx[:, None, :]
    xty = moments[:, :k, k] - n[:, None] * mx * my[:, None]
    slopes = np.linalg.solve(gram, xty[:, :, None])[:, :, 0]
    const = my - np.einsum("tk,tk->t", mx, slopes)
    return np.column_stack([const, slopes]).mean(axis=0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    args = parser.parse_args()
    T, N, K = (60, 200, 5) if args.quick else (600, 2000, 10)
    X, y = make_panel(T, N, K, nan_share=0.05)

    f_loop, t_loop, p_loop = timed(source_loop, X, y)
    f_help, t_help, p_help = timed(with_helpers, X, y)
    f_lm, t_lm, p_lm = timed(with_linearmodels, X, y)
    xt, y_raw = X.to_numpy().T, y.to_numpy()  # raw arrays (characteristic-major, as pandas stores them)
    f_floor, t_floor, p_floor = timed(numpy_floor, xt, y_raw, T, N)
    # helpers again right after the floor, so that both see the same state of the machine
    f_help2, t_help2, _ = timed(with_helpers, X, y)
    f_help, t_help = min(f_help, f_help2), min(t_help, t_help2)
    # The ratio to the floor from interleaved runs (both see the same state of the
    # machine): median and range over 9 pairs.
    ratios = []
    for _ in range(9):
        _, t_f, _ = timed(numpy_floor, xt, y_raw, T, N, repeat=1)
        _, t_h, _ = timed(with_helpers, X, y, repeat=1)
        ratios.append(t_h / t_f)
    gap = max(np.abs(p_help - p) .max() for p in (p_loop, p_lm, p_floor))
    assert gap < 1e-10, f"the four implementations disagree by {gap:.2e}"

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
        f"({len(X):,} rows, 5 % of rows with a NaN), from the same panel; "
        f"the four agree to {gap:.1e}.",
        "",
        *speedup_table(
            [
                ("source-style loop, one scikit-learn fit per date", f_loop, t_loop),
                ("linearmodels `FamaMacBeth` (with index conversion)", f_lm, t_lm),
                ("batched-NumPy floor from raw arrays (premia only, no checks)", f_floor, t_floor),
            ],
            ("`helpers.fama_macbeth`", f_help, t_help),
        ),
        "",
        f"`helpers.fama_macbeth` takes {np.median(ratios):.2f} times the floor's time "
        f"(median of 9 interleaved pairs of runs, range {min(ratios):.2f} to {max(ratios):.2f}; "
        f"best of 3 in the table: {t_help / t_floor:.2f}).",
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
