"""Benchmark: the per-date Information Coefficient, vectorised vs a scipy loop.

Run with `make bench` (not part of `make test`). Prints a Markdown table and
writes it to benchmarks/results/information_coefficient.md, which the book
includes.

1. a loop over dates calling scipy.stats.spearmanr on each date's valid pairs,
   starting from the pandas panel (groupby over the date level);
2. alphalens-reloaded's `factor_information_coefficient` (a benchmark-only
   dependency, pinned in benchmarks/requirements.txt, which `make bench`
   installs; the row is left out if it is not installed), timed from the same
   Series: building its factor_data frame (valid pairs only), then the call;
3. helpers.information_coefficient before issue 14 (benchmarks/_ic_previous.py),
   to measure the speed-up of the current version in the same run;
4. helpers.information_coefficient: every date ranked at once in a padded
   array, no per-date Python call.

Both start from the same pandas Series (T=600 dates x N=2000 assets, 5 % of
pairs with a NaN and ties in the forecasts) and must agree to 1e-12.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import platform
import warnings

import numpy as np
import pandas as pd
import scipy
from scipy.stats import spearmanr

import helpers
import _ic_previous
from _common import speedup_table, timed

HERE = pathlib.Path(__file__).resolve().parent


def make_panel(n_dates, n_assets, nan_share, seed=0):
    rng = np.random.default_rng(seed)
    index = pd.MultiIndex.from_product(
        [pd.date_range("1960-01-31", periods=n_dates, freq="ME"), np.arange(n_assets)],
        names=["date", "asset"],
    )
    signal = rng.standard_normal(len(index))
    y = 0.05 * signal + rng.standard_t(4, len(index))
    forecast = np.round(signal, 1)  # ties, as in bucketed scores
    y[rng.random(len(index)) < nan_share / 2] = np.nan
    forecast[rng.random(len(index)) < nan_share / 2] = np.nan
    return pd.Series(y, index=index, name="ret"), pd.Series(forecast, index=index, name="score")


def scipy_loop(y, forecast):
    """One scipy.stats.spearmanr call per date, on that date's valid pairs."""
    frame = pd.DataFrame({"y": y, "f": forecast})
    out = {}
    for date, group in frame.groupby(level="date"):
        group = group.dropna()
        if len(group) < 3:
            out[date] = np.nan
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # constant input
            out[date] = spearmanr(group["y"], group["f"])[0]
    return pd.Series(out, dtype="float64")


def with_alphalens(y, forecast):
    """alphalens' per-date IC, from its factor_data layout (a '1D' return column, 'factor')."""
    from alphalens.performance import factor_information_coefficient

    factor_data = pd.DataFrame({"1D": y, "factor": forecast}).dropna()
    return factor_information_coefficient(factor_data)["1D"]


def with_helpers(y, forecast):
    return helpers.information_coefficient(y, forecast)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    args = parser.parse_args()
    T, N = (40, 100) if args.quick else (600, 2000)
    y, forecast = make_panel(T, N, nan_share=0.05)

    f_loop, t_loop, ic_loop = timed(scipy_loop, y, forecast)
    f_help, t_help, ic_help = timed(with_helpers, y, forecast)
    gap = float(np.nanmax(np.abs(ic_help.to_numpy() - ic_loop.reindex(ic_help.index).to_numpy())))
    assert gap < 1e-12, f"the two implementations disagree by {gap:.2e}"
    rows = [("loop over dates, `scipy.stats.spearmanr` per date", f_loop, t_loop)]
    try:
        import alphalens
    except ImportError:
        alphalens = None
    f_prev, t_prev, ic_prev = timed(_ic_previous.information_coefficient, y, forecast)
    same = np.array_equal(ic_prev.to_numpy(), ic_help.to_numpy(), equal_nan=True)
    assert same, "the previous and the current helpers give different ICs"
    # The speed-up over the previous version from interleaved runs, so that both
    # see the same state of a (possibly shared) machine: median and range of 7 pairs.
    ratios = []
    for _ in range(7):
        _, t_p, _ = timed(_ic_previous.information_coefficient, y, forecast, repeat=1)
        _, t_c, _ = timed(with_helpers, y, forecast, repeat=1)
        ratios.append(t_p / t_c)
    if alphalens is not None:
        f_al, t_al, ic_al = timed(with_alphalens, y, forecast)
        gap_al = float(np.nanmax(np.abs(ic_help.to_numpy() - ic_al.reindex(ic_help.index).to_numpy())))
        assert gap_al < 1e-12, f"alphalens and helpers disagree by {gap_al:.2e}"
        gap = max(gap, gap_al)
        rows.append((f"alphalens-reloaded {alphalens.__version__} `factor_information_coefficient`",
                     f_al, t_al))

    rows.append(("`helpers.information_coefficient` before issue 14 (same results)", f_prev, t_prev))
    lines = [
        f"Per-date Spearman IC on T={T} dates x N={N} assets ({len(y):,} rows, 5 % of "
        f"pairs with a NaN, ties in the forecasts), from the same pandas Series; the "
        f"{['two', 'three'][len(rows) - 2]} implementations agree to {gap:.1e}; the helpers "
        f"before and after issue 14 give identical results, the current one "
        f"{np.median(ratios):.2f} times faster (median of 7 interleaved pairs of runs; "
        f"range {min(ratios):.2f} to {max(ratios):.2f}).",
        "",
        *speedup_table(rows, ("`helpers.information_coefficient`", f_help, t_help)),
        "",
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"NumPy {np.__version__}, SciPy {scipy.__version__}, pandas {pd.__version__}.",
    ]
    table = "\n".join(lines)
    print(table)
    if not args.quick:
        out = HERE / "results" / "information_coefficient.md"
        out.parent.mkdir(exist_ok=True)
        out.write_text(table + "\n")
        print(f"\nwritten to {out.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
