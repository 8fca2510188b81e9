r"""Cross-sectional transformers: standardise each date's cross-section separately.

On a stacked panel, scikit-learn's ``StandardScaler`` standardises over all rows
at once, mixing dates: a characteristic whose level or dispersion drifts over
time is then scaled wrongly, and the scaler is fitted on future dates.
:class:`CrossSectionalStandardizer` transforms every date on its own, so it can
sit in a ``Pipeline`` and be cross-validated like any other transformer.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from scipy import special
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from helpers._validation import check_numeric_frame

__all__ = ["CrossSectionalStandardizer"]

_METHODS = ("zscore", "rank", "gauss_rank")
_NAN_POLICIES = ("keep", "fill")


class CrossSectionalStandardizer(TransformerMixin, BaseEstimator):
    r"""Standardise every characteristic within each date's cross-section.

    For characteristic :math:`k` at date :math:`t`, with :math:`N_t`
    non-missing values:

    - ``"zscore"``: :math:`(x_{i,k,t} - \bar x_{k,t}) / s_{k,t}`, the per-date
      mean and standard deviation (``ddof=0``, as ``StandardScaler``). A
      characteristic that is constant at a date becomes 0 there.
    - ``"rank"``: the per-date rank :math:`r_{i,k,t}` (ties get their average
      rank), mapped linearly from :math:`[1, N_t]` to ``feature_range``; a
      single value maps to its centre.
    - ``"gauss_rank"``: :math:`\Phi^{-1}\big((r_{i,k,t} - 0.5) / N_t\big)`,
      ranks mapped to standard normal quantiles (robust to outliers, yet
      roughly normal).

    Parameters
    ----------
    method : str, default "zscore"
        ``"zscore"``, ``"rank"`` or ``"gauss_rank"``.
    winsorize : tuple of float or None, default None
        ``(lower, upper)`` quantiles, e.g. ``(0.01, 0.99)``: each date's values
        are first clipped to that date's quantiles (linear interpolation).
        Mostly useful with ``"zscore"``; ranks are insensitive to outliers.
    nan_policy : str, default "keep"
        ``"keep"`` leaves missing values missing (they are ignored in the
        per-date statistics); ``"fill"`` replaces them, after transforming, with
        the per-date centre: 0 for ``"zscore"`` and ``"gauss_rank"``, the middle
        of ``feature_range`` for ``"rank"``.
    feature_range : tuple of float
        Output range ``(low, high)`` of ``"rank"``; ``(-1.0, 1.0)`` by default.

    Notes
    -----
    The transformer is stateless: ``fit`` only checks the input and records
    the feature names. Every date is transformed with that date's own
    statistics, so test dates never use training dates' statistics (nor the
    reverse). The dates come from the ``date`` level of X's index; without it
    (a NumPy array, or a frame without a ``date`` level) the transformer
    raises instead of silently pooling all rows.

    Examples
    --------
    >>> import helpers
    >>> sim = helpers.simulate_panel(n_dates=24, n_assets=50, seed=0)
    >>> Z = helpers.CrossSectionalStandardizer().fit_transform(sim.X)
    >>> Z.index.equals(sim.X.index)
    True
    >>> bool(Z.groupby(level="date").mean().abs().max().max() < 1e-12)
    True
    """

    def __init__(
        self,
        method: str = "zscore",
        *,
        winsorize=None,
        nan_policy: str = "keep",
        feature_range=(-1.0, 1.0),
    ):
        self.method = method
        self.winsorize = winsorize
        self.nan_policy = nan_policy
        self.feature_range = feature_range

    # -- scikit-learn API ---------------------------------------------------

    def fit(self, X, y=None):
        """Check the parameters and X; nothing is learned (the transform is per date)."""
        self._check_params()
        X = self._check_X(X)
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        """Standardise each date's cross-section of X; returns a DataFrame on X's index."""
        check_is_fitted(self, "n_features_in_")
        self._check_params()
        X = self._check_X(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} columns, but CrossSectionalStandardizer was fitted "
                f"with {self.n_features_in_}."
            )
        values = X.astype("float64")
        groups = values.groupby(level="date", sort=False)
        if self.winsorize is not None:
            lower, upper = self.winsorize
            values = values.clip(
                groups.transform("quantile", lower), groups.transform("quantile", upper)
            )
            groups = values.groupby(level="date", sort=False)
        if self.method == "zscore":
            centre = groups.transform("mean")
            scale = groups.transform("std", ddof=0)
            out = (values - centre) / scale.where(scale > 0, 1.0)
            fill = 0.0
        else:
            ranks = groups.rank(method="average")
            count = groups.transform("count")
            if self.method == "rank":
                low, high = self.feature_range
                share = (ranks - 1.0) / (count - 1.0).where(count > 1, 1.0)
                share = share.where(count > 1, 0.5)
                out = low + (high - low) * share
                fill = (low + high) / 2.0
            else:
                out = pd.DataFrame(
                    special.ndtri(((ranks - 0.5) / count).to_numpy()),
                    index=values.index,
                    columns=values.columns,
                )
                fill = 0.0
        if self.nan_policy == "fill":
            out = out.fillna(fill)
        return out

    def get_feature_names_out(self, input_features=None):
        """The output columns are the input columns."""
        check_is_fitted(self, "n_features_in_")
        return np.asarray(self.feature_names_in_, dtype=object)

    # -- checks ---------------------------------------------------------------

    def _check_params(self):
        if self.method not in _METHODS:
            raise ValueError(f"method must be one of {_METHODS}; got {self.method!r}.")
        if self.nan_policy not in _NAN_POLICIES:
            raise ValueError(
                f"nan_policy must be one of {_NAN_POLICIES}; got {self.nan_policy!r}."
            )
        if self.winsorize is not None:
            ok = (
                isinstance(self.winsorize, (tuple, list))
                and len(self.winsorize) == 2
                and all(isinstance(q, numbers.Real) for q in self.winsorize)
                and 0 <= self.winsorize[0] < self.winsorize[1] <= 1
            )
            if not ok:
                raise ValueError(
                    "winsorize must be None or a pair of quantiles (lower, upper) with "
                    f"0 <= lower < upper <= 1, e.g. (0.01, 0.99); got {self.winsorize!r}."
                )
        low, high = self.feature_range
        if not low < high:
            raise ValueError(f"feature_range must be (low, high) with low < high; got {self.feature_range!r}.")

    @staticmethod
    def _check_X(X) -> pd.DataFrame:
        if not isinstance(X, pd.DataFrame) or "date" not in (X.index.names or []):
            found = (
                f"a DataFrame indexed by {list(X.index.names)}"
                if isinstance(X, pd.DataFrame)
                else f"a {type(X).__name__}"
            )
            raise TypeError(
                "CrossSectionalStandardizer needs the date of every row to standardise "
                f"each cross-section separately, but got {found}. Pass a DataFrame "
                "indexed by (date, asset); inside a Pipeline, keep pandas output in the "
                "steps before it (set_output(transform='pandas'))."
            )
        check_numeric_frame(X, "X")
        return X
