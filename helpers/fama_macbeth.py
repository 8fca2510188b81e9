r"""Fama–MacBeth cross-sectional regressions and the two-pass test of factor models.

The Fama–MacBeth procedure has two passes.

1. At every date :math:`t`, regress the cross-section of returns on a constant
   and the characteristics (or betas) known at :math:`t`:

   .. math:: r_{i,t+1} = \lambda_{0,t} + \sum_k x_{i,k,t} \lambda_{k,t} + \varepsilon_{i,t+1}.

2. Average the per-date slopes over time, :math:`\hat\lambda_k = \frac1T \sum_t
   \hat\lambda_{k,t}`, and estimate their sampling error from the time-series
   variation of the :math:`\hat\lambda_{k,t}`.

:func:`fama_macbeth` runs both passes on a ``(date, asset)`` panel, with all the
per-date regressions solved at once (batched normal equations), and
:func:`two_pass` applies it to test portfolios with betas estimated from time
series, adding Shanken's errors-in-variables correction and the GRS test.
"""

from __future__ import annotations

import functools
import numbers
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import linalg, stats

from helpers._newey_west import check_kernel, check_nw_lags, long_run_mean_cov, se_label
from helpers._threads import inner_threads
from helpers._validation import (
    check_numeric_frame,
    check_returns_factors,
    check_target,
    date_codes,
    infinite_values_error,
)

__all__ = [
    "FamaMacBethResults",
    "GRSTest",
    "TwoPassResults",
    "fama_macbeth",
    "fama_macbeth_dask",
    "fama_macbeth_from_lambdas",
    "two_pass",
]

# A date is rank deficient when a characteristic, scaled to unit length, is explained
# by the others with 1 - R^2 below this.
_RCOND = 1e-10
# Size of the reusable buffer for one block of dates: small enough to stay in cache.
_BLOCK_BYTES = 4 * 2**20
# Most threads for the pass over the data (NumPy releases the GIL in it); see inner_threads.
_THREADS = 2


