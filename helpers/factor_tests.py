r"""Honest tests of factor models: robust second-pass errors, GLS, R², betas, clustering.

:func:`cross_sectional_regression`
    The two-pass cross-sectional regression (CSR) of mean returns on betas,
    with OLS or GLS weights, and four standard errors of the premia:
    Fama–MacBeth, Shanken (1992), errors-in-variables under general
    distributions (Jagannathan & Wang 1998), and misspecification-robust
    (Kan, Robotti & Shanken 2013). Also the cross-sectional :math:`R^2`
    (Lewellen, Nagel & Shanken 2010) with its standard error.
:func:`factor_relevance_test`
    Are a factor's betas jointly zero? The diagnostic for useless factors
    (Kan & Zhang 1999).
:func:`rolling_betas`
    Betas from a trailing window, known at each date (no look-ahead).
:func:`pooled_ols`
    One regression on all rows of a panel with plain, date-, asset- or
    two-way-clustered standard errors (Petersen 2009).

Notation (as in the chapter): :math:`T` dates, :math:`N` test assets,
:math:`K` factors; :math:`\mu_R`, :math:`\mu_f` the sample means;
:math:`V_{11}`, :math:`V_{21}`, :math:`V_{22}` the sample covariances (divided
by :math:`T`) of the factors, of returns with factors, and of returns;
:math:`B = V_{21} V_{11}^{-1}`, :math:`X = [1_N, B]`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from helpers._newey_west import check_kernel, check_nw_lags, se_label
from helpers._validation import (
    check_complete_wide,
    check_int,
    check_numeric_frame,
    check_returns_factors,
    check_target,
    check_wide,
    date_codes,
)

__all__ = [
    "CrossSectionalResults",
    "PooledOLSResults",
    "cross_sectional_regression",
    "factor_relevance_test",
    "pooled_ols",
    "rolling_betas",
]

SE_TYPES = ("fama_macbeth", "shanken", "eiv", "robust")


@dataclass(frozen=True, eq=False)
class CrossSectionalResults:
    """Results of :func:`cross_sectional_regression`.

    Attributes
    ----------
    premia : pandas.Series
        :math:`\\hat\\gamma = [\\hat\\gamma_0, \\hat\\gamma_1']'`: the zero-beta
        excess return (``const``) and the factor premia.
    std_errors : pandas.DataFrame
        Standard errors of ``premia``, one column per kind: ``fama_macbeth``
        (betas taken as known), ``shanken`` (errors-in-variables, i.i.d.
        returns), ``eiv`` (errors-in-variables, general distributions, model
        assumed true) and ``robust`` (also robust to misspecification). NaN
        where ``impose_factor_means=True`` (premia not estimated).
    tstats : pandas.DataFrame
        ``premia / std_errors``.
    betas : pandas.DataFrame
        First-pass betas, assets x factors.
    pricing_errors : pandas.Series
        :math:`\\hat e = \\hat\\mu_R - X \\hat\\gamma`, one per asset.
    r2 : float
        Cross-sectional :math:`R^2 = 1 - \\hat e' W \\hat e / \\hat e_0' W \\hat e_0`.
    r2_std_error : float
        Its asymptotic standard error, valid for :math:`0 < R^2 < 1` (NaN when
        the premia are imposed).
    weighting : str
        ``"ols"`` or ``"gls"``.
    n_dates : int
    nw_lags : int or None
    """

    premia: pd.Series
    std_errors: pd.DataFrame
    tstats: pd.DataFrame
    betas: pd.DataFrame = field(repr=False)
    pricing_errors: pd.Series = field(repr=False)
    r2: float = np.nan
    r2_std_error: float = np.nan
    weighting: str = "ols"
    n_dates: int = 0
    nw_lags: int | None = None
    kernel: str = "bartlett"

    def r2_conf_int(self, level: float = 0.95) -> tuple[float, float]:
        """Normal confidence interval for the population :math:`R^2`, cut to [0, 1]."""
        if not 0 < level < 1:
            raise ValueError(f"level must be between 0 and 1; got {level}.")
        q = stats.norm.ppf(0.5 + level / 2)
        lo, hi = self.r2 - q * self.r2_std_error, self.r2 + q * self.r2_std_error
        return float(np.clip(lo, 0.0, 1.0)), float(np.clip(hi, 0.0, 1.0))

    def summary(self) -> pd.DataFrame:
        """Premia with the four kinds of t-statistics."""
        table = pd.concat(
            [self.premia.rename("premium"), self.tstats.add_prefix("t_")], axis=1
        )
        table.index.name = "parameter"
        return table

    def __repr__(self) -> str:
        se = se_label(self.nw_lags, self.kernel)
        return (
            f"CrossSectionalResults({self.weighting.upper()}, {len(self.betas)} assets, "
            f"{self.betas.shape[1]} factors, {self.n_dates} dates, {se} errors; "
            f"R2 = {self.r2:.3f} (s.e. {self.r2_std_error:.3f}))\n"
            f"{self.summary().round(4).to_string()}"
        )


def _hac(h: np.ndarray, lags, kernel: str) -> np.ndarray:
    """:math:`\\frac1T(\\Gamma_0 + \\sum_j w_j(\\Gamma_j + \\Gamma_j'))`, with :math:`\\Gamma_j = \\sum_t h_t h_{t-j}'`."""
    s = h.T @ h
    for j in range(1, (lags or 0) + 1):
        g = h[j:].T @ h[:-j]
        s += (1.0 if kernel == "uniform" else 1.0 - j / (lags + 1)) * (g + g.T)
    return s / len(h)


def _csr(r: np.ndarray, f: np.ndarray, weighting: str, lags, kernel: str, impose: bool):
    """Core of :func:`cross_sectional_regression` on complete arrays (T x N, T x K)."""
    t, n = r.shape
    k = f.shape[1]
    mu_f, mu_r = f.mean(axis=0), r.mean(axis=0)
    fd, rd = f - mu_f, r - mu_r
    v11 = fd.T @ fd / t
    v21 = rd.T @ fd / t
    v22 = rd.T @ rd / t
    v11_inv = np.linalg.inv(v11)
    b = v21 @ v11_inv
    x = np.column_stack([np.ones(n), b])
    w = np.eye(n) if weighting == "ols" else np.linalg.inv(v22)
    ones = np.ones(n)
    g0 = ones @ w @ mu_r / (ones @ w @ ones)
    e0 = mu_r - g0
    q0 = e0 @ w @ e0
    if impose:
        gamma1 = mu_f
        gamma0 = ones @ w @ (mu_r - b @ mu_f) / (ones @ w @ ones)
        gamma = np.concatenate([[gamma0], gamma1])
        e = mu_r - x @ gamma
        r2 = 1.0 - (e @ w @ e) / q0
        return gamma, np.full((k + 1, 4), np.nan), b, e, r2, np.nan
    h_mat = np.linalg.inv(x.T @ w @ x)
    a = h_mat @ x.T @ w
    gamma = a @ mu_r
    gamma1 = gamma[1:]
    e = mu_r - x @ gamma
    r2 = 1.0 - (e @ w @ e) / q0

    wt = fd @ (v11_inv @ gamma1)  # w_t = gamma_1' V11^{-1} (f_t - mu_f)
    yt = 1.0 - wt
    gt = rd @ a.T  # gamma_t - gamma
    phit = gt - np.column_stack([np.zeros(t), fd])  # phi_t - phi
    ut = rd @ w @ e
    zt = np.column_stack([np.zeros(t), fd @ v11_inv])
    h_eiv = gt - phit * wt[:, None]
    if weighting == "ols":
        h_rob = h_eiv + (zt @ h_mat) * ut[:, None]
    else:  # the estimated weighting matrix adds -(gamma_t - gamma) u_t
        h_rob = h_eiv + (zt @ h_mat - gt) * ut[:, None]

    sigma = v22 - v21 @ v11_inv @ v21.T
    c = gamma1 @ v11_inv @ gamma1
    v_fm = _hac(gt, lags, kernel)
    bordered = np.zeros((k + 1, k + 1))
    bordered[1:, 1:] = v11
    v_shanken = (1.0 + c) * (a @ sigma @ a.T) + bordered
    v_eiv = _hac(h_eiv, lags, kernel)
    v_rob = _hac(h_rob, lags, kernel)
    se = np.sqrt(np.column_stack([np.diag(v) for v in (v_fm, v_shanken, v_eiv, v_rob)]) / t)

    vt = rd @ w @ e0
    if weighting == "ols":
        nt = 2.0 * (-ut * yt + (1.0 - r2) * vt) / q0
    else:
        nt = (ut**2 - 2.0 * ut * yt + (1.0 - r2) * (2.0 * vt - vt**2)) / q0
    r2_se = float(np.sqrt(_hac(nt[:, None], lags, kernel)[0, 0] / t))
    return gamma, se, b, e, r2, r2_se


def cross_sectional_regression(
    excess_returns,
    factors,
    *,
    weighting: str = "ols",
    nw_lags=None,
    kernel: str = "bartlett",
    impose_factor_means: bool = False,
) -> CrossSectionalResults:
    r"""Two-pass cross-sectional regression with misspecification-robust errors and R².

    **First pass**: betas from time-series regressions over the full sample,
    :math:`B = V_{21} V_{11}^{-1}`. **Second pass**: one regression of the
    mean excess returns on :math:`X = [1_N, B]` with weights :math:`W`,

    .. math:: \hat\gamma = (X' W X)^{-1} X' W \hat\mu_R, \qquad
              W = I_N \text{ (OLS)} \quad\text{or}\quad W = V_{22}^{-1} \text{ (GLS)}.

    With OLS weights and constant betas this equals the Fama–MacBeth average
    of per-date slopes (:func:`two_pass`).

    Parameters
    ----------
    excess_returns : pandas.DataFrame
        Test assets, dates (``DatetimeIndex``) x assets, complete.
    factors : pandas.DataFrame
        Factors on the same dates.
    weighting : str, default "ols"
        ``"ols"`` (:math:`W = I_N`) or ``"gls"`` (:math:`W = V_{22}^{-1}`).
    nw_lags : int, str or None, default None
        Lags of the long-run covariances: None for none, an integer, or
        ``"auto"`` as in :func:`helpers.fama_macbeth`.
    kernel : str, default "bartlett"
        ``"bartlett"`` (Newey–West) or ``"uniform"`` (Hansen–Hodrick) weights
        for those lags.
    impose_factor_means : bool, default False
        For traded factors: set the premia to the factors' sample means
        instead of estimating them, and estimate only :math:`\gamma_0`
        (Lewellen, Nagel & Shanken 2010). Standard errors are then NaN.

    Returns
    -------
    CrossSectionalResults

    Notes
    -----
    With :math:`\hat\mu_R - X\hat\gamma = \hat e`, :math:`w_t = \hat\gamma_1'
    V_{11}^{-1}(f_t - \hat\mu_f)`, :math:`\hat\gamma_t - \hat\gamma =
    A(R_t - \hat\mu_R)` for :math:`A = (X'WX)^{-1}X'W`,
    :math:`\hat\phi_t - \hat\phi = (\hat\gamma_t - \hat\gamma) - [0, (f_t -
    \hat\mu_f)']'`, :math:`u_t = \hat e' W (R_t - \hat\mu_R)` and
    :math:`z_t = [0, (f_t - \hat\mu_f)' V_{11}^{-1}]'`, the covariance of
    :math:`\hat\gamma` is :math:`\frac1T \sum_j E[h_t h_{t+j}']`, estimated by
    :math:`\frac1T` times a (Newey–West) long-run covariance of :math:`h_t`:

    * ``fama_macbeth``: :math:`h_t = \hat\gamma_t - \hat\gamma` (betas known);
    * ``shanken``: :math:`(1 + \hat\gamma_1' V_{11}^{-1} \hat\gamma_1)
      A \Sigma A' + \begin{bmatrix}0 & 0\\ 0 & V_{11}\end{bmatrix}`, with
      :math:`\Sigma` the residual covariance (i.i.d. returns; no lags);
    * ``eiv``: :math:`h_t = (\hat\gamma_t - \hat\gamma) - (\hat\phi_t - \hat\phi) w_t`
      (Jagannathan & Wang 1998; correct model);
    * ``robust``: ``eiv`` plus :math:`(X'WX)^{-1} z_t u_t` for OLS, and plus
      :math:`\big((X'WX)^{-1} z_t - (\hat\gamma_t - \hat\gamma)\big) u_t` for GLS,
      whose weights are estimated (Kan, Robotti & Shanken 2013, Theorem 1).
      For OLS this equals the covariance of linearmodels'
      ``LinearFactorModel(..., risk_free=True).fit(debiased=False)``.

    **R².** :math:`R^2 = 1 - \hat e' W \hat e / \hat e_0' W \hat e_0`, where
    :math:`\hat e_0` are the deviations of mean returns from their
    :math:`W`-weighted mean. Its asymptotic standard error (for :math:`0 < R^2 < 1`)
    is that of KRS (2013), the long-run variance of :math:`n_t = 2(-u_t y_t + (1 - R^2)
    v_t) / Q_0` for OLS and :math:`n_t = (u_t^2 - 2 u_t y_t + (1 - R^2)(2 v_t - v_t^2)) / Q_0`
    for GLS, with :math:`y_t = 1 - w_t`, :math:`v_t = \hat e_0' W (R_t - \hat\mu_R)`
    and :math:`Q_0 = \hat e_0' W \hat e_0`. No finite-sample corrections are applied.

    Examples
    --------
    >>> import helpers
    >>> ff = helpers.load_french()
    >>> res = helpers.cross_sectional_regression(ff.portfolios, ff.factors[["MktRF"]])
    >>> list(res.std_errors.columns)
    ['fama_macbeth', 'shanken', 'eiv', 'robust']
    """
    R, F, r, f = check_returns_factors(excess_returns, factors)
    assets, names = pd.Index(R.columns), [str(c) for c in F.columns]
    if weighting not in ("ols", "gls"):
        raise ValueError(f"weighting must be 'ols' or 'gls'; got {weighting!r}.")
    kernel = check_kernel(kernel)
    t, n = r.shape
    k = f.shape[1]
    if n <= k + 1:
        raise ValueError(
            f"The cross-section needs more test assets than factors + 1; got {n} assets "
            f"and {k} factors."
        )
    if weighting == "gls" and t <= n + 1:
        raise ValueError(
            f"GLS needs more dates than test assets to invert their covariance; got {t} "
            f"dates and {n} assets. Use weighting='ols' or fewer assets."
        )
    lags = check_nw_lags(nw_lags, t)
    _check_rank(f - f.mean(axis=0), names, "factors")
    if weighting == "gls":
        _check_rank(r - r.mean(axis=0), assets, "excess_returns")
    gamma, se, b, e, r2, r2_se = _csr(r, f, weighting, lags, kernel, bool(impose_factor_means))
    params = ["const", *names]
    premia = pd.Series(gamma, index=params, name="premium")
    se_frame = pd.DataFrame(se, index=params, columns=list(SE_TYPES))
    return CrossSectionalResults(
        premia=premia,
        std_errors=se_frame,
        tstats=se_frame.rdiv(premia, axis=0),
        betas=pd.DataFrame(b, index=assets, columns=names),
        pricing_errors=pd.Series(e, index=assets, name="pricing_error"),
        r2=float(r2),
        r2_std_error=r2_se,
        weighting=weighting,
        n_dates=t,
        nw_lags=lags,
        kernel=kernel,
    )


def _check_rank(a: np.ndarray, names, what: str) -> None:
    """Refuse constant or collinear columns (their covariance cannot be inverted)."""
    scale = np.sqrt((a**2).mean(axis=0))
    flat = [str(names[j]) for j in np.flatnonzero(scale <= 1e-12 * max(scale.max(), 1e-300))]
    if flat:
        raise ValueError(f"{what}: {flat} constant over time; drop it.")
    s = np.linalg.svd(a / scale, compute_uv=False)
    if s[-1] <= 1e-8 * s[0]:
        raise ValueError(
            f"{what}: the columns are linearly dependent (a duplicated or combined "
            "column), so their covariance cannot be inverted. Drop the redundant one."
        )


def factor_relevance_test(excess_returns, factors) -> pd.DataFrame:
    r"""Test, factor by factor, that its betas on all test assets are zero.

    A factor that is uncorrelated with the test assets ("useless", Kan & Zhang
    1999) has betas that are pure noise, and the second pass then divides by
    noise: its premium can look significant although it means nothing. Test
    relevance first. For factor :math:`k`, in the regression
    :math:`R_t = a + B f_t + \varepsilon_t` on all :math:`K` factors, the
    hypothesis is that column :math:`k` of :math:`B` is zero. With
    :math:`\hat b_k` that column, :math:`E'E` the residual cross-product matrix
    and :math:`c_{kk}` the element of :math:`(Z'Z)^{-1}` (:math:`Z = [1, f]`)
    belonging to factor :math:`k`,

    .. math:: F = \frac{T - N - K}{N} \cdot \frac{\hat b_k' (E'E)^{-1} \hat b_k}{c_{kk}}
              \sim F(N,\ T - N - K)

    under normal i.i.d. errors (Hotelling's :math:`T^2`; it equals the
    Wilks' lambda test of statsmodels' multivariate OLS). A large p-value says
    the data cannot tell the factor's betas from zero: do not interpret its
    premium.

    Returns
    -------
    pandas.DataFrame
        One row per factor: ``statistic``, ``df_num``, ``df_den``, ``pvalue``.

    Examples
    --------
    >>> import helpers
    >>> ff = helpers.load_french()
    >>> test = helpers.factor_relevance_test(ff.portfolios, ff.factors[["MktRF"]])
    >>> bool(test.loc["MktRF", "pvalue"] < 1e-10)
    True
    """
    R, F, r, f = check_returns_factors(excess_returns, factors)
    assets, names = pd.Index(R.columns), [str(c) for c in F.columns]
    t, n = r.shape
    k = f.shape[1]
    if t <= n + k:
        raise ValueError(
            f"The relevance test needs more dates than assets + factors; got {t} dates, "
            f"{n} assets and {k} factors."
        )
    _check_rank(f - f.mean(axis=0), names, "factors")
    z = np.column_stack([np.ones(t), f])
    zz_inv = np.linalg.inv(z.T @ z)
    coef = zz_inv @ z.T @ r
    resid = r - z @ coef
    ee = resid.T @ resid
    _check_rank(resid, list(map(str, assets)), "the residuals of excess_returns")
    rows = {}
    df_den = t - n - k
    for j, name in enumerate(names):
        bk = coef[j + 1]
        stat = df_den / n * float(bk @ np.linalg.solve(ee, bk)) / zz_inv[j + 1, j + 1]
        rows[name] = {"statistic": stat, "df_num": n, "df_den": df_den,
                      "pvalue": float(stats.f.sf(stat, n, df_den))}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "factor"
    return out


def rolling_betas(returns, factors, window: int, *, min_periods: int | None = None) -> pd.DataFrame:
    r"""Betas on the factors from a trailing window: what was known at each date.

    At date :math:`t`, each asset's betas come from the time-series regression
    of its returns on :math:`[1, f]` over the dates :math:`t - \text{window} + 1,
    \dots, t` (date :math:`t` included: its return is known at its end), using
    the dates where the asset's return is not missing. Use them to explain the
    return from :math:`t` to :math:`t + 1`, as Fama & MacBeth (1973) did with
    their pre-ranking betas; full-sample betas use returns that come later.

    Parameters
    ----------
    returns : pandas.DataFrame
        Dates (``DatetimeIndex``) x assets; missing values allowed.
    factors : pandas.DataFrame
        Factors on the same dates, complete.
    window : int
        Number of dates in the window (at least 3).
    min_periods : int, optional
        Fewest non-missing returns in a window for a beta (default ``window``);
        at least the number of factors + 2.

    Returns
    -------
    pandas.DataFrame
        A ``(date, asset)`` panel, one column per factor, with a row for each
        date and asset that had ``min_periods`` returns in its window.

    Examples
    --------
    >>> import helpers
    >>> ff = helpers.load_french()
    >>> b = helpers.rolling_betas(ff.portfolios, ff.factors[["MktRF"]], window=60)
    >>> b.index.get_level_values("date").min() == ff.portfolios.index[59]
    True
    """
    R = check_wide(returns, "returns")
    F = check_wide(factors, "factors")
    if not R.index.equals(F.index):
        raise ValueError(
            "returns and factors must have the same dates; nothing is joined silently "
            f"(got {len(R)} and {len(F)} dates). Align them first."
        )
    f = check_complete_wide(F, "factors")
    bad = [str(c) for c, dt in R.dtypes.items() if not pd.api.types.is_numeric_dtype(dt)]
    if bad:
        raise TypeError(f"returns has non-numeric columns {bad}; convert or drop them.")
    r = R.to_numpy(dtype="float64", na_value=np.nan)
    if np.isinf(r).any():
        raise ValueError("returns has infinite values; replace them with NaN.")
    t, n = r.shape
    k = f.shape[1]
    window = check_int(window, "window", minimum=3)
    if window > t:
        raise ValueError(f"window={window} is longer than the {t} dates available.")
    min_periods = window if min_periods is None else check_int(
        min_periods, "min_periods", minimum=k + 2
    )
    if min_periods > window:
        raise ValueError(f"min_periods={min_periods} cannot exceed window={window}.")
    if window < k + 2:
        raise ValueError(f"window must be at least the number of factors + 2 ({k + 2}).")

    # Windowed sums of Z'Z and Z'r per asset over non-missing returns, from
    # cumulative sums. Centring by the overall means keeps the differences exact enough.
    m = ~np.isnan(r)
    rc = np.where(m, r - np.nanmean(r, axis=0), 0.0)
    z = np.column_stack([np.ones(t), f - f.mean(axis=0)])  # t x (k+1)
    zz = z[:, :, None] * z[:, None, :]  # t x p x p
    szz = np.einsum("tn,tij->tnij", m.astype(float), zz)
    szr = np.einsum("tn,ti->tni", rc, z)

    def windowed(a):
        c = np.cumsum(a, axis=0)
        out = c.copy()
        out[window:] -= c[:-window]
        return out[window - 1:]

    gram, rhs = windowed(szz), windowed(szr)
    count = np.rint(gram[:, :, 0, 0]).astype(int)
    ok = count >= min_periods
    det_ok = np.zeros_like(ok)
    coef = np.full((t - window + 1, n, k + 1), np.nan)
    if ok.any():
        g, v = gram[ok], rhs[ok]
        # Constant or collinear factors in a window: the determinant of the
        # Gram matrix scaled to a unit diagonal (a product of 1 - R^2 terms) is ~0.
        scale = 1.0 / np.sqrt(np.einsum("bii->bi", g))
        good = np.linalg.det(g * scale[:, :, None] * scale[:, None, :]) > 1e-10
        sol = np.full(v.shape, np.nan)
        sol[good] = np.linalg.solve(g[good], v[good][:, :, None])[:, :, 0]
        coef[ok] = sol
        det_ok[ok] = good
    dates = R.index[window - 1:]
    idx = pd.MultiIndex.from_product([dates.rename("date"), pd.Index(R.columns, name="asset")])
    out = pd.DataFrame(coef[:, :, 1:].reshape(-1, k), index=idx, columns=[str(c) for c in F.columns])
    return out[det_ok.ravel()]


@dataclass(frozen=True, eq=False)
class PooledOLSResults:
    """Results of :func:`pooled_ols`.

    Attributes
    ----------
    params : pandas.Series
        Coefficients (``const`` first).
    std_errors : pandas.Series
        Standard errors of the chosen kind.
    tstats : pandas.Series
    cluster : str
        ``"none"``, ``"date"``, ``"asset"`` or ``"both"``.
    n_obs : int
        Rows used (rows with a NaN are dropped and counted in ``n_missing_rows``).
    n_clusters : dict
        Number of dates and assets.
    n_missing_rows : int
    """

    params: pd.Series
    std_errors: pd.Series
    tstats: pd.Series
    cluster: str
    n_obs: int
    n_clusters: dict
    n_missing_rows: int = 0

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame(
            {"coef": self.params, "std_error": self.std_errors, "t_stat": self.tstats}
        ).rename_axis("parameter")


def pooled_ols(X, y, *, cluster: str = "none") -> PooledOLSResults:
    r"""Pooled OLS of ``y`` on ``[1, X]`` over all rows of a panel, with clustered errors.

    With scores :math:`s_{it} = x_{it} \hat\varepsilon_{it}` and
    :math:`M_g = \sum_{g} (\sum_{it \in g} s_{it})(\sum_{it \in g} s_{it})'`,
    the clustered covariance is :math:`(X'X)^{-1} c_g M_g (X'X)^{-1}` with the
    small-sample factor :math:`c_g = \frac{G}{G-1} \frac{n-1}{n-p}` for
    :math:`G` clusters, :math:`n` rows and :math:`p` coefficients. Two-way
    clustering (Cameron, Gelbach & Miller 2011; Thompson 2011) adds the date
    and asset covariances and subtracts the one clustered by (date, asset),
    which is White's. These are statsmodels' ``cov_type="cluster"``
    conventions (checked in the tests). ``cluster="none"`` gives the textbook
    i.i.d. errors :math:`\hat\sigma^2 (X'X)^{-1}`.

    Petersen (2009): with a persistent firm effect, errors clustered by date
    (and Fama–MacBeth's) are too small; with a time effect, errors clustered
    by firm are too small; clustering by both is safe when both clusters are
    numerous.

    Examples
    --------
    >>> import helpers
    >>> sim = helpers.simulate_panel(n_dates=60, n_assets=100, seed=0)
    >>> res = helpers.pooled_ols(sim.latent[["momentum"]], sim.y, cluster="both")
    >>> res.n_clusters
    {'date': 60, 'asset': 100}
    """
    x, complete = check_numeric_frame(X, "X")
    names = list(X.columns)
    yv = check_target(y, X.index)
    if cluster not in ("none", "date", "asset", "both"):
        raise ValueError(
            f"cluster must be 'none', 'date', 'asset' or 'both'; got {cluster!r}."
        )
    if "const" in X.columns:
        raise ValueError("X has a column named 'const'; the intercept is added here.")
    d_codes, _ = date_codes(X.index, "X")
    a_codes = X.index.codes[X.index.names.index("asset")]
    keep = np.isfinite(yv) & complete
    n_missing = int((~keep).sum())
    x, yv, d_codes, a_codes = x[keep], yv[keep], d_codes[keep], a_codes[keep]
    n = len(yv)
    z = np.column_stack([np.ones(n), x])
    p = z.shape[1]
    if n <= p:
        raise ValueError(f"pooled_ols needs more rows than coefficients; got {n} rows.")
    zz_inv = np.linalg.inv(z.T @ z)
    coef = zz_inv @ (z.T @ yv)
    resid = yv - z @ coef
    scores = z * resid[:, None]

    def clustered(codes):
        _, codes = np.unique(codes, return_inverse=True)
        g = int(codes.max()) + 1
        sums = np.zeros((g, p))
        np.add.at(sums, codes, scores)
        meat = sums.T @ sums
        factor = g / (g - 1) * (n - 1) / (n - p)
        return factor * zz_inv @ meat @ zz_inv, g

    n_dates = len(np.unique(d_codes))
    n_assets = len(np.unique(a_codes))
    if cluster == "none":
        cov = resid @ resid / (n - p) * zz_inv
    elif cluster == "date":
        cov = clustered(d_codes)[0]
    elif cluster == "asset":
        cov = clustered(a_codes)[0]
    else:
        pair = d_codes.astype(np.int64) * (int(a_codes.max()) + 1) + a_codes
        cov = clustered(d_codes)[0] + clustered(a_codes)[0] - clustered(pair)[0]
    se = np.sqrt(np.diag(cov))
    params = ["const", *map(str, names)]
    return PooledOLSResults(
        params=pd.Series(coef, index=params, name="coef"),
        std_errors=pd.Series(se, index=params, name="std_error"),
        tstats=pd.Series(coef / se, index=params, name="t_stat"),
        cluster=cluster,
        n_obs=n,
        n_clusters={"date": n_dates, "asset": n_assets},
        n_missing_rows=n_missing,
    )
