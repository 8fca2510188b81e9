r"""Latent factors: principal components, risk-premium PCA and instrumented PCA.

The model of instrumented PCA (IPCA; Kelly, Pruitt & Su 2019) for a panel of
characteristics :math:`z_{i,t}` (:math:`L` of them) and forward returns
:math:`r_{i,t+1}` is

.. math:: r_{i,t+1} = z_{i,t}'\Gamma_\alpha + z_{i,t}'\Gamma_\beta f_{t+1} + \varepsilon_{i,t+1},

with :math:`K` latent factors :math:`f` and loadings
:math:`\beta_{i,t} = \Gamma_\beta' z_{i,t}` that are linear in the
characteristics.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from helpers._validation import check_int

PANEL_LEVELS = ("date", "asset")


def _check_panel_xy(X, y=None):
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"X must be a pandas DataFrame indexed by (date, asset); got {type(X).__name__}.")
    if not isinstance(X.index, pd.MultiIndex) or list(X.index.names[:2]) != list(PANEL_LEVELS):
        raise ValueError(
            f"X must be indexed by (date, asset); got an index with levels {list(X.index.names)}. "
            "Use df.set_index(['date', 'asset'])."
        )
    values = X.to_numpy(dtype="float64")
    if not np.isfinite(values).all():
        raise ValueError("X has missing or infinite values; IPCA needs complete characteristics "
                         "(drop or impute those rows first).")
    if y is None:
        return values, None
    if not isinstance(y, pd.Series):
        raise TypeError(f"y must be a pandas Series on X's index; got {type(y).__name__}.")
    if not y.index.equals(X.index):
        raise ValueError("y must have the same (date, asset) index as X, row for row.")
    target = y.to_numpy(dtype="float64")
    if not np.isfinite(target).all():
        raise ValueError("y has missing or infinite values; drop those rows from X and y first.")
    return values, target


def _managed(Z, r, dates):
    """Per-date moments W_t = Z_t'Z_t (T, L, L) and x_t = Z_t'r_t (T, L).

    Rows are grouped by date once (a stable sort, skipped when they already
    are), then each date's moments are one BLAS product on a contiguous block:
    no (rows, L, L) temporary, so memory stays at the size of Z.
    """
    codes, uniques = pd.factorize(dates, sort=True)
    T, L = len(uniques), Z.shape[1]
    if np.all(codes[1:] >= codes[:-1]):
        order = None
    else:
        order = np.argsort(codes, kind="stable")
        codes = codes[order]
    Zs = Z if order is None else Z[order]
    bounds = np.searchsorted(codes, np.arange(T + 1))
    W = np.empty((T, L, L))
    for t in range(T):
        block = Zs[bounds[t]:bounds[t + 1]]
        W[t] = block.T @ block
    x = None
    if r is not None:
        rs = r if order is None else r[order]
        x = np.empty((T, L))
        for t in range(T):
            x[t] = rs[bounds[t]:bounds[t + 1]] @ Zs[bounds[t]:bounds[t + 1]]
    codes_out, _ = pd.factorize(dates, sort=True)
    return W, x, pd.Index(uniques, name="date"), codes_out


def _factor_step(W, x, gamma_b, gamma_a):
    """f_t = (G_b' W_t G_b)^{-1} G_b' (x_t - W_t G_a), all dates at once."""
    A = np.einsum("lk,tlm,mj->tkj", gamma_b, W, gamma_b)
    rhs = x if gamma_a is None else x - W @ gamma_a
    b = rhs @ gamma_b
    return np.linalg.solve(A, b[:, :, None])[:, :, 0]


def _gamma_step(W, x, F):
    """Least squares for vec(Gamma): sum_t (W_t kron f_t f_t') vec G = sum_t x_t kron f_t."""
    T, L, _ = W.shape
    K = F.shape[1]
    M = np.einsum("tlm,tj,tk->ljmk", W, F, F).reshape(L * K, L * K)
    v = np.einsum("tl,tk->lk", x, F).reshape(L * K)
    return np.linalg.solve(M, v).reshape(L, K)


def _normalise(gamma_b, F, gamma_a):
    """KPS identification: G_b'G_b = I, factors uncorrelated ordered by variance, positive means."""
    R1 = np.linalg.cholesky(gamma_b.T @ gamma_b).T
    cov = R1 @ (F.T @ F) @ R1.T
    _, _, Vt = np.linalg.svd(cov)
    R2 = Vt.T
    gamma_b = gamma_b @ np.linalg.solve(R1, R2)
    F = F @ (R2.T @ R1).T
    signs = np.where(F.mean(axis=0) < 0, -1.0, 1.0)
    gamma_b, F = gamma_b * signs, F * signs
    if gamma_a is not None:
        proj = gamma_b.T @ gamma_a
        gamma_a = gamma_a - gamma_b @ proj
        F = F + proj
    return gamma_b, F, gamma_a


def _als(W, x, n_factors, intercept, max_iter, tol):
    """Alternating least squares from the SVD start; returns Gamma_b, Gamma_a, F, n_iter, change."""
    T, L = x.shape
    U, _, _ = np.linalg.svd(x.T, full_matrices=False)
    gamma_b = U[:, :n_factors].copy()
    gamma_a = np.zeros(L) if intercept else None
    F = _factor_step(W, x, gamma_b, gamma_a)
    change = np.inf
    for it in range(1, max_iter + 1):
        if intercept:
            full = _gamma_step(W, x, np.column_stack([np.ones(T), F]))
            new_a, new_b = full[:, 0], full[:, 1:]
        else:
            new_a, new_b = None, _gamma_step(W, x, F)
        new_F = _factor_step(W, x, new_b, new_a)
        new_b, new_F, new_a = _normalise(new_b, new_F, new_a)
        change = max(np.abs(new_b - gamma_b).max(), np.abs(new_F - F).max())
        if intercept:
            change = max(change, np.abs(new_a - gamma_a).max())
        gamma_b, F, gamma_a = new_b, new_F, new_a
        if change < tol:
            return gamma_b, gamma_a, F, it, change
    return gamma_b, gamma_a, F, max_iter, change


def _factor_step_batch(W, X, G, A):
    """_factor_step for B draws at once: X (B, T, L), G (B, L, K), A (B, L) or None."""
    WG = W[None] @ G[:, None]                                   # (B, T, L, K)
    lhs = np.swapaxes(G, 1, 2)[:, None] @ WG                    # (B, T, K, K)
    rhs = X if A is None else X - np.einsum("tlm,bm->btl", W, A)
    b = np.einsum("btl,blk->btk", rhs, G)
    return np.linalg.solve(lhs, b[..., None])[..., 0]


def _gamma_step_batch(W, X, F):
    """_gamma_step for B draws at once: X (B, T, L), F (B, T, K)."""
    T, L, _ = W.shape
    B, _, K = F.shape
    FF = (F[..., :, None] * F[..., None, :]).reshape(B, T, K * K)
    P = np.swapaxes(W.reshape(T, L * L), 0, 1)[None] @ FF       # (B, L*L, K*K): (l, m), (j, k)
    M = P.reshape(B, L, L, K, K).transpose(0, 1, 3, 2, 4).reshape(B, L * K, L * K)
    v = (np.swapaxes(X, 1, 2) @ F).reshape(B, L * K)
    return np.linalg.solve(M, v[..., None])[..., 0].reshape(B, L, K)


def _normalise_batch(G, F, A):
    """_normalise for B draws at once."""
    R1 = np.swapaxes(np.linalg.cholesky(np.swapaxes(G, 1, 2) @ G), 1, 2)
    cov = R1 @ (np.swapaxes(F, 1, 2) @ F) @ np.swapaxes(R1, 1, 2)
    _, _, Vt = np.linalg.svd(cov)
    R2 = np.swapaxes(Vt, 1, 2)
    G = G @ np.linalg.solve(R1, R2)
    F = F @ np.swapaxes(np.swapaxes(R2, 1, 2) @ R1, 1, 2)
    signs = np.where(F.mean(axis=1) < 0, -1.0, 1.0)[:, None, :]
    G, F = G * signs, F * signs
    if A is not None:
        proj = np.einsum("blk,bl->bk", G, A)
        A = A - np.einsum("blk,bk->bl", G, proj)
        F = F + proj[:, None, :]
    return G, F, A


def _als_batch(W, X, n_factors, intercept, max_iter, tol):
    """_als on B sets of managed portfolios X (B, T, L) sharing W, all iterated together.

    Every draw runs until the largest change over all draws is below ``tol``;
    a draw that has converged stays at its fixed point (up to ``tol``).
    Returns Gamma_b (B, L, K), Gamma_a (B, L) or None, F (B, T, K), n_iter, change.
    """
    B, T, L = X.shape
    U = np.linalg.svd(np.swapaxes(X, 1, 2), full_matrices=False)[0]
    G = U[:, :, :n_factors].copy()
    A = np.zeros((B, L)) if intercept else None
    F = _factor_step_batch(W, X, G, A)
    change = np.inf
    for it in range(1, max_iter + 1):
        if intercept:
            full = _gamma_step_batch(W, X, np.concatenate([np.ones((B, T, 1)), F], axis=2))
            new_A, new_G = full[:, :, 0], full[:, :, 1:]
        else:
            new_A, new_G = None, _gamma_step_batch(W, X, F)
        new_F = _factor_step_batch(W, X, new_G, new_A)
        new_G, new_F, new_A = _normalise_batch(new_G, new_F, new_A)
        change = max(np.abs(new_G - G).max(), np.abs(new_F - F).max())
        if intercept:
            change = max(change, np.abs(new_A - A).max())
        G, F, A = new_G, new_F, new_A
        if change < tol:
            return G, A, F, it, change
    return G, A, F, max_iter, change


class IPCA(RegressorMixin, BaseEstimator):
    r"""Instrumented principal components (Kelly, Pruitt & Su 2019) on a ``(date, asset)`` panel.

    The model is :math:`r_{i,t+1} = z_{i,t}'\Gamma_\alpha + z_{i,t}'\Gamma_\beta f_{t+1}
    + \varepsilon_{i,t+1}`: ``X`` holds the :math:`L` characteristics
    :math:`z_{i,t}` (add a constant column yourself if you want one) and ``y``
    the forward returns.

    **Algorithm.** Alternating least squares on the per-date moments
    :math:`W_t = Z_t'Z_t` and :math:`x_t = Z_t'r_{t+1}` (the "managed
    portfolios"), so each iteration costs :math:`O(T L^2 K^2)` whatever the
    number of assets: start :math:`\Gamma_\beta` at the first :math:`K` left
    singular vectors of :math:`[x_1, \dots, x_T]`; then repeat (1) for every
    date at once, :math:`f_t = (\Gamma_\beta' W_t \Gamma_\beta)^{-1}\Gamma_\beta'
    (x_t - W_t\Gamma_\alpha)`; (2) :math:`\operatorname{vec}(\Gamma)` from the
    pooled normal equations :math:`\sum_t (W_t \otimes \tilde f_t\tilde f_t')
    \operatorname{vec}\Gamma = \sum_t x_t \otimes \tilde f_t`, with
    :math:`\Gamma = [\Gamma_\alpha, \Gamma_\beta]` and :math:`\tilde f_t = (1, f_t)`
    when ``intercept=True``; (3) normalise as KPS do: :math:`\Gamma_\beta'
    \Gamma_\beta = I`, factors uncorrelated and ordered by variance, positive
    means, :math:`\Gamma_\alpha \perp \Gamma_\beta`. Stop when the largest
    absolute change of :math:`\Gamma` and :math:`f` is below ``tol``; a
    ``ConvergenceWarning`` is raised if ``max_iter`` is reached first.

    Parameters
    ----------
    n_factors : int, default 1
        Number of latent factors :math:`K` (at most the number of characteristics).
    intercept : bool, default False
        Estimate :math:`\Gamma_\alpha` (the "restricted" model has none).
    max_iter : int, default 500
    tol : float, default 1e-8

    Attributes
    ----------
    gamma_ : pandas.DataFrame
        :math:`\Gamma_\beta`, characteristics by factors.
    gamma_alpha_ : pandas.Series or None
    factors_ : pandas.DataFrame
        In-sample factor realisations, one row per date of ``X``.
    factor_mean_ : numpy.ndarray
        Their time-series mean :math:`\lambda`, used by :meth:`predict`.
    n_iter_ : int

    Examples
    --------
    >>> import helpers
    >>> sim = helpers.simulate_latent_panel(n_dates=60, n_assets=100, seed=0)
    >>> model = helpers.IPCA(n_factors=2).fit(sim.X, sim.y)
    >>> model.gamma_.shape
    (5, 2)
    """

    def __init__(self, n_factors=1, *, intercept=False, max_iter=500, tol=1e-8):
        self.n_factors = n_factors
        self.intercept = intercept
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, X, y):
        """Estimate Gamma and the factors by alternating least squares."""
        Z, r = _check_panel_xy(X, y)
        K = check_int(self.n_factors, "n_factors", minimum=1)
        max_iter = check_int(self.max_iter, "max_iter", minimum=1)
        if K > Z.shape[1]:
            raise ValueError(f"n_factors={K} exceeds the number of characteristics ({Z.shape[1]}).")
        if not (isinstance(self.tol, (int, float)) and self.tol > 0):
            raise ValueError(f"tol must be a positive number; got {self.tol!r}.")
        W, x, dates, _ = _managed(Z, r, X.index.get_level_values("date"))
        if len(dates) <= K:
            raise ValueError(f"IPCA needs more dates than factors; got {len(dates)} dates.")
        gb, ga, F, n_iter, change = _als(W, x, K, bool(self.intercept), max_iter, self.tol)
        if change >= self.tol:
            import warnings

            warnings.warn(f"IPCA did not converge in {max_iter} iterations (last change {change:.2e} "
                          f"> tol={self.tol}); raise max_iter.", ConvergenceWarning, stacklevel=2)
        names = [f"f{k + 1}" for k in range(K)]
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.gamma_ = pd.DataFrame(gb, index=X.columns, columns=names)
        self.gamma_alpha_ = pd.Series(ga, index=X.columns, name="gamma_alpha") if ga is not None else None
        self.factors_ = pd.DataFrame(F, index=dates, columns=names)
        self.factor_mean_ = F.mean(axis=0)
        self.n_iter_ = n_iter
        return self

    def _alpha(self, Z):
        return Z @ self.gamma_alpha_.to_numpy() if self.gamma_alpha_ is not None else 0.0

    def transform(self, X):
        """The loadings beta_{i,t} = Gamma_beta' z_{i,t}, one column per factor."""
        check_is_fitted(self)
        Z, _ = _check_panel_xy(X)
        return pd.DataFrame(Z @ self.gamma_.to_numpy(), index=X.index, columns=self.gamma_.columns)

    def predict(self, X):
        """Predictive forecast z'(Gamma_alpha + Gamma_beta lambda), lambda the mean factor."""
        check_is_fitted(self)
        Z, _ = _check_panel_xy(X)
        pred = self._alpha(Z) + Z @ (self.gamma_.to_numpy() @ self.factor_mean_)
        return pd.Series(pred, index=X.index, name="ipca_forecast")

    def estimate_factors(self, X, y):
        """Factor realisations of each date of (X, y) given the fitted Gamma (cross-sectional OLS)."""
        check_is_fitted(self)
        Z, r = _check_panel_xy(X, y)
        W, x, dates, _ = _managed(Z, r, X.index.get_level_values("date"))
        ga = self.gamma_alpha_.to_numpy() if self.gamma_alpha_ is not None else None
        F = _factor_step(W, x, self.gamma_.to_numpy(), ga)
        return pd.DataFrame(F, index=dates, columns=self.gamma_.columns)

    def r2_total(self, X, y):
        r"""KPS total :math:`R^2`: :math:`1 - \sum (r - z'\Gamma_\alpha - z'\Gamma_\beta f_{t+1})^2 / \sum r^2`.

        The factors are those of (X, y) given the fitted Gamma, so on new data
        this is KPS's out-of-sample total R² (the factor of a date is a return
        on a portfolio formed from that date's characteristics).
        """
        Z, r = _check_panel_xy(X, y)
        F = self.estimate_factors(X, y)
        codes, _ = pd.factorize(X.index.get_level_values("date"), sort=True)
        fit = self._alpha(Z) + np.einsum("nk,nk->n", Z @ self.gamma_.to_numpy(), F.to_numpy()[codes])
        return 1.0 - np.sum((r - fit) ** 2) / np.sum(r**2)

    def score(self, X, y, sample_weight=None):
        r"""KPS predictive :math:`R^2` (against a forecast of zero), as :func:`helpers.oos_r2`."""
        Z, r = _check_panel_xy(X, y)
        return 1.0 - np.sum((r - self.predict(X).to_numpy()) ** 2) / np.sum(r**2)


@dataclass(frozen=True, eq=False)
class LatentPanel:
    """A simulated panel with an IPCA factor structure (see :func:`simulate_latent_panel`)."""

    X: pd.DataFrame
    y: pd.Series
    gamma: pd.DataFrame
    gamma_alpha: pd.Series
    factors: pd.DataFrame = field(repr=False)
    expected: pd.Series = field(repr=False)
    seed: int = 0


def simulate_latent_panel(
    n_dates: int = 120,
    n_assets: int = 200,
    *,
    n_factors: int = 2,
    n_chars: int = 5,
    noise_sd: float = 0.1,
    alpha_scale: float = 0.0,
    seed: int = 0,
) -> LatentPanel:
    r"""Simulate a panel whose loadings are linear in characteristics, with known Gamma.

    :math:`r_{i,t+1} = z_{i,t}'\Gamma_\alpha + z_{i,t}'\Gamma_\beta f_{t+1} +
    \varepsilon_{i,t+1}`: characteristics are i.i.d. standard normal across
    assets with a constant first column (persistent: an AR(1) with
    coefficient 0.9 over time); :math:`\Gamma_\beta` has orthonormal columns,
    drawn once from the seed; factors are independent normal with standard
    deviations 0.05, 0.03, ... and means 0.01, 0.005, ...; noise is normal
    with sd ``noise_sd``. :math:`\Gamma_\alpha` is orthogonal to
    :math:`\Gamma_\beta` with norm ``alpha_scale`` (0: characteristics matter
    only through loadings). Row ``(t, i)`` holds ``z`` at ``t`` and the
    return from ``t`` to ``t+1``. ``expected`` is
    :math:`z'(\Gamma_\alpha + \Gamma_\beta \mu_f)`, the true conditional
    expected return.

    Examples
    --------
    >>> import helpers
    >>> sim = helpers.simulate_latent_panel(n_dates=24, n_assets=50, seed=0)
    >>> sim.X.shape, sim.gamma.shape
    ((1200, 5), (5, 2))
    """
    n_dates = check_int(n_dates, "n_dates", minimum=6)
    n_assets = check_int(n_assets, "n_assets", minimum=10)
    n_chars = check_int(n_chars, "n_chars", minimum=2)
    K = check_int(n_factors, "n_factors", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    if K >= n_chars:
        raise ValueError(f"n_factors={K} must be smaller than n_chars={n_chars}.")
    if not noise_sd >= 0 or not alpha_scale >= 0:
        raise ValueError("noise_sd and alpha_scale must be non-negative.")
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n_chars, K + 1)))
    gamma_b, a_dir = Q[:, :K], Q[:, K]
    gamma_a = alpha_scale * a_dir
    z = np.empty((n_dates, n_assets, n_chars - 1))
    z[0] = rng.standard_normal((n_assets, n_chars - 1))
    for t in range(1, n_dates):
        z[t] = 0.9 * z[t - 1] + np.sqrt(1 - 0.81) * rng.standard_normal((n_assets, n_chars - 1))
    Z = np.concatenate([np.ones((n_dates, n_assets, 1)), z], axis=2)
    mu = 0.01 / 2.0 ** np.arange(K)
    sd = 0.05 / (1 + 2 * np.arange(K) / 3)
    F = mu + sd * rng.standard_normal((n_dates, K))
    beta = Z @ gamma_b
    y = Z @ gamma_a + np.einsum("tik,tk->ti", beta, F) + noise_sd * rng.standard_normal((n_dates, n_assets))
    expected = Z @ (gamma_a + gamma_b @ mu)
    dates = pd.date_range("2000-01-31", periods=n_dates, freq="ME", name="date")
    assets = pd.Index([f"A{i:03d}" for i in range(n_assets)], name="asset")
    index = pd.MultiIndex.from_product([dates, assets], names=list(PANEL_LEVELS))
    chars = pd.Index(["const", *[f"c{j}" for j in range(1, n_chars)]], name="characteristic")
    names = [f"f{k + 1}" for k in range(K)]
    return LatentPanel(
        X=pd.DataFrame(Z.reshape(-1, n_chars), index=index, columns=chars),
        y=pd.Series(y.ravel(), index=index, name="fwd_return"),
        gamma=pd.DataFrame(gamma_b, index=chars, columns=names),
        gamma_alpha=pd.Series(gamma_a, index=chars, name="gamma_alpha"),
        factors=pd.DataFrame(F, index=dates, columns=names),
        expected=pd.Series(expected.ravel(), index=index, name="expected"),
        seed=seed,
    )


