"""helpers.information_coefficient as it was before issue 14 (commit c39cc49), for the benchmark.

The same results; kept here only to measure the speed-up of the current version
in the same run. Differences now: a balanced panel sorted by date is reshaped
instead of scattered, the ties of the padding are not averaged, the averaging
of ties uses running maxima over the tied rows, and the two threads share the
dates instead of taking one side each.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from helpers.metrics import _align


def average_ranks(a):
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
        flat = new.ravel()
        group = np.cumsum(flat) - 1
        starts = np.flatnonzero(flat)
        ends = np.append(starts[1:] - 1, flat.size - 1)
        position = (((starts + ends) * 0.5) % width + 1.0)[group].reshape(a.shape)
    ranks = np.empty(a.shape)
    np.put_along_axis(ranks, order, position, axis=1)
    return ranks


def information_coefficient(y_true, y_pred, dates=None):
    truth, pred, dates = _align(y_true, y_pred, dates)
    codes, unique = pd.factorize(dates, sort=True)
    n_dates = len(unique)
    order = np.argsort(codes, kind="stable")
    codes, truth, pred = codes[order], truth[order], pred[order]
    counts = np.bincount(codes, minlength=n_dates)
    starts = np.concatenate([[0], np.cumsum(counts)])
    width = max(int(counts.max()), 1) if len(counts) else 1
    slot = np.arange(len(codes)) - starts[codes]
    valid = np.isfinite(truth) & np.isfinite(pred)
    padded = np.full((2, n_dates, width), np.inf)
    padded[0, codes[valid], slot[valid]] = truth[valid]
    padded[1, codes[valid], slot[valid]] = pred[valid]
    inside = np.zeros((n_dates, width), dtype=bool)
    inside[codes[valid], slot[valid]] = True
    if padded[0].size < 100_000:
        ranks = np.stack([average_ranks(padded[0]), average_ranks(padded[1])])
    else:
        with ThreadPoolExecutor(2) as pool:
            ranks = np.stack(list(pool.map(average_ranks, padded)))
    n_pairs = inside.sum(axis=1)
    centred = ranks - ((n_pairs + 1) / 2.0)[None, :, None]
    centred *= inside[None]
    cross = np.einsum("tw,tw->t", centred[0], centred[1])
    ss_true = np.einsum("tw,tw->t", centred[0], centred[0])
    ss_pred = np.einsum("tw,tw->t", centred[1], centred[1])
    defined = (n_pairs >= 3) & (ss_true > 0) & (ss_pred > 0)
    ic = np.full(n_dates, np.nan)
    ic[defined] = cross[defined] / np.sqrt(ss_true[defined] * ss_pred[defined])
    return pd.Series(ic, index=pd.Index(unique, name="date"), name="ic")
