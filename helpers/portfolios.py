r"""Quantile portfolios of a cross-sectional forecast, in the style of alphalens.

At every date :math:`t` the assets are sorted by their forecast and cut into
:math:`Q` groups (quantiles) of as equal a size as possible. Each quantile is
an equal-weighted portfolio held from :math:`t` to :math:`t+1`; its return is
the mean forward return of its members,

.. math:: R_{q,t+1} = \frac{1}{|S_{q,t}|} \sum_{i \in S_{q,t}} r_{i,t+1},

and the long-short *spread* is :math:`R_{Q,t+1} - R_{1,t+1}` (top minus
bottom). The *turnover* of a quantile is the share of its members at
:math:`t` that were not in it at the previous date, as in alphalens's
``quantile_turnover``.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers._ranks import average_ranks
from helpers._validation import check_int, check_panel_index, date_codes

__all__ = ["QuantilePortfolios", "quantile_portfolios"]


@dataclass(frozen=True, eq=False)
class QuantilePortfolios:
    """Result of :func:`quantile_portfolios`.

    Attributes
    ----------
    returns : pandas.DataFrame
        Equal-weighted return of every quantile portfolio: dates as rows,
        quantiles ``1`` (lowest forecasts) to ``n_quantiles`` (highest) as
        columns. The row dated :math:`t` holds the return from :math:`t` to
        :math:`t+1`. NaN where a quantile has no member.
    spread : pandas.Series
        Top minus bottom quantile return, per date (the long-short portfolio).
    turnover : pandas.DataFrame
        Share of each quantile's members at a date that were not in the same
        quantile at the previous date of the panel (0 = unchanged, 1 = all
        new). NaN at the first date and where the quantile is empty at the
        date or at the previous date.
    counts : pandas.DataFrame
        Number of members of every quantile at every date.
    quantiles : pandas.Series
        The quantile of every row of the input (nullable integers; ``<NA>``
        where the row was dropped or its date skipped).
    n_dropped : pandas.Series
        Rows dropped per date because the forecast or the return is missing.
    n_undefined : int
        Dates skipped because they have fewer valid pairs than quantiles.
    n_quantiles : int
        Number of quantiles.
    demeaned : bool
        Whether the returns are in excess of each date's equal-weighted mean.
    """

    returns: pd.DataFrame
    spread: pd.Series
    turnover: pd.DataFrame
    counts: pd.DataFrame
    quantiles: pd.Series = field(repr=False)
    n_dropped: pd.Series = field(repr=False)
    n_undefined: int = 0
    n_quantiles: int = 5
    demeaned: bool = False

    def __repr__(self) -> str:
        return (
            f"QuantilePortfolios({self.n_quantiles} quantiles, {len(self.returns)} dates, "
            f"{int(self.n_dropped.sum())} rows dropped, {self.n_undefined} dates skipped"
            f"{', demeaned' if self.demeaned else ''})"
        )

    def summary(self, periods_per_year: float = 12) -> pd.DataFrame:
        r"""Mean return, volatility, t-statistic, Sharpe ratio and turnover per portfolio.

        Parameters
        ----------
        periods_per_year : float, default 12
            Periods per year, to annualise (12 for monthly returns).

        Returns
        -------
        pandas.DataFrame
            One row per quantile and a last row ``"spread"``; columns ``mean``
            and ``std`` (per period, ``ddof=1``), ``t_stat`` (plain,
            :math:`\bar R / (s / \sqrt{T})`), ``ann_mean`` (mean times
            ``periods_per_year``), ``sharpe`` (annualised,
            :math:`\sqrt{\text{periods\_per\_year}}\,\bar R / s`), ``turnover``
            (mean over dates; for the spread, the mean of the top and bottom
            quantiles' turnover) and ``n_dates``. Dates with a missing return
            are left out.
        """
        if (
            isinstance(periods_per_year, bool)
            or not isinstance(periods_per_year, numbers.Real)
            or not periods_per_year > 0
        ):
            raise ValueError(
                f"periods_per_year must be a positive number (12 for monthly data); "
                f"got {periods_per_year!r}."
            )
        table = self.returns.copy()
        table["spread"] = self.spread
        turnover = self.turnover.copy()
        turnover["spread"] = (self.turnover[1] + self.turnover[self.n_quantiles]) / 2.0
        rows = {}
        for name in table.columns:
            values = table[name].dropna().to_numpy()
            n = len(values)
            mean = float(values.mean()) if n else np.nan
            std = float(values.std(ddof=1)) if n > 1 else np.nan
            ok = n > 1 and std > 0
            rows[name] = {
                "mean": mean,
                "std": std,
                "t_stat": mean / (std / np.sqrt(n)) if ok else np.nan,
                "ann_mean": mean * periods_per_year,
                "sharpe": mean / std * np.sqrt(periods_per_year) if ok else np.nan,
                "turnover": float(turnover[name].mean()),
                "n_dates": n,
            }
        out = pd.DataFrame.from_dict(rows, orient="index")
        return out.rename_axis("portfolio")


def _as_series(values, name: str) -> pd.Series:
    if isinstance(values, pd.DataFrame) and values.shape[1] == 1:
        values = values.iloc[:, 0]
    if not isinstance(values, pd.Series):
        raise TypeError(
            f"{name} must be a pandas Series indexed by (date, asset); got "
            f"{type(values).__name__}. Build one with helpers.to_panel or "
            "pd.Series(values, index=X.index)."
        )
    check_panel_index(values.index, name)
    if not pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(
        values.dtype
    ):
        raise TypeError(f"{name} must be numeric; got dtype {values.dtype}.")
    return values


def quantile_portfolios(
    forecast, returns, n_quantiles: int = 5, *, demean: bool = False
) -> QuantilePortfolios:
    r"""Sort assets into quantiles of a forecast at every date; equal-weighted returns.

    Parameters
    ----------
    forecast : pandas.Series
        The forecast (or any characteristic) of every row, indexed by
        ``(date, asset)``: higher means a higher expected return.
    returns : pandas.Series
        The forward return of every row (from :math:`t` to :math:`t+1`), on
        exactly the same index.
    n_quantiles : int, default 5
        Number of quantiles :math:`Q` (5 for quintiles, 10 for deciles).
    demean : bool, default False
        Subtract from every return its date's equal-weighted mean over the
        valid rows, so that the quantile returns are relative to the average
        asset (the market-wide move is removed). The spread is unchanged.

    Returns
    -------
    QuantilePortfolios
        ``returns``, ``spread``, ``turnover`` and ``counts`` (wide frames,
        dates as rows), the ``quantiles`` of the rows, ``n_dropped`` and
        ``n_undefined``; ``summary()`` tabulates them.

    Notes
    -----
    At each date the rows with a missing forecast or return are dropped (and
    counted in ``n_dropped``). The :math:`n_t` remaining forecasts get average
    ranks :math:`\rho_i \in [1, n_t]`, as in ``scipy.stats.rankdata``, and
    row :math:`i` goes to quantile :math:`\lfloor Q(\rho_i - \tfrac12)/n_t
    \rfloor + 1`. Without ties, the quantiles differ in size by at most one
    (and equal ``pd.qcut``'s when :math:`Q` divides :math:`n_t`); tied
    forecasts share a rank and so always share a quantile. A date with fewer
    than :math:`Q` valid pairs is skipped (NaN returns, counted in
    ``n_undefined``).

    The computation is vectorised: every date's forecasts are laid out as one
    row of a dates-by-assets array and ranked at once; sums, counts and the
    members kept from one date to the next come from ``numpy.bincount``.

    Examples
    --------
    >>> import helpers
    >>> sim = helpers.simulate_panel(n_dates=36, n_assets=200, seed=0)
    >>> qp = helpers.quantile_portfolios(sim.expected, sim.y, n_quantiles=5)
    >>> qp.returns.shape
    (36, 5)
    >>> int(qp.counts.iloc[0].sum()) == int((sim.y.index.get_level_values("date")
    ...                                      == sim.y.index[0][0]).sum())
    True
    >>> qp.summary().loc["spread", ["mean", "turnover"]].round(3).tolist()
    [0.03, 0.369]
    """
    forecast = _as_series(forecast, "forecast")
    returns = _as_series(returns, "returns")
    if not forecast.index.equals(returns.index):
        raise ValueError(
            "forecast and returns must have the same (date, asset) index, row for row "
            f"(forecast has {len(forecast)} rows, returns has {len(returns)}); nothing "
            "is joined silently. Align them first, e.g. "
            "forecast = forecast.reindex(returns.index)."
        )
    q = check_int(n_quantiles, "n_quantiles", minimum=2)
    if not isinstance(demean, (bool, np.bool_)):
        raise TypeError(f"demean must be True or False; got {demean!r}.")
    f = forecast.to_numpy(dtype="float64", na_value=np.nan)
    r = returns.to_numpy(dtype="float64", na_value=np.nan)
    for name, values in (("forecast", f), ("returns", r)):
        if np.isinf(values).any():
            raise ValueError(
                f"{name} has {int(np.isinf(values).sum())} infinite values; replace them "
                f"with NaN ({name}.replace([np.inf, -np.inf], np.nan)) so that they are "
                "dropped."
            )

    index = forecast.index
    d, dates = date_codes(index, "forecast")  # also rejects duplicated rows
    a_level = 1 - index.names.index("date")
    a = index.codes[a_level].astype(np.int64)
    n_dates, n_assets = len(dates), len(index.levels[a_level])

    valid = np.isfinite(f) & np.isfinite(r)
    n_pairs = np.bincount(d[valid], minlength=n_dates)
    n_rows = np.bincount(d, minlength=n_dates)
    defined = n_pairs >= q
    if not defined.any():
        raise ValueError(
            f"No date has at least n_quantiles={q} rows with both a forecast and a "
            f"return (the most is {int(n_pairs.max()) if n_dates else 0}); use fewer "
            "quantiles or check that the inputs hold whole cross-sections."
        )
    rows = np.flatnonzero(valid & defined[d])
    rd, ra = d[rows], a[rows]

    # Rank every date's forecasts at once: padding holds +inf and ranks last.
    padded = np.full((n_dates, n_assets), np.inf)
    padded[rd, ra] = f[rows]
    ranks = average_ranks(padded)[rd, ra]
    label = np.floor(q * (ranks - 0.5) / n_pairs[rd]).astype(np.int64) + 1

    r_used = r[rows]
    if demean:
        date_sum = np.bincount(rd, weights=r_used, minlength=n_dates)
        r_used = r_used - (date_sum / np.maximum(n_pairs, 1))[rd]
    key = rd * q + (label - 1)
    counts = np.bincount(key, minlength=n_dates * q).reshape(n_dates, q)
    sums = np.bincount(key, weights=r_used, minlength=n_dates * q).reshape(n_dates, q)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(counts > 0, sums / counts, np.nan)

    # Turnover: members of quantile k at t that were in quantile k at t-1 stay.
    member = np.zeros((n_dates, n_assets), dtype=np.int64)
    member[rd, ra] = label
    stay = (member[1:] == member[:-1]) & (member[1:] > 0)
    t_stay, a_stay = np.nonzero(stay)
    stay_key = (t_stay + 1) * q + member[t_stay + 1, a_stay] - 1
    n_stay = np.bincount(stay_key, minlength=n_dates * q).reshape(n_dates, q)
    turnover = np.full((n_dates, q), np.nan)
    both = (counts[1:] > 0) & (counts[:-1] > 0)
    turnover[1:][both] = 1.0 - n_stay[1:][both] / counts[1:][both]

    date_index = pd.Index(dates, name="date")
    if isinstance(date_index, pd.DatetimeIndex):  # the same output however the index was built
        date_index = pd.DatetimeIndex(date_index, freq=None)
    columns = pd.Index(range(1, q + 1), name="quantile")
    returns_table = pd.DataFrame(mean, index=date_index, columns=columns)
    assigned = np.zeros(len(index), dtype=np.int64)
    assigned[rows] = label
    quantiles = pd.Series(
        pd.array(assigned, dtype="Int64"), index=index, name="quantile"
    ).mask(assigned == 0)
    return QuantilePortfolios(
        returns=returns_table,
        spread=(returns_table[q] - returns_table[1]).rename("spread"),
        turnover=pd.DataFrame(turnover, index=date_index, columns=columns),
        counts=pd.DataFrame(counts, index=date_index, columns=columns),
        quantiles=quantiles,
        n_dropped=pd.Series(n_rows - n_pairs, index=date_index, name="n_dropped"),
        n_undefined=int((~defined).sum()),
        n_quantiles=q,
        demeaned=bool(demean),
    )
