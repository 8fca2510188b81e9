r"""Walk-forward evaluation of several models on one panel, with tidy results.

:func:`evaluate_walk_forward` fits every model on every training period of a
splitter (normally :class:`helpers.WalkForwardSplit`), forecasts the following
test period and scores the forecasts the way the book does: mean squared
error, out-of-sample :math:`R^2` against zero (:func:`helpers.oos_r2`) and the
mean per-date Information Coefficient. It keeps the out-of-sample forecasts,
so that models can be compared date by date (:meth:`WalkForwardEvaluation.compare`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.utils.parallel import Parallel, delayed

from helpers._validation import check_numeric_frame, check_target, date_codes
from helpers.metrics import (
    ICDifferenceTest,
    ic_difference_test,
    ic_summary,
    information_coefficient,
    oos_r2,
)

__all__ = ["WalkForwardEvaluation", "evaluate_walk_forward"]

METRICS = ("mse", "oos_r2", "mean_ic", "fit_time", "predict_time")


@dataclass(frozen=True, eq=False)
class WalkForwardEvaluation:
    """Results of :func:`evaluate_walk_forward`.

    Attributes
    ----------
    scores : pandas.DataFrame
        Tidy scores, one row per model, fold and metric: columns ``model``,
        ``fold`` (1, 2, ...), ``metric`` and ``value``. The metrics are
        ``mse``, ``oos_r2``, ``mean_ic`` (mean per-date IC of the fold's test
        dates), ``fit_time`` and ``predict_time`` (seconds; NaN for the
        oracle, which is not fitted).
    predictions : pandas.DataFrame
        Out-of-sample forecasts: one column per model (and ``oracle`` if
        given), indexed by the ``(date, asset)`` rows of all test periods.
    y : pandas.Series
        The realised target on the same rows.
    ic : pandas.DataFrame
        Per-date IC of each model's forecasts, dates as rows.
    folds : pandas.DataFrame
        First and last training and test date, and the number of test rows,
        of every fold.
    """

    scores: pd.DataFrame
    predictions: pd.DataFrame
    y: pd.Series
    ic: pd.DataFrame
    folds: pd.DataFrame = field(repr=False)

    @property
    def models(self) -> list:
        """Model names, in the order given (the oracle last)."""
        return list(self.predictions.columns)

    def fold_scores(self, metric: str = "mean_ic") -> pd.DataFrame:
        """One metric as a table: folds as rows, models as columns."""
        if metric not in METRICS:
            raise ValueError(f"metric must be one of {METRICS}; got {metric!r}.")
        table = self.scores[self.scores["metric"] == metric].pivot(
            index="fold", columns="model", values="value"
        )
        return table[self.models].rename_axis(columns=None)

    def summary(self, nw_lags=None) -> pd.DataFrame:
        """One row per model, over all test periods pooled.

        Parameters
        ----------
        nw_lags : int or None, default None
            Newey–West lags of the IC t-statistic (see :func:`helpers.ic_summary`).

        Returns
        -------
        pandas.DataFrame
            ``mse``; ``oos_r2`` over all test rows; ``mean_ic``, ``ic_t_stat``
            and ``icir`` over all test dates (NaN for a forecast that is
            constant within every date, such as the historical mean, which
            ranks nothing); ``fit_time``, the total fitting time in seconds.
        """
        rows = {}
        fit = self.scores[self.scores["metric"] == "fit_time"].groupby("model")["value"]
        fit_total = fit.sum(min_count=1)
        for name in self.models:
            pred = self.predictions[name]
            if self.ic[name].notna().sum() >= 2:
                s = ic_summary(self.ic[name], nw_lags=nw_lags)
            else:  # e.g. a forecast constant within every date: it ranks nothing
                s = {"mean_ic": np.nan, "t_stat": np.nan, "icir": np.nan}
            rows[name] = {
                "mse": float(np.mean((self.y - pred) ** 2)),
                "oos_r2": oos_r2(self.y, pred),
                "mean_ic": s["mean_ic"],
                "ic_t_stat": s["t_stat"],
                "icir": s["icir"],
                "fit_time": fit_total.get(name, np.nan),
            }
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis("model")

    def compare(self, a: str, b: str, nw_lags=None) -> ICDifferenceTest:
        """Test whether model ``a`` has a higher mean per-date IC than model ``b``.

        See :func:`helpers.ic_difference_test`.
        """
        for name in (a, b):
            if name not in self.ic.columns:
                raise KeyError(f"No model named {name!r}; the models are {self.models}.")
        return ic_difference_test(self.ic[a], self.ic[b], nw_lags=nw_lags)


def evaluate_walk_forward(models, X, y, *, cv, oracle=None, n_jobs=None) -> WalkForwardEvaluation:
    r"""Fit and score several models on the same walk-forward folds.

    For every fold of ``cv`` and every model: clone the model, fit it on the
    fold's training rows (timed), forecast the test rows (timed), and score
    the forecasts. All models see exactly the same folds.

    Parameters
    ----------
    models : dict
        Model name to scikit-learn estimator (or pipeline). Each is cloned for
        every fold, so the objects passed in are left unfitted.
    X : pandas.DataFrame
        Characteristics, indexed by ``(date, asset)``. Missing values are
        passed on to the models (use a pipeline that handles them, e.g.
        :class:`helpers.CrossSectionalStandardizer` with ``nan_policy="fill"``).
    y : pandas.Series
        The target (a forward return) on exactly the same index, without
        missing values.
    cv : splitter
        Normally :class:`helpers.WalkForwardSplit`; any object with a
        ``split(X, y)`` method works (for example ``TimeSeriesSplit``, to
        show what row-based splitting does). Test sets must not overlap.
    oracle : pandas.Series, optional
        The true expected return of every row (known for simulated data):
        scored on the same test rows as a model named ``"oracle"``, the best
        forecast possible.
    n_jobs : int or None, default None
        Number of fits run in parallel, one per fold and model, through
        ``sklearn.utils.parallel.Parallel``: None means 1 unless inside a
        ``joblib.parallel_config`` context (which also chooses the backend, e.g.
        ``backend="dask"`` for a Dask cluster); -1 uses all cores. The results
        are the same as with ``n_jobs=1`` (only the timings differ).

    Returns
    -------
    WalkForwardEvaluation
        Tidy fold-by-fold ``scores``, the out-of-sample ``predictions``, the
        per-date ``ic`` of each model and a ``summary()``.

    Examples
    --------
    >>> import helpers
    >>> from sklearn.linear_model import LinearRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> sim = helpers.simulate_panel(n_dates=60, n_assets=200, seed=0)
    >>> ols = make_pipeline(helpers.CrossSectionalStandardizer(nan_policy="fill"),
    ...                     LinearRegression())
    >>> res = helpers.evaluate_walk_forward({"OLS": ols}, sim.X, sim.y,
    ...                                     cv=helpers.WalkForwardSplit(3),
    ...                                     oracle=sim.expected)
    >>> res.summary().columns.tolist()
    ['mse', 'oos_r2', 'mean_ic', 'ic_t_stat', 'icir', 'fit_time']
    >>> res.models
    ['OLS', 'oracle']
    """
    if not isinstance(models, dict) or not models:
        raise TypeError(
            "models must be a non-empty dict of name -> estimator, e.g. "
            "{'OLS': LinearRegression()}; got "
            f"{type(models).__name__ if not isinstance(models, dict) else 'an empty dict'}."
        )
    for name, model in models.items():
        if not (hasattr(model, "fit") and hasattr(model, "predict")):
            raise TypeError(f"models[{name!r}] is not an estimator with fit and predict.")
    if oracle is not None and "oracle" in models:
        raise ValueError("A model is named 'oracle', the name of the oracle forecast; rename it.")
    check_numeric_frame(X, "X", check_values=False)
    y_values = check_target(y, X.index)
    date_codes(X.index, "X")
    if np.isnan(y_values).any():
        raise ValueError(
            f"y has {int(np.isnan(y_values).sum())} missing values; drop those rows from "
            "X and y first (keep = y.notna(); X, y = X[keep], y[keep])."
        )
    if oracle is not None:
        oracle_values = check_target(oracle, X.index, "oracle")
    if not hasattr(cv, "split"):
        raise TypeError(f"cv must be a splitter with a split method; got {type(cv).__name__}.")

    dates = X.index.get_level_values("date")
    folds = []
    seen = np.zeros(len(X), dtype=bool)
    for fold, (train, test) in enumerate(cv.split(X, y), start=1):
        if seen[test].any():
            raise ValueError(
                f"Fold {fold} tests rows already tested by an earlier fold; the test sets "
                "of cv must not overlap."
            )
        seen[test] = True
        folds.append((fold, train, test))
    # One task per fold and model; Parallel returns the results in this order.
    fitted = Parallel(n_jobs=n_jobs)(
        delayed(_fit_predict)(model, X.iloc[train], y.iloc[train], X.iloc[test])
        for _, train, test in folds
        for model in models.values()
    )
    records, pieces, fold_rows = [], [], []
    for f, (fold, train, test) in enumerate(folds):
        X_test, y_test = X.iloc[test], y.iloc[test]
        forecasts = {}
        for m, name in enumerate(models):
            forecasts[name], fit_time, predict_time = fitted[f * len(models) + m]
            records += _fold_records(name, fold, y_test, forecasts[name], fit_time, predict_time)
        if oracle is not None:
            forecasts["oracle"] = oracle_values[test]
            records += _fold_records("oracle", fold, y_test, forecasts["oracle"], np.nan, np.nan)
        pieces.append(pd.DataFrame(forecasts, index=X_test.index))
        fold_rows.append(
            {
                "fold": fold,
                "train_start": dates[train].min(),
                "train_end": dates[train].max(),
                "test_start": dates[test].min(),
                "test_end": dates[test].max(),
                "n_test_rows": len(test),
            }
        )
    if not pieces:
        raise ValueError("cv produced no folds.")
    predictions = pd.concat(pieces).sort_index()
    y_test_all = y.loc[predictions.index]
    ic = pd.DataFrame(
        {name: information_coefficient(y_test_all, predictions[name]) for name in predictions}
    )
    return WalkForwardEvaluation(
        scores=pd.DataFrame.from_records(records, columns=["model", "fold", "metric", "value"]),
        predictions=predictions,
        y=y_test_all,
        ic=ic,
        folds=pd.DataFrame(fold_rows).set_index("fold"),
    )


def _fit_predict(model, X_train, y_train, X_test):
    """Fit a clone of ``model`` and forecast ``X_test``: forecasts, fit and predict times."""
    estimator = clone(model)
    start = time.perf_counter()
    estimator.fit(X_train, y_train)
    fit_time = time.perf_counter() - start
    start = time.perf_counter()
    forecast = np.asarray(estimator.predict(X_test), dtype="float64").ravel()
    return forecast, fit_time, time.perf_counter() - start


def _fold_records(name, fold, y_test, forecast, fit_time, predict_time):
    pred = pd.Series(forecast, index=y_test.index)
    ic = information_coefficient(y_test, pred)
    values = {
        "mse": float(np.mean((y_test.to_numpy() - forecast) ** 2)),
        "oos_r2": oos_r2(y_test.to_numpy(), forecast),
        "mean_ic": float(ic.mean()),
        "fit_time": fit_time,
        "predict_time": predict_time,
    }
    return [(name, fold, metric, value) for metric, value in values.items()]
