"""Walk-forward cross-validation for panels: splits by dates, never by rows.

scikit-learn's ``TimeSeriesSplit`` splits *rows*. On a stacked ``(date, asset)``
panel it cuts through a date's cross-section (part of a date in training, the
rest in test) and ignores that forward returns over several periods overlap.
:class:`WalkForwardSplit` splits by whole dates and can leave a gap (embargo)
of whole dates between training and test.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from sklearn.model_selection import BaseCrossValidator

__all__ = ["WalkForwardSplit"]


class WalkForwardSplit(BaseCrossValidator):
    """Walk-forward splitter for panels: train on past dates, test on later ones.

    The unique dates are ordered and cut like ``TimeSeriesSplit`` cuts rows:
    the last ``n_splits * test_size`` dates form ``n_splits`` consecutive test
    blocks; each fold trains on the dates before its test block, minus the
    ``gap`` dates just before it. Every row of a date goes to the same side.

    Parameters
    ----------
    n_splits : int, default 5
        Number of folds (at least 1).
    test_size : int or None, default None
        Dates per test block; by default ``n_dates // (n_splits + 1)``.
    gap : int, default 0
        Whole dates left out between the last training date and the first test
        date. Use ``h - 1`` for a target that is an ``h``-period forward return,
        so that no training target overlaps a test period.
    max_train_size : int or None, default None
        Keep at most this many of the latest training dates (a rolling window);
        by default the window expands.

    Notes
    -----
    The dates are read from the ``date`` level of X's index (or of y's, if X
    has none), or from ``groups``: one date per row. ``split`` yields integer
    positions of rows, as scikit-learn expects, so the splitter works with
    ``cross_val_score``, ``cross_validate`` and ``GridSearchCV``. Estimators
    that convert X to an array internally, like ``LassoCV``, take the splits
    precomputed: ``cv=list(WalkForwardSplit().split(X))``.

    Examples
    --------
    >>> import helpers
    >>> sim = helpers.simulate_panel(n_dates=24, n_assets=20, seed=0)
    >>> cv = helpers.WalkForwardSplit(n_splits=3, test_size=4, gap=1)
    >>> for train, test in cv.split(sim.X):
    ...     d = sim.X.index.get_level_values("date")
    ...     print(d[train].max().date(), d[test].min().date(), d[test].max().date())
    2000-11-30 2001-01-31 2001-04-30
    2001-03-31 2001-05-31 2001-08-31
    2001-07-31 2001-09-30 2001-12-31
    """

    # Under metadata routing, request the dates as ``groups`` (as GroupKFold does).
    __metadata_request__split = {"groups": True}

    def __init__(self, n_splits=5, *, test_size=None, gap=0, max_train_size=None):
        self.n_splits = n_splits
        self.test_size = test_size
        self.gap = gap
        self.max_train_size = max_train_size

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of folds."""
        self._check_params()
        return self.n_splits

    def split(self, X, y=None, groups=None):
        """Yield ``(train, test)`` arrays of row positions, fold by fold.

        Parameters
        ----------
        X : pandas.DataFrame or array-like
            The samples; a ``(date, asset)`` index supplies the dates.
        y : pandas.Series or array-like, optional
            Used for the dates only if X has no ``date`` level.
        groups : array-like, optional
            The date of every row, when neither X nor y has a ``date`` level.
        """
        codes, _ = self._date_codes(X, y, groups)
        for (train_lo, train_hi), (test_lo, test_hi) in self._date_bounds(codes.max() + 1):
            train = np.flatnonzero((codes >= train_lo) & (codes < train_hi))
            test = np.flatnonzero((codes >= test_lo) & (codes < test_hi))
            yield train, test

    def split_dates(self, X=None, y=None, groups=None):
        """The dates of every fold: a list of ``(train_dates, test_dates)`` pairs."""
        _, dates = self._date_codes(X, y, groups)
        return [
            (dates[train_lo:train_hi], dates[test_lo:test_hi])
            for (train_lo, train_hi), (test_lo, test_hi) in self._date_bounds(len(dates))
        ]

    # -- internals ------------------------------------------------------------

    def _check_params(self):
        def integer(value, name, minimum, optional=False):
            if optional and value is None:
                return
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise TypeError(f"{name} must be an integer; got {value!r}.")
            if value < minimum:
                raise ValueError(f"{name} must be >= {minimum}; got {value}.")

        integer(self.n_splits, "n_splits", 1)
        integer(self.test_size, "test_size", 1, optional=True)
        integer(self.gap, "gap", 0)
        integer(self.max_train_size, "max_train_size", 1, optional=True)

    def _date_bounds(self, n_dates: int):
        """[(train_lo, train_hi), (test_lo, test_hi)] in date positions, per fold."""
        self._check_params()
        n_splits, gap = self.n_splits, self.gap
        test_size = self.test_size if self.test_size is not None else n_dates // (n_splits + 1)
        if test_size < 1:
            raise ValueError(
                f"Cannot make {n_splits} test blocks from {n_dates} dates: each block "
                f"would have no date. Use fewer splits (at most {n_dates - 1})."
            )
        first_test = n_dates - n_splits * test_size
        if first_test - gap < 1:
            raise ValueError(
                f"Too many splits for the dates: {n_splits} test blocks of {test_size} "
                f"dates and a gap of {gap} need at least {n_splits * test_size + gap + 1} "
                f"dates (one to train on), but there are {n_dates}. Use fewer splits, a "
                "smaller test_size or a smaller gap."
            )
        bounds = []
        for test_lo in range(first_test, n_dates, test_size):
            train_hi = test_lo - gap
            train_lo = 0 if self.max_train_size is None else max(0, train_hi - self.max_train_size)
            bounds.append(((train_lo, train_hi), (test_lo, test_lo + test_size)))
        return bounds

    @staticmethod
    def _date_codes(X, y, groups):
        """Position of every row's date among the sorted unique dates, and those dates."""
        for source in (X, y):
            index = getattr(source, "index", None)
            if isinstance(index, pd.MultiIndex) and "date" in index.names:
                dates = index.get_level_values("date")
                break
        else:
            if groups is None:
                raise ValueError(
                    "WalkForwardSplit needs the date of every row: pass X (or y) indexed "
                    "by (date, asset), or the dates as groups=... . It splits by whole "
                    "dates, never by rows."
                )
            dates = pd.Index(np.asarray(groups))
            n_rows = len(X) if X is not None else len(dates)
            if len(dates) != n_rows:
                raise ValueError(
                    f"groups has {len(dates)} dates but X has {n_rows} rows; give one date "
                    "per row."
                )
        if dates.hasnans:
            raise ValueError("Some rows have a missing date; drop them before splitting.")
        codes, unique = pd.factorize(dates, sort=True)
        return codes, pd.Index(unique, name="date")
