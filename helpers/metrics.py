r"""Metrics for cross-sectional forecasts: the per-date Information Coefficient.

The Information Coefficient (IC) of date :math:`t` is the Spearman rank
correlation, across assets, between the forecasts made at :math:`t` and the
returns that follow:

.. math:: \mathrm{IC}_t = \operatorname{corr}\big(\operatorname{rank}(\hat r_{\cdot,t+1}),
          \operatorname{rank}(r_{\cdot,t+1})\big).

It is computed date by date, never over the pooled panel, where market-wide
moves from date to date would dominate it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from helpers._validation import check_panel_index

__all__ = ["information_coefficient"]


def information_coefficient(y_true, y_pred, dates=None) -> pd.Series:
    """Per-date Spearman Information Coefficient of forecasts against outcomes.

    Parameters
    ----------
    y_true : pandas.Series or array-like
        Realised returns (or any outcome), one per row.
    y_pred : pandas.Series or array-like
        Forecasts made for the same rows.
    dates : array-like, optional
        The date of every row. If omitted, the ``date`` level of ``y_true``'s
        (or ``y_pred``'s) ``(date, asset)`` index is used.

    Returns
    -------
    pandas.Series
        One IC per date, indexed by the sorted dates. Rows where either side
        is NaN are dropped date by date; ties get average ranks, as in
        ``scipy.stats.spearmanr``. A date with fewer than 3 valid pairs, or
        where one side is constant, has an IC of NaN; the number of such dates
        is in ``.attrs["n_undefined"]`` and the number of pairs used per date
        in ``.attrs["n_pairs"]``.

    Notes
    -----
    Vectorised: every date's values are laid out as one row of a padded array
    and ranked at once (``scipy.stats.rankdata`` along the rows, with padding
    and dropped pairs set to +inf so that they rank last), then the
    Pearson correlations of the centred ranks are computed for all dates
    together. No per-date Python call is made.

    Examples
    --------
    >>> import helpers
    >>> sim = helpers.simulate_panel(n_dates=36, n_assets=200, seed=0)
    >>> ic = helpers.information_coefficient(sim.y, sim.expected)
    >>> len(ic), bool(ic.mean() > 0)
    (36, True)
    """
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
    # Padding and dropped pairs hold +inf: they rank after every valid value, so the
    # valid values of a date get the ranks 1..n_t they would get on their own.
    padded = np.full((2, n_dates, width), np.inf)
    padded[0, codes[valid], slot[valid]] = truth[valid]
    padded[1, codes[valid], slot[valid]] = pred[valid]
    inside = np.zeros((n_dates, width), dtype=bool)
    inside[codes[valid], slot[valid]] = True
    ranks = stats.rankdata(padded, axis=2)
    n_pairs = inside.sum(axis=1)
    centred = ranks - ((n_pairs + 1) / 2.0)[None, :, None]
    centred *= inside[None]
    cross = np.einsum("tw,tw->t", centred[0], centred[1])
    ss_true = np.einsum("tw,tw->t", centred[0], centred[0])
    ss_pred = np.einsum("tw,tw->t", centred[1], centred[1])
    defined = (n_pairs >= 3) & (ss_true > 0) & (ss_pred > 0)
    ic = np.full(n_dates, np.nan)
    ic[defined] = cross[defined] / np.sqrt(ss_true[defined] * ss_pred[defined])
    out = pd.Series(ic, index=pd.Index(unique, name="date"), name="ic")
    out.attrs["n_undefined"] = int((~defined).sum())
    out.attrs["n_pairs"] = pd.Series(n_pairs, index=out.index, name="n_pairs")
    return out


def _align(y_true, y_pred, dates):
    """Return float arrays of outcomes and forecasts and the date of every row."""
    if isinstance(y_true, pd.DataFrame) and y_true.shape[1] == 1:
        y_true = y_true.iloc[:, 0]
    if isinstance(y_pred, pd.DataFrame) and y_pred.shape[1] == 1:
        y_pred = y_pred.iloc[:, 0]
    if isinstance(y_true, pd.Series) and isinstance(y_pred, pd.Series):
        if not y_true.index.equals(y_pred.index):
            raise ValueError(
                "y_true and y_pred must have the same index, row for row; nothing is "
                "joined silently. Align them first, e.g. y_pred.reindex(y_true.index)."
            )
    truth = np.asarray(y_true, dtype="float64").ravel()
    pred = np.asarray(y_pred, dtype="float64").ravel()
    if len(truth) != len(pred):
        raise ValueError(
            f"y_true has {len(truth)} rows and y_pred has {len(pred)}; they must match."
        )
    if dates is None:
        for source in (y_true, y_pred):
            index = getattr(source, "index", None)
            if isinstance(index, pd.MultiIndex) and "date" in index.names:
                check_panel_index(index, "y_true")
                dates = index.get_level_values("date")
                break
        else:
            raise ValueError(
                "information_coefficient needs the date of every row: pass Series indexed "
                "by (date, asset), or the dates as dates=... . The IC is computed per "
                "date, never over the pooled panel."
            )
    dates = pd.Index(np.asarray(dates)) if not isinstance(dates, pd.Index) else dates
    if len(dates) != len(truth):
        raise ValueError(f"dates has {len(dates)} entries for {len(truth)} rows; give one per row.")
    if dates.hasnans:
        raise ValueError("Some rows have a missing date; drop them first.")
    return truth, pred, dates
