"""Data the checks recompute their references from, loaded once per process."""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=1)
def us_stocks():
    import helpers

    return helpers.load_us_stocks()


@functools.lru_cache(maxsize=1)
def french():
    import helpers

    return helpers.load_french()
