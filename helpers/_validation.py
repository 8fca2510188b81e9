"""Input checks shared by the public functions (one place, clear messages)."""

from __future__ import annotations

import numbers

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
