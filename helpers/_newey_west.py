r"""Long-run (HAC) standard errors of a time-series mean, shared by every helper that needs them.

For :math:`T` observations :math:`x_t` with mean :math:`\bar x`,
:math:`e_t = x_t - \bar x` and autocovariances
:math:`\hat\Gamma_j = \sum_t e_t e_{t-j}'`, the covariance of :math:`\bar x`
with :math:`L` lags is

.. math:: \frac{1}{T(T-1)} \Big(\hat\Gamma_0 + \sum_{j=1}^{L} w_j
          (\hat\Gamma_j + \hat\Gamma_j')\Big),

with weights

* ``kernel="bartlett"`` (Newey–West 1987): :math:`w_j = 1 - j/(L+1)`;
* ``kernel="uniform"`` (Hansen–Hodrick 1980): :math:`w_j = 1`.

With :math:`L = 0` both are the usual :math:`s^2 / T` (``ddof=1``). The
Bartlett estimate is always positive semi-definite; it is linearmodels'
``FamaMacBeth(...).fit(cov_type="kernel")`` and statsmodels' HAC covariance
with ``use_correction=True`` (``weights_func=weights_bartlett``), both checked
in the tests. The uniform one is statsmodels' HAC with
``weights_func=weights_uniform``.

**Why the choice matters for overlapping returns.** An :math:`h`-period return
observed every period is a sum of :math:`h` one-period returns, so consecutive
observations share :math:`h-1` of them: under the null they are a moving
average of order :math:`h-1`, with autocovariances at lags :math:`1, \dots,
h-1` and none beyond. The uniform kernel with :math:`L = h-1` adds those
autocovariances in full (the Hansen–Hodrick estimator). Bartlett with
:math:`L = h-1` multiplies them by :math:`1 - j/h`, so it understates the
long-run variance: at :math:`h = 12`, by about a third for a random walk's
overlapping sums.

**Fallback.** Uniform weights do not guarantee a positive (semi-)definite
estimate. When the uniform estimate has a non-positive variance (or a negative
eigenvalue), the helpers fall back to the Bartlett estimate with the same lags
and say so with a ``RuntimeWarning``; the kernel actually used is returned.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

KERNELS = ("bartlett", "uniform")
KERNEL_NAMES = {"bartlett": "Newey-West", "uniform": "Hansen-Hodrick"}


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


def check_kernel(kernel) -> str:
    """``"bartlett"`` (Newey–West) or ``"uniform"`` (Hansen–Hodrick)."""
    if kernel not in KERNELS:
        raise ValueError(
            f"kernel must be 'bartlett' (Newey-West) or 'uniform' (Hansen-Hodrick); "
            f"got {kernel!r}."
        )
    return kernel


def se_label(lags, kernel: str) -> str:
    """'plain', 'Newey-West(L)' or 'Hansen-Hodrick(L)'."""
    return "plain" if lags is None else f"{KERNEL_NAMES[kernel]}({lags})"


def _weighted_cov(e: np.ndarray, lags, kernel: str) -> np.ndarray:
    t = len(e)
    s = e.T @ e
    for j in range(1, (lags or 0) + 1):
        gamma = e[j:].T @ e[:-j]
        w = 1.0 if kernel == "uniform" else 1.0 - j / (lags + 1)
        s += w * (gamma + gamma.T)
    return s / (t * (t - 1))


def mean_cov(e: np.ndarray, lags, kernel: str = "bartlett") -> np.ndarray:
    """Covariance of the mean of the rows of ``e`` (dates x series, already demeaned)."""
    return long_run_mean_cov(e, lags, kernel)[0]


def long_run_mean_cov(e: np.ndarray, lags, kernel: str = "bartlett") -> tuple[np.ndarray, str]:
    """Covariance of the mean of the rows of ``e`` and the kernel actually used.

    With ``kernel="uniform"``, an estimate that is not positive semi-definite
    (or has a non-positive variance) is replaced by the Bartlett one with the
    same lags, with a ``RuntimeWarning``.
    """
    cov = _weighted_cov(e, lags, kernel)
    if kernel == "uniform" and lags:
        diag = np.diag(cov)
        scale = np.sqrt(np.outer(np.abs(diag), np.abs(diag)))
        with np.errstate(divide="ignore", invalid="ignore"):
            corr = np.where(scale > 0, cov / scale, 0.0)
        ok = bool(np.all(diag > 0)) and np.linalg.eigvalsh(corr).min() > -1e-12
        if not ok:
            warnings.warn(
                f"The Hansen-Hodrick (uniform-kernel) long-run variance with {lags} lags "
                "is not positive definite; using Newey-West (Bartlett) with the same lags "
                "instead. Use non-overlapping observations or more dates.",
                RuntimeWarning,
                stacklevel=3,
            )
            return _weighted_cov(e, lags, "bartlett"), "bartlett"
    return cov, kernel
