"""What the benchmark scripts share: timing, and the Markdown table of speed-ups."""

from __future__ import annotations

import time


def timed(fn, *args, repeat=3):
    """Time of the first run and best time over `repeat` runs, and the result."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn(*args)
        times.append(time.perf_counter() - start)
    return times[0], min(times), out


def speedup_table(rows, ours):
    """Markdown rows: each (label, first, best) against `ours` = (label, first, best)."""
    label, first, best = ours
    lines = [
        "| implementation | first run (s) | best of 3 (s) | speed-up of helpers, "
        "first run | speed-up, best of 3 |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, f, b in rows:
        lines.append(f"| {name} | {f:.3f} | {b:.3f} | {_ratio(f / first)} | {_ratio(b / best)} |")
    lines.append(f"| {label} | {first:.3f} | {best:.3f} | 1x | 1x |")
    return lines


def _ratio(r):
    """A speed-up as 16x, or 1.9x / 0.71x below 10 (a slower helper shows as below 1)."""
    return f"{r:.0f}x" if r >= 10 else f"{r:.1f}x" if r >= 1 else f"{r:.2f}x"