@dataclass(frozen=True, eq=False)
class FamaMacBethResults:
    """Results of :func:`fama_macbeth`.

    Attributes
    ----------
    lambdas : pandas.DataFrame
        The per-date estimates :math:`\\hat\\lambda_t`, one row per date that was
        used, columns ``["const", *X.columns]``.
    premia : pandas.Series
        Time-series means of ``lambdas``: the estimated premia.
    std_errors, tstats, pvalues : pandas.Series
        Standard errors of the premia, ``premia / std_errors``, and two-sided
        p-values from a t distribution with ``n_dates - 1`` degrees of freedom.
    cov : pandas.DataFrame
        Estimated covariance matrix of ``premia``.
    r2 : pandas.Series
        R² of each date's cross-sectional regression (dates used).
    n_obs : pandas.Series
        Number of rows used at every date, including skipped dates.
    skipped_dates : pandas.Series
        The reason each skipped date was skipped (empty if none was).
    n_missing_rows : int
        Rows dropped because ``X`` or ``y`` had a NaN.
    alpha : float
        Ridge penalty of the cross-sectional regressions (0 for OLS).
    nw_lags : int or None
        Lags of the long-run standard errors (None for plain Fama–MacBeth).
    kernel : str
        Kernel of those standard errors actually used: ``"bartlett"``
        (Newey–West) or ``"uniform"`` (Hansen–Hodrick).
    """

    lambdas: pd.DataFrame
    premia: pd.Series
    std_errors: pd.Series
    tstats: pd.Series
    pvalues: pd.Series
    cov: pd.DataFrame = field(repr=False)
    r2: pd.Series = field(repr=False)
    n_obs: pd.Series = field(repr=False)
    skipped_dates: pd.Series = field(repr=False)
    n_missing_rows: int = 0
    alpha: float = 0.0
    nw_lags: int | None = None
    kernel: str = "bartlett"

    @property
    def n_dates(self) -> int:
        """Number of dates whose cross-sectional regression was used."""
        return len(self.lambdas)

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Confidence intervals for the premia (t distribution, ``n_dates - 1`` df)."""
        if not 0 < level < 1:
            raise ValueError(f"level must be between 0 and 1; got {level}.")
        q = stats.t.ppf(0.5 + level / 2, df=self.n_dates - 1)
        return pd.DataFrame(
            {"lower": self.premia - q * self.std_errors, "upper": self.premia + q * self.std_errors}
        )

    def summary(self) -> pd.DataFrame:
        """Premia, standard errors, t-statistics, p-values and 95 % intervals."""
        ci = self.conf_int(0.95)
        table = pd.DataFrame(
            {
                "premium": self.premia,
                "std_error": self.std_errors,
                "t_stat": self.tstats,
                "p_value": self.pvalues,
                "ci_lower": ci["lower"],
                "ci_upper": ci["upper"],
            }
        )
        table.index.name = "parameter"
        return table

    def __repr__(self) -> str:
        se = se_label(self.nw_lags, self.kernel)
        how = "OLS" if self.alpha == 0 else f"ridge(alpha={self.alpha:g})"
        return (
            f"FamaMacBethResults({how}, {self.n_dates} dates used, "
            f"{len(self.skipped_dates)} skipped, {se} standard errors)\n"
            f"{self.summary().round(4).to_string()}"
        )


def fama_macbeth(
    X, y, *, alpha: float = 0.0, nw_lags=None, kernel: str = "bartlett"
) -> FamaMacBethResults:
    r"""Fama–MacBeth regressions of ``y`` on ``[1, X]``, date by date, and their averages.

    Parameters
    ----------
    X : pandas.DataFrame
        Characteristics or betas, indexed by ``(date, asset)``, one numeric
        column per regressor. The intercept is added here: do not include a
        constant column.
    y : pandas.Series
        Returns on exactly the same index (the row ``(t, i)`` holds the return
        from ``t`` to ``t + 1``).
    alpha : float, default 0.0
        0 for OLS at every date. A positive value fits a ridge regression with
        an unpenalised intercept, the same as ``sklearn.linear_model.Ridge(alpha)``
        fitted to each date: it minimises
        :math:`\sum_i (r_i - \lambda_0 - x_i'\lambda)^2 + \alpha \lVert\lambda\rVert^2`.
    nw_lags : int, str or None, default None
        None for plain Fama–MacBeth standard errors; an integer :math:`L \ge 0`
        for Newey–West standard errors with Bartlett weights and :math:`L` lags;
        ``"auto"`` for :math:`L = \lfloor 4 (T/100)^{2/9} \rfloor` (the Newey–West
        1994 rule of thumb), where :math:`T` is the number of dates used.
    kernel : str, default "bartlett"
        Weights of the lagged autocovariances: Bartlett (Newey–West) or
        uniform (Hansen–Hodrick). For overlapping :math:`h`-period returns use
        ``kernel="uniform", nw_lags=h - 1``: Bartlett weights with
        :math:`h - 1` lags understate the variance the overlap creates. A
        uniform estimate that is not positive definite is replaced by the
        Bartlett one, with a ``RuntimeWarning`` (``results.kernel`` says which
        was used).

    Returns
    -------
    FamaMacBethResults
        With ``lambdas``, ``premia``, ``std_errors``, ``tstats``, ``pvalues``,
        ``cov``, ``r2``, ``n_obs``, ``skipped_dates`` and ``summary()``.

    Notes
    -----
    **First pass.** Rows with a NaN in ``X`` or ``y`` are dropped date by date
    (their number is ``n_missing_rows``). A date is skipped, and its reason
    recorded in ``skipped_dates``, when it has too few rows (fewer than
    :math:`K + 1` for OLS, fewer than 2 for ridge) or, for OLS, when its
    characteristics are collinear or constant. A ``RuntimeWarning`` says how
    many dates were skipped. All dates are solved at once: X and y are centred
    per date, and the :math:`K \times K` normal equations of every date are
    formed and solved as one batch.

    **Second pass.** With :math:`e_t = \hat\lambda_t - \hat\lambda` over the
    :math:`T` dates used, the plain Fama–MacBeth covariance of the premia is

    .. math:: \widehat{V} = \frac{1}{T} \cdot \frac{1}{T - 1} \sum_t e_t e_t',

    that is, the variance of :math:`\hat\lambda_t` (``ddof=1``) over :math:`T`.
    The Newey–West covariance with :math:`L` lags and Bartlett weights is

    .. math:: \widehat{V}_{NW} = \frac{1}{T(T-1)} \Big[ \sum_{t} e_t e_t' +
              \sum_{j=1}^{L} \Big(1 - \frac{j}{L+1}\Big) \sum_{t=j+1}^{T}
              \big(e_t e_{t-j}' + e_{t-j} e_t'\big) \Big].

    Its normalisation, :math:`T(T-1)` rather than :math:`T^2`, makes
    ``nw_lags=0`` equal to the plain covariance; it is the one of linearmodels'
    ``FamaMacBeth(...).fit(cov_type="kernel", bandwidth=L)`` (whose default is
    ``debiased=True``), which it matches. Hansen–Hodrick replaces the weights
    :math:`1 - j/(L+1)` by 1.

    Dates may be datetimes, integers or strings; they are kept as given.

    Examples
    --------
    >>> import helpers
    >>> sim = helpers.simulate_panel(n_dates=60, n_assets=200, seed=0)
    >>> X = sim.latent[["momentum", "value"]]
    >>> res = helpers.fama_macbeth(X, sim.y)
    >>> list(res.premia.index)
    ['const', 'momentum', 'value']
    >>> res.n_dates
    60
    """
    x, _ = check_numeric_frame(X, "X", check_values=False)  # scanned in _cross_sections
    kernel = check_kernel(kernel)
    yv = check_target(y, X.index)
    alpha = _check_alpha(alpha)
    if "const" in X.columns:
        raise ValueError(
            "X has a column named 'const'; the intercept is added by fama_macbeth. "
            "Drop or rename that column."
        )
    columns = ["const", *map(str, X.columns)]

    codes, dates = date_codes(X.index, "X")
    lambdas, r2, n_obs, reasons = _cross_sections(x, yv, codes, len(dates), alpha, columns[1:])
    return _finish(
        lambdas, r2, n_obs, reasons, dates, columns,
        n_missing=int(len(x) - n_obs.sum()), alpha=alpha, nw_lags=nw_lags, kernel=kernel,
    )


def _finish(lambdas, r2, n_obs, reasons, dates, columns, *, n_missing, alpha, nw_lags, kernel):
    """Results from the per-date arrays of the first pass (all dates, skipped ones NaN)."""
    used = ~np.isnan(lambdas[:, 0])
    if not used.any():
        raise ValueError(
            "No date could be used: every cross-section was skipped "
            f"({_first_reasons(reasons, dates)}). Check that X has enough non-missing rows "
            "per date and that no column is constant or a copy of another."
        )
    skipped = pd.Series(
        {dates[t]: reason for t, reason in sorted(reasons.items())}, name="reason", dtype=object
    )
    skipped.index = pd.Index(skipped.index, name="date")
    if len(skipped):
        warnings.warn(
            f"fama_macbeth skipped {len(skipped)} of {len(dates)} dates "
            f"({_first_reasons(reasons, dates)}); see results.skipped_dates.",
            RuntimeWarning,
            stacklevel=3,
        )
    lam = pd.DataFrame(lambdas[used], index=dates[used], columns=columns)
    lam.columns.name = "parameter"
    return _second_pass(
        lam,
        nw_lags,
        kernel=kernel,
        r2=pd.Series(r2[used], index=dates[used], name="r2"),
        n_obs=pd.Series(n_obs, index=dates, name="n_obs"),
        skipped=skipped,
        n_missing=n_missing,
        alpha=alpha,
    )


def fama_macbeth_from_lambdas(
    lambdas,
    *,
    r2=None,
    n_obs=None,
    skipped_dates=None,
    n_missing_rows: int = 0,
    alpha: float = 0.0,
    nw_lags=None,
    kernel: str = "bartlett",
) -> FamaMacBethResults:
    r"""Finish Fama–MacBeth from per-date estimates computed elsewhere: the second pass.

    The first pass of Fama–MacBeth is one regression per date, so it can run
    anywhere (per file, per year, per worker of a cluster); this function takes
    the per-date estimates gathered from there and computes the premia, their
    (plain or Newey–West) standard errors, t-statistics and p-values exactly as
    :func:`fama_macbeth` does from a panel.

    Parameters
    ----------
    lambdas : pandas.DataFrame
        The per-date estimates :math:`\hat\lambda_t`, one row per date used
        (``"const"`` first, then the characteristics, as in
        ``FamaMacBethResults.lambdas``), without missing values. The rows are
        sorted by date here (Newey–West weights need the time order).
    r2 : pandas.Series, optional
        Each date's cross-sectional R², on the dates of ``lambdas`` (NaN if omitted).
    n_obs : pandas.Series, optional
        Rows used per date, skipped dates included (NaN per date if omitted).
    skipped_dates : pandas.Series, optional
        Date -> reason of each skipped date (none if omitted).
    n_missing_rows : int, default 0
        Rows dropped for a NaN, over all dates.
    alpha, nw_lags, kernel
        As in :func:`fama_macbeth` (``alpha`` is only recorded).

    Returns
    -------
    FamaMacBethResults

    Examples
    --------
    >>> import pandas as pd
    >>> import helpers
    >>> sim = helpers.simulate_panel(n_dates=60, n_assets=200, seed=0)
    >>> X = sim.latent[["momentum", "value"]]
    >>> dates = X.index.get_level_values("date")
    >>> halves = [dates < dates[len(X) // 2], dates >= dates[len(X) // 2]]
    >>> parts = [helpers.fama_macbeth(X[h], sim.y[h]).lambdas for h in halves]
    >>> res = helpers.fama_macbeth_from_lambdas(pd.concat(parts))
    >>> bool((res.premia - helpers.fama_macbeth(X, sim.y).premia).abs().max() < 1e-12)
    True
    """
    if not isinstance(lambdas, pd.DataFrame) or lambdas.empty:
        raise TypeError(
            "lambdas must be a non-empty DataFrame of per-date estimates (dates as rows, "
            f"'const' and the characteristics as columns); got {type(lambdas).__name__}"
            f"{' (empty)' if isinstance(lambdas, pd.DataFrame) else ''}."
        )
    text = [c for c in lambdas.columns if not pd.api.types.is_numeric_dtype(lambdas[c])]
    if text:
        raise TypeError(f"lambdas must hold numbers; the columns {text} do not.")
    values = lambdas.to_numpy(dtype="float64")
    if not np.isfinite(values).all():
        raise ValueError(
            f"lambdas has {int((~np.isfinite(values)).any(axis=1).sum())} rows with a NaN or "
            "an infinite value; a skipped date has no row (give it in skipped_dates)."
        )
    if lambdas.index.has_duplicates:
        first = lambdas.index[lambdas.index.duplicated()][0]
        raise ValueError(
            f"lambdas has two rows for the date {_date_text(first)}; each date must be "
            "estimated once (were partitions or files overlapping?)."
        )
    kernel = check_kernel(kernel)
    lam = lambdas.sort_index().astype("float64")
    lam.index = lam.index.rename("date")
    lam.columns = pd.Index(lam.columns, name="parameter")
    dates = lam.index
    r2 = pd.Series(np.nan, index=dates) if r2 is None else pd.Series(r2).reindex(dates)
    n_obs = pd.Series(np.nan, index=dates) if n_obs is None else pd.Series(n_obs).sort_index()
    skipped = (pd.Series(dtype=object) if skipped_dates is None
               else pd.Series(skipped_dates, dtype=object).sort_index())
    for series, name in ((n_obs, "date"), (skipped, "date")):
        series.index = series.index.rename(name)
    return _second_pass(
        lam,
        nw_lags,
        kernel=kernel,
        r2=r2.rename("r2").rename_axis("date"),
        n_obs=n_obs.rename("n_obs"),
        skipped=skipped.rename("reason"),
        n_missing=int(n_missing_rows),
        alpha=float(alpha),
    )


def fama_macbeth_dask(
    data, y: str, *, asset: str = "asset", x=None, alpha: float = 0.0, nw_lags=None,
    kernel: str = "bartlett",
) -> FamaMacBethResults:
    r"""Fama–MacBeth on a Dask DataFrame partitioned by whole dates.

    Each partition's cross-sections are solved where the partition lives (on
    the workers of a cluster, if a ``distributed.Client`` is active), with the
    same batched first pass as :func:`fama_macbeth`; only the per-date
    estimates travel back, and the second pass is
    :func:`fama_macbeth_from_lambdas`. The result equals
    ``fama_macbeth(X, y)`` on the same panel in pandas (to rounding error,
    about 1e-14).

    Parameters
    ----------
    data : dask.dataframe.DataFrame
        The panel in long form: indexed by date (a Dask DataFrame has no
        MultiIndex), with a column of asset identifiers, the return column and
        the characteristics. Every date must lie in one partition: that is
        the case after ``data.set_index("date")`` with sorted divisions, or when
        every partition is built from a block of whole dates.
    y : str
        The return column.
    asset : str, default "asset"
        The column of asset identifiers (each (date, asset) at most once).
    x : list of str, optional
        The characteristics; by default every column other than ``asset`` and ``y``.
    alpha, nw_lags, kernel
        As in :func:`fama_macbeth`.

    Returns
    -------
    FamaMacBethResults

    Raises
    ------
    ValueError
        If a date appears in more than one partition (the message names the
        date and the partitions), and for the inputs :func:`fama_macbeth` refuses.

    Notes
    -----
    On the workers, each partition is solved with one thread (the helpers'
    own thread pool off, and NumPy's BLAS limited to one thread with
    threadpoolctl): the parallelism is the cluster's, one task per partition
    and worker thread, so threads do not multiply.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> import helpers
    >>> sim = helpers.simulate_panel(n_dates=60, n_assets=200, seed=0)
    >>> long = sim.latent[["momentum", "value"]].assign(ret=sim.y).reset_index("asset")
    >>> ddf = dd.from_pandas(long, npartitions=4, sort=True)
    >>> res = helpers.fama_macbeth_dask(ddf, "ret")
    >>> ref = helpers.fama_macbeth(sim.latent[["momentum", "value"]], sim.y)
    >>> bool((res.premia - ref.premia).abs().max() < 1e-12)
    True
    """
    import dask
    import dask.dataframe as dd

    if not isinstance(data, dd.DataFrame):
        raise TypeError(
            "data must be a dask.dataframe.DataFrame indexed by date with an asset column; "
            f"got {type(data).__name__}. For a pandas panel use helpers.fama_macbeth(X, y)."
        )
    columns = list(data.columns)
    for name, what in ((asset, "asset"), (y, "y")):
        if name not in columns:
            raise ValueError(f"data has no column {name!r} (the {what} column); its columns are {columns}.")
    x = [c for c in columns if c not in (asset, y)] if x is None else list(x)
    missing = [c for c in x if c not in columns]
    if missing or not x:
        raise ValueError(f"x names columns {missing or x} that data does not have; its columns are {columns}.")
    if "const" in x:
        raise ValueError("data has a characteristic named 'const'; the intercept is added here. Rename it.")
    alpha = _check_alpha(alpha)
    kernel = check_kernel(kernel)
    task = dask.delayed(_partition_first_pass, pure=True)
    parts = dask.compute(*[task(p, y, x, asset, alpha, i) for i, p in enumerate(data.to_delayed())])
    parts = [p for p in parts if p is not None]
    if not parts:
        raise ValueError("data has no rows.")
    table = pd.concat([p[0] for p in parts])
    if table.index.has_duplicates:
        first = table.index[table.index.duplicated()][0]
        where = sorted(int(i) for i in table.loc[[first], "_partition"])
        raise ValueError(
            f"The date {_date_text(first)} is split over the partitions {where}: every date "
            "must lie in one partition, or its cross-section would be cut in pieces. "
            "Partition by date, e.g. data = data.reset_index().set_index('date') (sorted "
            "divisions), or build every partition from whole dates."
        )
    order = np.argsort(table.index, kind="stable")
    table = table.iloc[order]
    dates = table.index.rename("date")
    position = {d: t for t, d in enumerate(dates)}
    reasons = {position[d]: r for p in parts for d, r in p[1].items()}
    names = ["const", *map(str, x)]
    n_obs = table["_n_obs"].to_numpy()
    return _finish(
        table[names].to_numpy(), table["_r2"].to_numpy(), n_obs, reasons, dates, names,
        n_missing=int((table["_n_rows"].to_numpy() - n_obs).sum()),
        alpha=alpha, nw_lags=nw_lags, kernel=kernel,
    )


def _partition_first_pass(part, y, x, asset, alpha, number):
    """Per-date estimates of one partition: a table by date, and the reasons of skipped dates."""
    from threadpoolctl import threadpool_limits

    if len(part) == 0:
        return None
    panel = part.set_index(asset, append=True)
    panel.index = panel.index.set_names(["date", "asset"])
    X = panel[x]
    values, _ = check_numeric_frame(X, "X", check_values=False)
    yv = check_target(panel[y], X.index)
    codes, dates = date_codes(X.index, "X")
    names = list(map(str, x))
    with threadpool_limits(limits=1):
        lambdas, r2, n_obs, reasons = _cross_sections(
            values, yv, codes, len(dates), alpha, names, n_threads=1
        )
    table = pd.DataFrame(lambdas, index=dates, columns=["const", *names])
    table["_r2"] = r2
    table["_n_obs"] = n_obs
    table["_n_rows"] = np.bincount(codes, minlength=len(dates))
    table["_partition"] = number
    return table, {dates[t]: reason for t, reason in reasons.items()}


def _check_alpha(alpha) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not np.isfinite(alpha):
        raise TypeError(f"alpha must be a finite number >= 0; got {alpha!r}.")
    if alpha < 0:
        raise ValueError(f"alpha must be >= 0 (0 for OLS, > 0 for ridge); got {alpha}.")
    return float(alpha)


def _first_reasons(reasons: dict, dates: pd.Index, n: int = 2) -> str:
    items = sorted(reasons.items())[:n]
    text = "; ".join(f"{_date_text(dates[t])}: {r}" for t, r in items)
    return text + ("; ..." if len(reasons) > n else "")


def _date_text(date) -> str:
    """A date for a message: ``2001-05-31`` for datetimes, as given otherwise."""
    if isinstance(date, (pd.Timestamp, np.datetime64)):
        return f"{pd.Timestamp(date):%Y-%m-%d}"
    return str(date)


def _cross_sections(x, y, codes, n_dates, alpha, names, n_threads=None):
    """Solve every date's centred (ridge) normal equations at once.

    First, one pass over the data in cache-sized blocks of dates accumulates,
    per date, the moment matrix of ``[x - s_x, y - s_y, 1]`` over the rows
    without a NaN, with one batched matrix product: it holds the sums of
    squares and cross-products, the sums and the count. The same pass finds
    the rows with a NaN (and rejects infinite values) while the block is in
    cache. The shift ``s`` is a rough centre of the data, so that correcting
    the moments by the per-date means loses no precision. Then the centred
    normal equations of all dates are checked and solved as one batch.
    """
    n, k = x.shape
    if not np.all(codes[1:] >= codes[:-1]):
        order = np.argsort(codes, kind="stable")
        x, y, codes = x[order], y[order], codes[order]
    starts = np.searchsorted(codes, np.arange(n_dates + 1))  # codes are sorted now
    counts = np.diff(starts)
    width = max(int(counts.max()), 1)
    balanced = bool(np.all(counts == counts[0]))
    # The shift: the mean of the first 10,000 rows without a NaN among the first 200,000
    # (looked for in the first 20,000 rows first, where they usually are).
    for size in (20_000, 200_000):
        head = slice(0, min(n, size))
        with np.errstate(over="ignore", invalid="ignore"):
            head_ok = np.isfinite(y[head]) & np.isfinite(x.T[:, head].sum(axis=0))
        sample = np.flatnonzero(head_ok)[:10_000]
        if len(sample) == 10_000 or head.stop == n:
            break
    shift_x = x[sample].mean(axis=0) if len(sample) else np.zeros(k)
    shift_y = y[sample].mean() if len(sample) else 0.0

    # Pass over the data: moments[t] = Z_t' Z_t with Z_t = [x - s_x, y - s_y, 1].
    m = k + 2
    moments = np.empty((n_dates, m, m))
    block = max(1, _BLOCK_BYTES // (8 * m * width))
    blocks = [(b0, min(b0 + block, n_dates)) for b0 in range(0, n_dates, block)]
    xt = x.T  # characteristic-major: a free view of pandas' column blocks

    queue = iter(blocks)  # taken block by block by every thread (next() holds the GIL)

    def accumulate():
        """Moments of blocks of dates taken from the queue; returns the count of infs per column."""
        infinite = np.zeros(k + 1, dtype=np.int64)
        buffer = np.empty((m, min(block, n_dates), width))
        for b0, b1 in queue:
            nb, r0, r1 = b1 - b0, starts[b0], starts[b1]
            z = buffer[:, :nb]
            if balanced:  # (inf - shift stays inf; rows with an inf are rejected below)
                np.subtract(xt[:, r0:r1].reshape(k, nb, width), shift_x[:, None, None], out=z[:k])
                np.subtract(y[r0:r1].reshape(nb, width), shift_y, out=z[k])
                z[k + 1] = 1.0
            else:
                z[...] = 0.0
                date_of = codes[r0:r1] - b0
                slot = np.arange(r0, r1) - starts[codes[r0:r1]]
                z[:k, date_of, slot] = (x[r0:r1] - shift_x).T
                z[k, date_of, slot] = y[r0:r1] - shift_y
                z[k + 1, date_of, slot] = 1.0
            # Rows with a NaN (or an inf) have a non-finite sum: give them no weight.
            with np.errstate(over="ignore", invalid="ignore"):
                row_sums = z[: k + 1].sum(axis=0)
            bad = np.flatnonzero(~np.isfinite(row_sums))
            if len(bad):
                flat = z.reshape(m, nb * width)  # a view: rows of the block laid end to end
                values = flat[: k + 1].take(bad, axis=1)
                infinite += np.isinf(values).sum(axis=1)
                if np.isfinite(values).all(axis=0).any():
                    raise ValueError(
                        "X or y holds values so large that their sum overflows; rescale them."
                    )
                flat[:, bad] = 0.0
            zt = z.transpose(1, 0, 2)  # dates x variables x rows, a view
            np.matmul(zt, zt.transpose(0, 2, 1), out=moments[b0:b1])
        return infinite

    # NumPy releases the GIL in these loops: two threads use both cores of a laptop.
    # This thread works too, beside the pool's; a thread that is slowed down (by other
    # work on the machine) takes fewer blocks.
    n_threads = min(inner_threads(_THREADS) if n_threads is None else n_threads, len(blocks))
    helpers_ = [_pool().submit(accumulate) for _ in range(n_threads - 1)]
    infinite = accumulate() + sum(f.result() for f in helpers_)
    if infinite[:k].any():
        raise infinite_values_error("X", names, infinite[:k])

    # Centred normal equations of every date.
    n_obs = np.rint(moments[:, k + 1, k + 1]).astype(np.int64)
    safe = np.maximum(n_obs, 1)
    mx = moments[:, :k, k + 1] / safe[:, None]
    my = moments[:, k, k + 1] / safe
    gram = moments[:, :k, :k] - n_obs[:, None, None] * mx[:, :, None] * mx[:, None, :]
    xty = moments[:, :k, k] - n_obs[:, None] * mx * my[:, None]
    yty = moments[:, k, k] - n_obs * my**2

    reasons: dict[int, str] = {}
    need = k + 1 if alpha == 0 else 2
    ok = n_obs >= need
    for t in np.flatnonzero(~ok):
        reasons[int(t)] = f"{n_obs[t]} usable rows, fewer than the {need} needed"
    if alpha == 0:
        ok &= _well_conditioned(gram, np.einsum("bkk->bk", moments[:, :k, :k]), ok, names, reasons)
    else:
        gram = gram + alpha * np.eye(k)

    lambdas = np.full((n_dates, k + 1), np.nan)
    r2 = np.full(n_dates, np.nan)
    if ok.any():
        use = slice(None) if ok.all() else ok  # (no copies when every date is used)
        gram, xty, yty, mx, my = gram[use], xty[use], yty[use], mx[use], my[use]
        slopes = np.linalg.solve(gram, xty[:, :, None])[:, :, 0]
        lambdas[use, 1:] = slopes
        lambdas[use, 0] = shift_y + my - np.einsum("bk,bk->b", shift_x + mx, slopes)
        # Residual sum of squares from the normal equations: y'y - 2 w'X'y + w'X'X w
        # (X'X without the ridge penalty).
        xtx = gram - alpha * np.eye(k) if alpha else gram
        ssr = (
            yty
            - 2 * np.einsum("bk,bk->b", slopes, xty)
            + np.einsum("bk,bkj,bj->b", slopes, xtx, slopes)
        )
        sst = yty
        # A date whose returns are all equal has sst = 0 up to rounding error: its R^2
        # is undefined. Compare with the raw second moment, not with exactly 0.
        constant = sst <= 1e-12 * np.maximum(moments[use, k, k], np.finfo(float).tiny)
        with np.errstate(divide="ignore", invalid="ignore"):
            r2[use] = np.where(constant, np.nan, 1.0 - np.maximum(ssr, 0.0) / sst)
    return lambdas, r2, n_obs, reasons


@functools.cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(_THREADS, thread_name_prefix="fama_macbeth")


def _well_conditioned(gram, raw_diag, ok, names, reasons):
    """True for dates whose centred characteristics are not constant or collinear.

    A characteristic is constant at a date when its centred sum of squares is
    negligible next to its raw one. Collinearity is read off the Cholesky
    factor of the normal equations scaled to a unit diagonal: its squared
    pivots are :math:`1 - R^2` of each characteristic on the ones before it.
    """
    diag = np.einsum("bkk->bk", gram)
    good = ok.copy()
    flat = ok[:, None] & (diag <= 1e-12 * raw_diag)
    for b in np.flatnonzero(flat.any(axis=1)):
        reasons[int(b)] = f"no cross-sectional variation in {[names[j] for j in np.flatnonzero(flat[b])]}"
    good &= ~flat.any(axis=1)
    if not good.any():
        return good
    scale = 1.0 / np.sqrt(diag[good])
    scaled = gram[good] * scale[:, :, None] * scale[:, None, :]
    try:
        pivots = np.einsum("bkk->bk", np.linalg.cholesky(scaled)) ** 2
    except np.linalg.LinAlgError:  # some date is singular: factor the dates one by one
        pivots = np.zeros(scaled.shape[:2])
        for b, matrix in enumerate(scaled):
            try:
                pivots[b] = np.diag(np.linalg.cholesky(matrix)) ** 2
            except np.linalg.LinAlgError:
                pass  # not positive definite: pivots stay 0
    collinear = pivots.min(axis=1) <= _RCOND
    for b, row in zip(np.flatnonzero(good)[collinear], pivots[collinear]):
        if row.max() > 0:
            detail = (f"{names[int(np.argmin(row))]!r} is a combination of the others: "
                      f"1 - R^2 = {max(row.min(), 0.0):.1e}")
        else:
            detail = "the normal equations are singular"
        reasons[int(b)] = f"collinear characteristics ({detail})"
    good[np.flatnonzero(good)[collinear]] = False
    return good


def _second_pass(lam, nw_lags, *, r2, n_obs, skipped, n_missing, alpha, kernel="bartlett"):
    n_dates = len(lam)
    if n_dates < 2:
        raise ValueError(
            f"Only {n_dates} date could be used; standard errors need at least 2 dates."
        )
    lags = check_nw_lags(nw_lags, n_dates)
    values = lam.to_numpy()
    premia = values.mean(axis=0)
    cov, kernel = long_run_mean_cov(values - premia, lags, kernel)
    names = lam.columns
    se = np.sqrt(np.diag(cov))
    with np.errstate(divide="ignore", invalid="ignore"):
        tstats = premia / se
    pvalues = 2 * stats.t.sf(np.abs(tstats), df=n_dates - 1)
    return FamaMacBethResults(
        lambdas=lam,
        premia=pd.Series(premia, index=names, name="premium"),
        std_errors=pd.Series(se, index=names, name="std_error"),
        tstats=pd.Series(tstats, index=names, name="t_stat"),
        pvalues=pd.Series(pvalues, index=names, name="p_value"),
        cov=pd.DataFrame(cov, index=names, columns=names),
        r2=r2,
        n_obs=n_obs,
        skipped_dates=skipped,
        n_missing_rows=n_missing,
        alpha=alpha,
        nw_lags=lags,
        kernel=kernel,
    )


# ---------------------------------------------------------------------------
# Two-pass regressions on test portfolios
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GRSTest:
    """The Gibbons–Ross–Shanken test that all pricing errors (alphas) are zero."""

    statistic: float
    pvalue: float
    df_num: int
    df_den: int

    def __str__(self) -> str:
        return (
            f"GRS F({self.df_num}, {self.df_den}) = {self.statistic:.3f}, "
            f"p-value = {self.pvalue:.4f}"
        )


@dataclass(frozen=True, eq=False)
class TwoPassResults:
    """Results of :func:`two_pass`.

    Attributes
    ----------
    betas : pandas.DataFrame
        First-pass betas, assets x factors.
    alphas : pandas.Series
        First-pass intercepts (pricing errors of the time-series regressions).
    premia, std_errors, tstats : pandas.Series
        Second-pass premia (``const`` is the zero-beta excess return), their
        Fama–MacBeth standard errors (plain or Newey–West) and t-statistics.
    shanken_std_errors, shanken_tstats : pandas.Series
        The same, corrected for the estimation error of the betas.
    grs : GRSTest
        Test that all ``alphas`` are zero.
    robust_std_errors, robust_tstats : pandas.Series
        Standard errors that are also robust to a misspecified model (Kan,
        Robotti & Shanken 2013), from :func:`helpers.cross_sectional_regression`
        with the same lags and kernel.
    average_returns : pandas.DataFrame
        Per asset, the ``realised`` mean excess return and the mean
        ``predicted`` by the second pass, :math:`\\hat\\lambda_0 +
        \\hat\\beta_i'\\hat\\lambda`.
    fama_macbeth : FamaMacBethResults
        The full second-pass results (``lambdas`` per date, ``r2``, ...).
    """

    betas: pd.DataFrame
    alphas: pd.Series
    premia: pd.Series
    std_errors: pd.Series
    tstats: pd.Series
    shanken_std_errors: pd.Series
    shanken_tstats: pd.Series
    grs: GRSTest
    average_returns: pd.DataFrame = field(repr=False)
    fama_macbeth: FamaMacBethResults = field(repr=False)
    robust_std_errors: pd.Series = field(default=None, repr=False)
    robust_tstats: pd.Series = field(default=None, repr=False)

    def summary(self) -> pd.DataFrame:
        """Premia with plain (or Newey–West) and Shanken standard errors and t-stats."""
        table = pd.DataFrame(
            {
                "premium": self.premia,
                "std_error": self.std_errors,
                "t_stat": self.tstats,
                "shanken_std_error": self.shanken_std_errors,
                "shanken_t_stat": self.shanken_tstats,
            }
        )
        table.index.name = "parameter"
        return table

    def __repr__(self) -> str:
        return (
            f"TwoPassResults({len(self.betas)} assets, {self.betas.shape[1]} factors, "
            f"{self.fama_macbeth.n_dates} dates; {self.grs})\n"
            f"{self.summary().round(4).to_string()}"
        )


def two_pass(excess_returns, factors, *, nw_lags=None, kernel: str = "bartlett") -> TwoPassResults:
    r"""Two-pass (time-series, then Fama–MacBeth) test of a linear factor model.

    **First pass.** For every asset, regress its excess returns on the factors
    over the full sample: :math:`r_{i,t} = \alpha_i + \beta_i' f_t +
    \varepsilon_{i,t}`.

    **Second pass.** At every date, regress the cross-section of excess returns
    on :math:`[1, \hat\beta_i]` and average the slopes (:func:`fama_macbeth`).

    Parameters
    ----------
    excess_returns : pandas.DataFrame
        Excess returns of the test assets, dates (``DatetimeIndex``) x assets,
        without missing values.
    factors : pandas.DataFrame
        Factor returns on the same dates, one column per factor.
    nw_lags : int, str or None, default None
        Lags of the second-pass long-run standard errors, as in
        :func:`fama_macbeth`.
    kernel : str, default "bartlett"
        Newey–West or Hansen–Hodrick weights, as in :func:`fama_macbeth`.

    Returns
    -------
    TwoPassResults

    Raises
    ------
    ValueError
        If a factor is constant or a combination of the others, or if the
        residual covariance of the test assets is singular (an asset that is
        constant, a copy or a combination of other assets, or spanned by the
        factors, such as a factor used as a test asset): the GRS statistic
        would be meaningless. The message names the columns.

    Notes
    -----
    **Shanken correction.** The betas of the second pass are estimates, so the
    Fama–MacBeth standard errors are too small. With :math:`\hat\lambda_f` the
    factor premia, :math:`\hat\Sigma_f` the sample covariance of the factors
    (``ddof=1``), :math:`c = \hat\lambda_f' \hat\Sigma_f^{-1} \hat\lambda_f` and
    :math:`\tilde\Sigma_f` equal to :math:`\hat\Sigma_f` bordered by zeros for the
    constant, Shanken (1992) gives

    .. math:: \widehat{V}_{\text{Shanken}} = (1 + c)\Big(\widehat{V}_{FM} -
              \frac{\tilde\Sigma_f}{T}\Big) + \frac{\tilde\Sigma_f}{T},

    where :math:`\widehat{V}_{FM}` is the (plain or Newey–West) Fama–MacBeth
    covariance.

    **GRS test.** With :math:`N` assets, :math:`K` factors, :math:`T` dates,
    residual covariance :math:`\hat\Sigma = \frac1T \sum_t \hat\varepsilon_t
    \hat\varepsilon_t'`, factor means :math:`\bar f` and factor covariance
    :math:`\hat\Omega = \frac1T \sum_t (f_t - \bar f)(f_t - \bar f)'` (Gibbons,
    Ross and Shanken, 1989; Campbell, Lo and MacKinlay, 1997, ch. 6):

    .. math:: J = \frac{T - N - K}{N} \cdot
              \frac{\hat\alpha' \hat\Sigma^{-1} \hat\alpha}{1 + \bar f' \hat\Omega^{-1} \bar f}
              \sim F(N, T - N - K)

    under normal errors and the null that all :math:`\alpha_i = 0`.

    Examples
    --------
    >>> import helpers
    >>> ff = helpers.load_french()
    >>> res = helpers.two_pass(ff.portfolios, ff.factors[["MktRF"]])
    >>> res.betas.shape, res.grs.df_num
    ((30, 1), 30)
    """
    R, F, r, f = check_returns_factors(excess_returns, factors)
    t, n = r.shape
    k = f.shape[1]
    if t <= n + k:
        raise ValueError(
            f"two_pass needs more dates than assets + factors for the GRS test; got "
            f"{t} dates, {n} assets and {k} factors."
        )

    factor_names = [str(c) for c in F.columns]
    _check_full_rank(f - f.mean(axis=0), factor_names, "factors", "factor")

    # First pass: time-series OLS of every asset on [1, f].
    z = np.column_stack([np.ones(t), f])
    coef, *_ = np.linalg.lstsq(z, r, rcond=None)
    resid = r - z @ coef
    _check_full_rank(resid, [str(c) for c in R.columns], "the residuals of excess_returns",
                     "test asset")
    betas = pd.DataFrame(coef[1:].T, index=R.columns, columns=factor_names)
    alphas = pd.Series(coef[0], index=R.columns, name="alpha")

    # Second pass: Fama-MacBeth on the estimated betas.
    panel_x = pd.DataFrame(
        np.tile(coef[1:].T, (t, 1)),
        index=pd.MultiIndex.from_product([R.index.rename(None), R.columns], names=["date", "asset"]),
        columns=factor_names,
    )
    panel_y = pd.Series(r.ravel(), index=panel_x.index)
    fm = fama_macbeth(panel_x, panel_y, nw_lags=nw_lags, kernel=kernel)

    # Shanken (1992) errors-in-variables correction.
    sigma_f = np.atleast_2d(np.cov(f, rowvar=False, ddof=1))
    lam_f = fm.premia.to_numpy()[1:]
    c = float(lam_f @ np.linalg.solve(sigma_f, lam_f))
    bordered = np.zeros((k + 1, k + 1))
    bordered[1:, 1:] = sigma_f
    n_used = fm.n_dates
    v_shanken = (1 + c) * (fm.cov.to_numpy() - bordered / n_used) + bordered / n_used
    shanken_se = pd.Series(np.sqrt(np.diag(v_shanken)), index=fm.premia.index, name="shanken_std_error")

    # GRS test of the first-pass alphas.
    sigma = resid.T @ resid / t
    f_mean = f.mean(axis=0)
    omega = np.atleast_2d(np.cov(f, rowvar=False, ddof=0))
    a = coef[0]
    quad_alpha = float(a @ np.linalg.solve(sigma, a))
    quad_f = float(f_mean @ np.linalg.solve(omega, f_mean))
    df_den = t - n - k
    statistic = df_den / n * quad_alpha / (1 + quad_f)
    grs = GRSTest(statistic, float(stats.f.sf(statistic, n, df_den)), n, df_den)

    # Misspecification-robust errors (Kan, Robotti & Shanken 2013), same lags.
    from helpers.factor_tests import _csr

    robust_se = pd.Series(
        _csr(r, f, "ols", fm.nw_lags, fm.kernel, False)[1][:, 3],
        index=fm.premia.index,
        name="robust_std_error",
    )

    predicted = fm.premia["const"] + betas.to_numpy() @ fm.premia.to_numpy()[1:]
    average_returns = pd.DataFrame(
        {"realised": R.mean(), "predicted": predicted}, index=R.columns
    )
    return TwoPassResults(
        betas=betas,
        alphas=alphas,
        premia=fm.premia,
        std_errors=fm.std_errors,
        tstats=fm.tstats,
        shanken_std_errors=shanken_se,
        shanken_tstats=(fm.premia / shanken_se).rename("shanken_t_stat"),
        grs=grs,
        average_returns=average_returns,
        fama_macbeth=fm,
        robust_std_errors=robust_se,
        robust_tstats=(fm.premia / robust_se).rename("robust_t_stat"),
    )



def _check_full_rank(a: np.ndarray, names: list[str], what: str, noun: str) -> None:
    """Refuse a (dates x columns) array whose columns are constant or linearly dependent."""
    scale = np.sqrt((a**2).mean(axis=0))
    reference = max(float(np.abs(a).max()), np.finfo(float).tiny)
    flat = [names[j] for j in np.flatnonzero(scale <= 1e-10 * reference)]
    if flat:
        raise ValueError(
            f"{what}: {flat} {'is' if len(flat) == 1 else 'are'} constant over time "
            f"(zero variance), so the covariance is singular and the GRS test is undefined. "
            f"Drop that {noun}: a constant {noun}, or a test asset that the factors span "
            f"exactly (a factor used as a test asset), carries no information here."
        )
    standardised = a / scale
    _, r_factor, pivots = linalg.qr(standardised, mode="economic", pivoting=True)
    diag = np.abs(np.diag(r_factor))
    rank = int((diag > 1e-8 * diag[0]).sum())
    if rank < a.shape[1]:
        dependent = [names[j] for j in sorted(pivots[rank:])]
        raise ValueError(
            f"{what}: {dependent} {'is a' if len(dependent) == 1 else 'are'} linear "
            f"combination{'' if len(dependent) == 1 else 's'} of the other columns (e.g. a "
            f"duplicated {noun}), so the covariance is singular and the GRS test is "
            f"undefined. Drop {'it' if len(dependent) == 1 else 'them'}."
        )
