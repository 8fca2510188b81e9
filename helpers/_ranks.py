"""Average ranks along the rows of an array, shared by the IC and the quantile portfolios."""

from __future__ import annotations

import numpy as np


def average_ranks(a: np.ndarray) -> np.ndarray:
    """Average ranks (1-based, ties averaged) along the rows of a 2-D array.

    The same as ``scipy.stats.rankdata(a, axis=1)``, about twice as fast: one
    unstable sort per row (ties are averaged, so their order does not matter)
    and the tie groups found on the sorted rows all at once.
    """
    n_rows, width = a.shape
    if a.size == 0:
        return np.empty(a.shape)
    order = np.argsort(a, axis=1)
    ordered = np.take_along_axis(a, order, axis=1)
    new = np.empty(a.shape, dtype=bool)
    new[:, 0] = True
    np.not_equal(ordered[:, 1:], ordered[:, :-1], out=new[:, 1:])
    if new.all():
        position = np.broadcast_to(np.arange(1.0, width + 1.0), a.shape)
    else:
        # Tie groups never cross rows (each row starts one): number them over
        # the flattened array; a group's average rank is the mid-point of its
        # first and last position in the row, plus one.
        flat = new.ravel()
        group = np.cumsum(flat) - 1
        starts = np.flatnonzero(flat)
        ends = np.append(starts[1:] - 1, flat.size - 1)
        position = (((starts + ends) * 0.5) % width + 1.0)[group].reshape(a.shape)
    ranks = np.empty(a.shape)
    np.put_along_axis(ranks, order, position, axis=1)
    return ranks
