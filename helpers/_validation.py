"""Input checks shared by the public functions (one place, clear messages)."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

PANEL_LEVELS = ("date", "asset")


def check_int(value, name: str, *, minimum: int) -> int:
    """Return ``value`` as an int, or raise if it is not an integer >= minimum."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an integer >= {minimum}; got {value!r} "
            f"of type {type(value).__name__}."
        )
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value}.")
    return int(value)


def check_fraction(value, name: str, *, upper: float = 1.0) -> float:
    """Return ``value`` as a float in [0, upper), or raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number in [0, {upper}); got {value!r}.")
    if not 0.0 <= float(value) < upper:
        raise ValueError(f"{name} must be in [0, {upper}); got {value}.")
    return float(value)


def check_wide(frame, name: str) -> pd.DataFrame:
    """Check a wide frame: dates in a DatetimeIndex as rows, one column per asset."""
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"{name} must be a pandas DataFrame with dates as rows and assets as "
            f"columns; got {type(frame).__name__}."
        )
    if not isinstance(frame.index, pd.DatetimeIndex):
        raise TypeError(
            f"{name} must have a DatetimeIndex of dates as rows; got a "
            f"{type(frame.index).__name__}. A (date, asset) panel can be made wide "
            f"with panel.unstack('asset')."
        )
    if not frame.index.is_monotonic_increasing or frame.index.has_duplicates:
        raise ValueError(
            f"{name}'s dates must be unique and sorted in increasing order; "
            f"use {name}.sort_index() and remove duplicated dates."
        )
    return frame


def check_panel_index(index, name: str) -> pd.MultiIndex:
    """Check that ``index`` is a ``(date, asset)`` MultiIndex; return it."""
    fix = f"Use {name}.set_index(['date', 'asset'])."
    if not isinstance(index, pd.MultiIndex):
        raise TypeError(
            f"{name} must be indexed by (date, asset); got a {type(index).__name__}. {fix}"
        )
    if index.nlevels != 2 or "date" not in index.names or "asset" not in index.names:
        raise TypeError(
            f"{name} must be indexed by a MultiIndex with levels named ('date', 'asset'); "
            f"got levels {list(index.names)}. {fix} "
            f"(or rename them: {name}.rename_axis(['date', 'asset']))."
        )
    return index


def check_numeric_frame(X, name: str, *, check_values: bool = True):
    """Check a DataFrame of numeric, finite-or-NaN columns on a (date, asset) index.

    Returns its values as a float64 array (NaN for missing values) and a boolean
    array that is True for the rows without any missing value. With
    ``check_values=False`` the values are not scanned (the caller checks them
    in its own pass over the data, see :func:`infinite_values_error`) and the
    second result is None.
    """
    if not isinstance(X, pd.DataFrame):
        raise TypeError(
            f"{name} must be a pandas DataFrame indexed by (date, asset), one column per "
            f"characteristic; got {type(X).__name__}."
        )
    check_panel_index(X.index, name)
    if X.shape[1] == 0:
        raise ValueError(f"{name} has no columns; pass at least one characteristic.")
    bad = [str(c) for c, dt in X.dtypes.items() if not pd.api.types.is_numeric_dtype(dt)
           or pd.api.types.is_bool_dtype(dt)]
    if bad:
        raise TypeError(
            f"{name} has non-numeric columns {bad}; convert them to numbers (e.g. "
            f"pd.get_dummies for categories) or drop them."
        )
    values = X.to_numpy(dtype="float64", na_value=np.nan)
    if not check_values:
        return values, None
    # Row sums are NaN or inf exactly when a row holds a NaN or an inf, or when
    # finite values overflow; the few flagged rows are then checked one by one.
    complete = np.isfinite(values.sum(axis=1))
    flagged = np.flatnonzero(~complete)
    incomplete = values.T[:, flagged]  # characteristics x flagged rows
    complete[flagged[np.isfinite(incomplete).all(axis=0)]] = True
    infinite = np.isinf(incomplete)
    if infinite.any():
        raise infinite_values_error(name, X.columns, infinite.sum(axis=1))
    return values, complete


def infinite_values_error(name: str, columns, per_column) -> ValueError:
    """The error for +/-inf values, naming the columns that hold them."""
    per_column = np.asarray(per_column)
    bad = [str(c) for c, n in zip(columns, per_column) if n]
    return ValueError(
        f"{name} has {int(per_column.sum())} infinite values (+/-inf) in columns {bad}; "
        f"replace them, e.g. {name}.replace([np.inf, -np.inf], np.nan), so that they "
        "count as missing."
    )


def check_target(y, X_index: pd.MultiIndex, name: str = "y") -> np.ndarray:
    """Check that ``y`` is a numeric Series on exactly the same index as X; return values."""
    if isinstance(y, pd.DataFrame) and y.shape[1] == 1:
        y = y.iloc[:, 0]
    if not isinstance(y, pd.Series):
        raise TypeError(
            f"{name} must be a pandas Series on the same (date, asset) index as X; "
            f"got {type(y).__name__}."
        )
    if not y.index.equals(X_index):
        raise ValueError(
            f"X and {name} must have the same (date, asset) index, row for row "
            f"(X has {len(X_index)} rows, {name} has {len(y)}); nothing is joined silently. "
            f"Align them first, e.g. {name} = {name}.reindex(X.index)."
        )
    if not pd.api.types.is_numeric_dtype(y.dtype) or pd.api.types.is_bool_dtype(y.dtype):
        raise TypeError(f"{name} must be numeric; got dtype {y.dtype}.")
    values = y.to_numpy(dtype="float64", na_value=np.nan)
    if np.isinf(values).any():
        raise ValueError(
            f"{name} has {int(np.isinf(values).sum())} infinite values; replace them with "
            f"NaN ({name}.replace([np.inf, -np.inf], np.nan)) so that they count as missing."
        )
    return values


def date_codes(index: pd.MultiIndex, name: str) -> tuple[np.ndarray, pd.Index]:
    """Integer code (int64) of each row's date (0 = earliest date) and the sorted dates.

    Also rejects duplicated ``(date, asset)`` rows. Runs in linear time on a
    sorted index, without hashing the MultiIndex.
    """
    d_level = index.names.index("date")
    a_level = 1 - d_level
    levels = index.levels[d_level]
    codes = index.codes[d_level]
    if (codes < 0).any():
        raise ValueError(f"{name} has missing (NaN) dates in its index; drop those rows.")
    a = index.codes[a_level]
    if (a < 0).any():
        raise ValueError(f"{name} has missing (NaN) assets in its index; drop those rows.")
    # On the raw codes (int8/int16 for few dates: cheaper to compare than int64).
    later, same = codes[1:] > codes[:-1], codes[1:] == codes[:-1]
    in_order = bool(np.all(later | same))
    if in_order and len(codes):  # the dates used: the first code of each run, no counting
        used = np.zeros(len(levels), dtype=bool)
        used[codes[np.r_[0, np.flatnonzero(later) + 1]]] = True
    else:
        used = np.bincount(codes, minlength=len(levels)) > 0
    if used.all() and levels.is_monotonic_increasing:
        # The usual case: the codes already rank the dates. pandas stores them
        # as int8/int16 for few dates; widen, so that arithmetic cannot overflow.
        d, dates = codes.astype(np.int64), levels
    else:
        order = np.argsort(levels[used], kind="stable")
        rank = np.full(len(levels), -1, dtype=np.int64)
        rank[np.flatnonzero(used)[order]] = np.arange(len(order))
        d, dates = rank[codes], levels[used][order]
        later, same = d[1:] > d[:-1], d[1:] == d[:-1]
    # Sorted by (date, asset) without repeats, checked in one pass; otherwise sort keys.
    if not np.all(later | (same & (a[1:] > a[:-1]))):
        key = d.astype(np.int64) * (len(index.levels[a_level]) + 1) + a
        key.sort()
        duplicated = key[1:] == key[:-1]
        if duplicated.any():
            first = index[index.duplicated()][0]
            raise ValueError(
                f"{name} has {int(duplicated.sum())} duplicated (date, asset) rows, e.g. "
                f"{first}; each asset may appear once per date. Find them with "
                f"{name}[{name}.index.duplicated()]."
            )
    return d, pd.Index(dates, name="date")


def check_complete_wide(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A wide frame of numbers without missing or infinite values; return its values."""
    bad = [str(c) for c, dt in frame.dtypes.items() if not pd.api.types.is_numeric_dtype(dt)]
    if bad:
        raise TypeError(f"{name} has non-numeric columns {bad}; convert or drop them.")
    values = frame.to_numpy(dtype="float64", na_value=np.nan)
    if not np.isfinite(values).all():
        raise ValueError(
            f"{name} has {int((~np.isfinite(values)).sum())} missing or infinite values; "
            "complete data are needed here (drop those dates or assets first)."
        )
    return values


def check_returns_factors(excess_returns, factors):
    """Check test-asset and factor returns: wide, on the same dates, complete.

    Returns the two frames and their values as float arrays.
    """
    R = check_wide(excess_returns, "excess_returns")
    F = check_wide(factors, "factors")
    if not R.index.equals(F.index):
        raise ValueError(
            "excess_returns and factors must have the same dates; nothing is joined "
            f"silently (got {len(R)} and {len(F)} dates). Align them first, e.g. "
            "factors = factors.loc[excess_returns.index]."
        )
    r = check_complete_wide(R, "excess_returns")
    f = check_complete_wide(F, "factors")
    return R, F, r, f
