"""How many threads the helpers' own thread pools may use."""

from __future__ import annotations

import os


def inner_threads(cap: int = 2) -> int:
    """Threads for a helper's own pool: at most ``cap`` and the cores, and ``OMP_NUM_THREADS`` if set.

    A process that was told to use one thread (``make test`` sets
    ``OMP_NUM_THREADS=1`` for the notebooks; a Dask worker started by a nanny
    gets it by default) does not start threads of its own either, so that
    threads do not multiply when many such processes share a machine.
    """
    n = min(cap, os.cpu_count() or 1)
    setting = os.environ.get("OMP_NUM_THREADS", "").strip()
    if setting.isdigit() and int(setting) > 0:
        n = min(n, int(setting))
    return max(n, 1)
