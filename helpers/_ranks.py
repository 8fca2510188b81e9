"""Average ranks along the rows of an array, shared by the IC and the quantile portfolios."""

from __future__ import annotations

import numpy as np


def average_ranks(a: np.ndarray, *, tied_inf: bool = True, out: np.ndarray | None = None) -> np.ndarray:
    """Average ranks (1-based, ties averaged) along the rows of a 2-D array.

    The same as ``scipy.stats.rankdata(a, axis=1)``, and faster: one unstable
    sort per row (ties are averaged, so their order does not matter), and the
    averaging of ties done only in the rows that have any. With
    ``tied_inf=False``, +inf values are not averaged with each other (each gets
    its own rank, after every finite value): for padding whose ranks are not
    used. The ranks are written into ``out`` if given (float64, ``a``'s shape).
    """
    n_rows, width = a.shape
    ranks = np.empty(a.shape) if out is None else out
    if a.size == 0:
        return ranks
    order = np.argsort(a, axis=1)
    ordered = np.take_along_axis(a, order, axis=1)
    tied = ordered[:, 1:] == ordered[:, :-1]  # value j + 1 of a sorted row equals value j
    if not tied_inf:
        tied &= ordered[:, 1:] != np.inf
    position = np.broadcast_to(np.arange(1.0, width + 1.0), a.shape)
    rows = np.flatnonzero(tied.any(axis=1))
    if len(rows):
        # In a row with ties, a value's average rank is the mid-point of the first and
        # the last position of its tie group, plus one. Over the rows with ties laid end
        # to end (every row starts a group), a running maximum of the positions where a
        # group starts gives the first, a running minimum from the end the last.
        n = len(rows) * width
        starts = np.ones((len(rows), width), dtype=bool)
        np.logical_not(tied[rows], out=starts[:, 1:])
        flat = starts.ravel()
        where = np.arange(n, dtype=np.int64)
        first = np.maximum.accumulate(np.where(flat, where, 0))
        ends = np.empty(n, dtype=bool)
        ends[:-1] = flat[1:]
        ends[-1] = True
        last = np.minimum.accumulate(np.where(ends, where, n)[::-1])[::-1]
        offset = (np.arange(len(rows)) * width).repeat(width)
        averaged = ((first + last) * 0.5 - offset + 1.0).reshape(len(rows), width)
        if len(rows) == n_rows:
            position = averaged
        else:
            position = np.array(position)
            position[rows] = averaged
    np.put_along_axis(ranks, order, position, axis=1)
    return ranks
