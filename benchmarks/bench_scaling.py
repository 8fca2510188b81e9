"""Benchmark: Fama-MacBeth on a CRSP-sized daily panel, in pandas and on a Dask LocalCluster.

Run by hand, niced (not part of `make test` or `make bench`: it needs about
10 GiB for the pandas run and a few minutes):

    nice -n 10 .venv/bin/python benchmarks/bench_scaling.py

It writes benchmarks/results/scaling_fama_macbeth.md (the table) and
scaling_fama_macbeth.json (its numbers), which the appendix "Scaling out" reads. The panel: 6000 dates x 5000 assets x 20
characteristics (30 million rows; X alone is 4.5 GiB), made block by block of
dates from seeded generators, so that both runs see exactly the same numbers.

1. pandas: the blocks are written into one (date, asset) panel in this
   process, then `helpers.fama_macbeth(X, y)`.
2. Dask: a LocalCluster of two worker processes (one thread each) on
   127.0.0.1; every partition (a block of whole dates) is made on a worker
   and solved there by `helpers.fama_macbeth_dask`; only the per-date
   estimates travel.

Each run is a separate Python process, so that its peak resident memory
(getrusage) is its own. The two results must agree to 1e-12.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import pathlib
import platform
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd

HERE = pathlib.Path(__file__).resolve().parent
SEED = 2026


def sizes(quick):
    # dates, assets, characteristics, dates per block (partition)
    return (60, 200, 5, 10) if quick else (6000, 5000, 20, 50)


def block_arrays(b, dates_per_block, n_assets, n_chars):
    """Characteristics (n_chars x rows) and returns of block b, from its own generator."""
    rng = np.random.default_rng([SEED, b])
    lam = np.random.default_rng(SEED).normal(0.0, 0.001, n_chars)
    rows = dates_per_block * n_assets
    x = rng.standard_normal((n_chars, rows))
    y = 0.0005 + lam @ x + rng.standard_t(4, rows) * 0.02
    return x, y


def all_dates(n_dates):
    return pd.bdate_range("1990-01-01", periods=n_dates, name="date")


def make_partition(b, dates_per_block, n_assets, n_chars, dates):
    """Block b as a pandas partition: indexed by date, an asset column, returns, characteristics."""
    x, y = block_arrays(b, dates_per_block, n_assets, n_chars)
    columns = {"asset": np.tile(np.arange(n_assets), dates_per_block), "ret": y}
    columns.update({f"c{k}": x[k] for k in range(n_chars)})
    index = dates[b * dates_per_block:(b + 1) * dates_per_block].repeat(n_assets)
    return pd.DataFrame(columns, index=index)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_pandas(quick):
    import helpers

    T, N, K, B = sizes(quick)
    start = time.perf_counter()
    x = np.empty((K, T * N))
    y = np.empty(T * N)
    for b in range(T // B):
        rows = slice(b * B * N, (b + 1) * B * N)
        x[:, rows], y[rows] = block_arrays(b, B, N, K)
    index = pd.MultiIndex.from_product([all_dates(T), np.arange(N)], names=["date", "asset"])
    X = pd.DataFrame(x.T, index=index, columns=[f"c{k}" for k in range(K)], copy=False)
    Y = pd.Series(y, index=index, name="ret", copy=False)
    built = time.perf_counter() - start
    start = time.perf_counter()
    res = helpers.fama_macbeth(X, Y)
    fm = time.perf_counter() - start
    return {"build": built, "fm": fm, "total": built + fm, "peak_mb": peak_rss_mb(),
            "premia": res.premia.tolist(), "se": res.std_errors.tolist(),
            "x_gib": X.memory_usage(index=False).sum() / 2**30}


def run_dask(quick):
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    import helpers

    T, N, K, B = sizes(quick)
    dates = all_dates(T)
    start = time.perf_counter()
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None, silence_logs=logging.ERROR, memory_limit="4GiB",
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
    )
    client = Client(cluster)
    started = time.perf_counter() - start
    meta = make_partition(0, 1, 1, K, dates).iloc[:0]
    start = time.perf_counter()
    ddf = dd.from_map(make_partition, range(T // B), args=(B, N, K, dates), meta=meta,
                      divisions=[*dates[::B], dates[-1]])
    res = helpers.fama_macbeth_dask(ddf, "ret")
    total = time.perf_counter() - start
    workers = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    client.close()
    cluster.close()
    return {"start": started, "total": total, "peak_mb": peak_rss_mb(),
            "worker_peak_mb": max(workers.values()), "n_workers": len(workers),
            "npartitions": ddf.npartitions,
            "premia": res.premia.tolist(), "se": res.std_errors.tolist()}


def child(mode, quick):
    out = subprocess.run(
        [sys.executable, __file__, "--run", mode] + (["--quick"] if quick else []),
        capture_output=True, text=True, check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"the {mode} run failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--run", choices=["pandas", "dask"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        result = (run_pandas if args.run == "pandas" else run_dask)(args.quick)
        print(json.dumps(result))
        return
    T, N, K, B = sizes(args.quick)
    dk = child("dask", args.quick)
    pdres = child("pandas", args.quick)
    gap = max(np.abs(np.subtract(dk["premia"], pdres["premia"])).max(),
              np.abs(np.subtract(dk["se"], pdres["se"])).max())
    assert gap < 1e-12, f"pandas and Dask disagree by {gap:.2e}"
    gib = 1024
    lines = [
        f"Fama–MacBeth on T={T:,} dates x N={N:,} assets x K={K} characteristics "
        f"({T * N:,} rows; X alone {pdres['x_gib']:.1f} GiB); premia and standard errors of "
        f"the two runs agree to {gap:.1e}.",
        "",
        "| run | time (s) | peak memory (GiB) |",
        "|---|---:|---:|",
        f"| pandas: build the panel in one process | {pdres['build']:.1f} | |",
        f"| pandas: `helpers.fama_macbeth(X, y)` | {pdres['fm']:.1f} | |",
        f"| pandas, total (one process) | {pdres['total']:.1f} | {pdres['peak_mb'] / gib:.2f} |",
        f"| Dask: {dk['npartitions']} partitions of {B} dates made and solved on "
        f"{dk['n_workers']} workers, `helpers.fama_macbeth_dask` | {dk['total']:.1f} | "
        f"{dk['worker_peak_mb'] / gib:.2f} per worker, {dk['peak_mb'] / gib:.2f} client and scheduler |",
        "",
        f"Peak memory is the peak resident set size of each process (getrusage). Starting the "
        f"LocalCluster took {dk['start']:.1f} s more. Machine: {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, NumPy {np.__version__}, pandas {pd.__version__}; run "
        f"under `nice -n 10` beside other work, so the times are indicative.",
    ]
    table = "\n".join(lines)
    print(table)
    if not args.quick:
        out = HERE / "results" / "scaling_fama_macbeth.md"
        out.write_text(table + "\n")
        numbers = {"n_dates": T, "n_assets": N, "n_chars": K, "dates_per_partition": B,
                   "gap": float(gap), "cores": os.cpu_count(), "pandas": pdres, "dask": dk}
        out.with_suffix(".json").write_text(json.dumps(numbers, indent=1) + "\n")
        print(f"\nwritten to {out.relative_to(HERE.parent)} and its .json")


if __name__ == "__main__":
    main()
