r"""Newey–West standard errors of a time-series mean, shared by every helper that needs them.

For :math:`T` observations :math:`x_t` with mean :math:`\bar x` and
:math:`e_t = x_t - \bar x`, the covariance of :math:`\bar x` with :math:`L` lags
and Bartlett weights is

.. math:: \frac{1}{T(T-1)} \Big(\sum_t e_t e_t' + \sum_{j=1}^{L}
          \big(1 - \tfrac{j}{L+1}\big) \sum_t (e_t e_{t-j}' + e_{t-j} e_t')\Big).

With :math:`L = 0` it is the usual :math:`s^2 / T` (``ddof=1``). This is
linearmodels' ``FamaMacBeth(...).fit(cov_type="kernel")`` and statsmodels'
HAC covariance with ``use_correction=True`` (both checked in the tests).
"""

from __future__ import annotations

import numbers

import numpy as np


def check_nw_lags(nw_lags, n_dates: int):
    """None, or the number of lags as an int; ``"auto"`` gives floor(4 (T/100)^(2/9))."""
    if nw_lags is None:
        return None
    if isinstance(nw_lags, str):
        if nw_lags != "auto":
            raise ValueError(f"nw_lags must be None, an int >= 0 or 'auto'; got {nw_lags!r}.")
        return min(int(np.floor(4 * (n_dates / 100) ** (2 / 9))), n_dates - 1)
    if isinstance(nw_lags, bool) or not isinstance(nw_lags, numbers.Integral) or nw_lags < 0:
        raise ValueError(f"nw_lags must be None, an int >= 0 or 'auto'; got {nw_lags!r}.")
    if nw_lags >= n_dates:
        raise ValueError(
            f"nw_lags={nw_lags} must be below the number of dates used ({n_dates})."
        )
    return int(nw_lags)


def mean_cov(e: np.ndarray, lags) -> np.ndarray:
    """Covariance of the mean of the rows of ``e`` (dates x series, already demeaned)."""
    t = len(e)
    s = e.T @ e
    for j in range(1, (lags or 0) + 1):
        gamma = e[j:].T @ e[:-j]
        s += (1.0 - j / (lags + 1)) * (gamma + gamma.T)
    return s / (t * (t - 1))