def subspace_distance(A, B) -> float:
    r"""Largest principal angle's sine between the column spaces of A and B (0 = same space).

    IPCA identifies :math:`\Gamma_\beta` only up to rotation, so recovery is
    measured by the angle between subspaces, not entry by entry.

    Examples
    --------
    >>> import numpy as np
    >>> round(subspace_distance(np.eye(3)[:, :2], np.eye(3)[:, :2] @ [[0, 1], [1, 0]]), 12)
    0.0
    """
    qa, _ = np.linalg.qr(np.asarray(A, dtype=float))
    qb, _ = np.linalg.qr(np.asarray(B, dtype=float))
    cosines = np.linalg.svd(qa.T @ qb, compute_uv=False)
    return float(np.sqrt(max(0.0, 1.0 - np.min(cosines) ** 2)))


def gamma_alpha_test(X, y, n_factors, *, n_boot=50, seed=0, max_iter=500, tol=1e-8):
    r"""KPS's bootstrap test of :math:`H_0: \Gamma_\alpha = 0`.

    The statistic is :math:`W_\alpha = \hat\Gamma_\alpha'\hat\Gamma_\alpha` from
    the unrestricted fit. Under the null, managed portfolios are rebuilt as
    :math:`\tilde x_t = W_t\hat\Gamma_\beta \hat f_t + q_t \hat d_{j_t}`, with
    :math:`\hat d_t = x_t - W_t(\hat\Gamma_\alpha + \hat\Gamma_\beta\hat f_t)`
    the unrestricted residuals, :math:`j_t` dates drawn with replacement and
    :math:`q_t` Student-t (5 d.f.) scaled to unit variance (a wild residual
    bootstrap); the unrestricted model is refit on each draw. The refits are
    vectorised over draws (one alternating least squares for a batch of up
    to 256 draws), so 1000 draws on a 120-date panel take well under a second.

    Returns
    -------
    pandas.Series
        ``w_alpha``, ``pvalue`` (share of draws at least as large, with the
        +1 correction) and ``n_boot``.
    """
    n_boot = check_int(n_boot, "n_boot", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    model = IPCA(n_factors, intercept=True, max_iter=max_iter, tol=tol).fit(X, y)
    Z, r = _check_panel_xy(X, y)
    W, x, dates, _ = _managed(Z, r, X.index.get_level_values("date"))
    rank = np.linalg.matrix_rank(W)
    short = np.flatnonzero(rank < W.shape[1])
    if short.size:
        raise ValueError(
            f"gamma_alpha_test needs the {W.shape[1]} characteristics to be linearly independent across "
            f"assets on every date, but {short.size} of {len(dates)} dates are not (the first is "
            f"{dates[short[0]]}, with rank {rank[short[0]]}): a characteristic that is missing, or "
            "constant, for every asset on a date. The bootstrap moves residuals between dates, which "
            "is only consistent when every date's Z'Z is invertible; drop those dates (or those "
            "characteristics) first."
        )
    gb, ga, F = model.gamma_.to_numpy(), model.gamma_alpha_.to_numpy(), model.factors_.to_numpy()
    fitted_null = np.einsum("tlm,mk,tk->tl", W, gb, F)
    resid = x - W @ ga - fitted_null
    stat = float(ga @ ga)
    rng = np.random.default_rng(seed)
    T = len(x)
    scale = np.sqrt(5 / 3)
    draws = np.empty(n_boot)
    # The draws are made one by one, in order (so they do not depend on the batch size),
    # and the refits run in batches of at most 256 through a vectorised ALS.
    for start in range(0, n_boot, 256):
        size = min(256, n_boot - start)
        xb = np.empty((size, T, x.shape[1]))
        for b in range(size):
            j = rng.integers(0, T, T)
            q = rng.standard_t(5, T) / scale
            xb[b] = fitted_null + q[:, None] * resid[j]
        _, ga_b, _, _, change = _als_batch(W, xb, int(n_factors), True, max_iter, tol)
        if change >= tol:
            import warnings

            warnings.warn(f"gamma_alpha_test: the bootstrap refits did not converge in {max_iter} "
                          f"iterations (last change {change:.2e}); raise max_iter.",
                          ConvergenceWarning, stacklevel=2)
        draws[start:start + size] = np.einsum("bl,bl->b", ga_b, ga_b)
    p = (1 + np.sum(draws >= stat)) / (1 + n_boot)
    return pd.Series({"w_alpha": stat, "pvalue": p, "n_boot": n_boot}, name="gamma_alpha_test")


@dataclass(frozen=True, eq=False)
class RPPCAResult:
    """Risk-premium PCA (see :func:`rp_pca`)."""

    weights: pd.DataFrame
    factors: pd.DataFrame
    eigenvalues: pd.Series
    alphas: pd.Series
    gamma: float

    @property
    def rms_alpha(self) -> float:
        """Root mean squared pricing error across assets."""
        return float(np.sqrt(np.mean(self.alphas.to_numpy() ** 2)))

    def factor_returns(self, returns) -> pd.DataFrame:
        """Returns of the factor portfolios (the stored ``weights``) on other dates' returns.

        ``returns`` must have the same assets (columns) as the returns the
        weights were estimated on; use it to form the factors out of sample.
        """
        if not isinstance(returns, pd.DataFrame):
            raise TypeError(f"returns must be a wide DataFrame (dates x assets); got {type(returns).__name__}.")
        if not returns.columns.equals(self.weights.index):
            raise ValueError("returns must have the same assets, in the same order, as the returns "
                             "rp_pca was fitted on; use returns[result.weights.index].")
        R = returns.to_numpy(dtype="float64")
        if not np.isfinite(R).all():
            raise ValueError("returns has missing or infinite values.")
        return pd.DataFrame(R @ self.weights.to_numpy(), index=returns.index, columns=self.weights.columns)

    def pricing_errors(self, returns) -> pd.Series:
        """Intercepts of time-series regressions of ``returns`` on the factor portfolios' returns.

        With ``returns`` from dates the weights did not see, these are
        out-of-sample pricing errors: the weights are fixed in advance, only the
        betas are estimated on the new dates.
        """
        F = self.factor_returns(returns).to_numpy()
        design = np.column_stack([np.ones(len(F)), F])
        coef = np.linalg.lstsq(design, returns.to_numpy(dtype="float64"), rcond=None)[0]
        return pd.Series(coef[0], index=returns.columns, name="alpha")


def rp_pca(returns, n_components, *, gamma=10.0) -> RPPCAResult:
    r"""Risk-premium PCA of Lettau & Pelger (2020) on wide excess returns (dates x assets).

    Eigenvectors of :math:`\tfrac1T R'R + \gamma\,\bar r\bar r'`
    (:math:`\bar r` the assets' mean returns). ``gamma=-1`` is the covariance
    matrix, i.e. plain PCA; ``gamma=0`` the second moment; larger values
    weight the means more, so the factors must explain average returns as
    well as co-movement. ``factors`` are returns of the portfolios with the
    unit-norm eigenvectors as ``weights`` (signs set so that weights sum to a
    positive number); ``alphas`` are the intercepts of time-series regressions
    of each asset on the factors (pricing errors).

    Examples
    --------
    >>> import helpers
    >>> ff = helpers.load_french()
    >>> res = helpers.rp_pca(ff.portfolios, 3, gamma=10)
    >>> res.factors.shape
    (819, 3)
    """
    if not isinstance(returns, pd.DataFrame):
        raise TypeError(f"returns must be a wide DataFrame (dates x assets); got {type(returns).__name__}.")
    R = returns.to_numpy(dtype="float64")
    if not np.isfinite(R).all():
        raise ValueError("returns has missing or infinite values; rp_pca needs a balanced panel.")
    T, N = R.shape
    K = check_int(n_components, "n_components", minimum=1)
    if K > N:
        raise ValueError(f"n_components={K} exceeds the number of assets ({N}).")
    mean = R.mean(axis=0)
    S = R.T @ R / T + float(gamma) * np.outer(mean, mean)
    values, vectors = np.linalg.eigh(S)
    order = np.argsort(values)[::-1][:K]
    Wt = vectors[:, order]
    Wt = Wt * np.where(Wt.sum(axis=0) < 0, -1.0, 1.0)
    F = R @ Wt
    design = np.column_stack([np.ones(T), F])
    coef = np.linalg.lstsq(design, R, rcond=None)[0]
    names = [f"PC{k + 1}" for k in range(K)]
    return RPPCAResult(
        weights=pd.DataFrame(Wt, index=returns.columns, columns=names),
        factors=pd.DataFrame(F, index=returns.index, columns=names),
        eigenvalues=pd.Series(values[order], index=names, name="eigenvalue"),
        alphas=pd.Series(coef[0], index=returns.columns, name="alpha"),
        gamma=float(gamma),
    )


def bai_ng(returns, max_factors=10, *, standardize=True) -> pd.Series:
    r"""Bai & Ng (2002) criterion :math:`IC_{p2}(k) = \ln V(k) + k\frac{N+T}{NT}\ln\min(N,T)`.

    :math:`V(k)` is the mean squared residual after the first :math:`k`
    principal components of the demeaned (and, by default, standardised)
    returns. The estimated number of factors is the ``idxmin()`` of the result.

    Examples
    --------
    >>> import helpers
    >>> ic = helpers.bai_ng(helpers.load_french().portfolios, 8)
    >>> ic.index.name
    'k'
    """
    if not isinstance(returns, pd.DataFrame):
        raise TypeError(f"returns must be a wide DataFrame (dates x assets); got {type(returns).__name__}.")
    R = returns.to_numpy(dtype="float64")
    if not np.isfinite(R).all():
        raise ValueError("returns has missing or infinite values; bai_ng needs a balanced panel.")
    T, N = R.shape
    kmax = check_int(max_factors, "max_factors", minimum=1)
    if kmax >= min(N, T):
        raise ValueError(f"max_factors={kmax} must be below min(N, T) = {min(N, T)}.")
    R = R - R.mean(axis=0)
    if standardize:
        R = R / R.std(axis=0)
    s = np.linalg.svd(R, compute_uv=False) ** 2
    total = s.sum()
    V = np.array([(total - s[:k].sum()) / (N * T) for k in range(kmax + 1)])
    penalty = np.arange(kmax + 1) * (N + T) / (N * T) * np.log(min(N, T))
    return pd.Series(np.log(V) + penalty, index=pd.RangeIndex(kmax + 1, name="k"), name="IC_p2")
