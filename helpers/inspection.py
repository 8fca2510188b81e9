r"""Permutation importance for panels: shuffle within each date's cross-section.

scikit-learn's ``permutation_importance`` shuffles a whole column. On a stacked
``(date, asset)`` panel that moves values between dates, so the importance also
measures how much the model relies on the *level* of a characteristic over
time, not only on how it ranks assets at a date; and a score computed per date
(like the Information Coefficient) is then compared across a mixture of
dates. :func:`permutation_importance_panel` shuffles each characteristic only
within each date (or over the whole column, to compare), can shuffle groups of
correlated characteristics together, and scores with the mean per-date IC by
default.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import check_scoring
from sklearn.utils import Bunch
from sklearn.utils.parallel import Parallel, delayed

from helpers._validation import check_int, check_numeric_frame, check_target, date_codes
from helpers.metrics import ic_scorer

__all__ = ["permutation_importance_panel"]

_WITHIN = ("date", "all")


def permutation_importance_panel(
    estimator,
    X,
    y,
    *,
    scoring=None,
    n_repeats: int = 5,
    within: str = "date",
    groups=None,
    random_state=None,
    n_jobs=None,
) -> Bunch:
    r"""Permutation importance of the characteristics of a fitted model on a panel.

    For each characteristic (or group of characteristics) :math:`k` and each
    repeat, the values of :math:`k` are shuffled, the model predicts again and
    the drop of the score is recorded:

    .. math:: I_k = s(\hat f; X, y) - s(\hat f; X^{\pi_k}, y).

    With ``within="date"`` (the default) the permutation :math:`\pi_k` moves
    values only between assets of the same date, so the importance measures
    how much the model uses :math:`k` to tell assets apart *at a date*, which
    is what a cross-sectional forecast is for. With ``within="all"`` the whole
    column is shuffled, as ``sklearn.inspection.permutation_importance`` does.

    Compute it on data the model was not fitted on (a walk-forward test
    period): on the training data it measures what the model memorised.

    Parameters
    ----------
    estimator : estimator
        A fitted model: anything with ``predict``; it gets DataFrames with X's index and
        columns.
    X : pandas.DataFrame
        Characteristics indexed by ``(date, asset)``.
    y : pandas.Series
        The target on exactly the same index.
    scoring : str, callable or None, default None
        A scikit-learn scorer (greater is better). None uses
        :data:`~helpers.metrics.ic_scorer`, the mean per-date Information Coefficient.
    n_repeats : int, default 5
        Number of permutations per characteristic.
    within : str, default "date"
        ``"date"`` shuffles within each date's cross-section, ``"all"`` over
        the whole column.
    groups : dict or None, default None
        Characteristics to shuffle together, name to list of columns, e.g.
        ``{"value & zoo_1": ["value", "zoo_1"]}``: one permutation of the rows
        is applied to all columns of a group, which keeps their correlation.
        Columns not in any group are shuffled on their own.
    random_state : int or None, default None
        Seed of the permutations (``numpy.random.default_rng``).
    n_jobs : int or None, default None
        Number of characteristics (or groups) scored in parallel, through
        ``sklearn.utils.parallel.Parallel``: None means 1 unless inside a
        ``joblib.parallel_config`` context (which also chooses the backend,
        e.g. ``backend="dask"``); -1 uses all cores. The random draws are made
        in this process, in the same order as with ``n_jobs=1``, so the
        importances are the same.

    Returns
    -------
    sklearn.utils.Bunch
        ``importances_mean`` and ``importances_std`` (Series, one entry per
        characteristic or group, in column order), ``importances``
        (DataFrame, one column per repeat) and ``baseline_score``.

    Examples
    --------
    >>> import helpers
    >>> from sklearn.linear_model import LinearRegression
    >>> sim = helpers.simulate_panel(n_dates=60, n_assets=300, seed=0)
    >>> model = LinearRegression().fit(sim.latent, sim.expected)  # the true linear part
    >>> imp = helpers.permutation_importance_panel(model, sim.latent, sim.expected,
    ...                                            n_repeats=3, random_state=0)
    >>> imp.importances_mean.idxmax()
    'momentum'
    >>> bool(imp.importances_mean["zoo_1"] < 0.01)
    True
    """
    check_numeric_frame(X, "X", check_values=False)
    check_target(y, X.index)
    codes, _ = date_codes(X.index, "X")
    n_repeats = check_int(n_repeats, "n_repeats", minimum=1)
    if within not in _WITHIN:
        raise ValueError(f"within must be one of {_WITHIN}; got {within!r}.")
    members = _feature_groups(X.columns, groups)
    scorer = ic_scorer if scoring is None else check_scoring(estimator, scoring=scoring)
    rng = np.random.default_rng(random_state)

    baseline = float(scorer(estimator, X, y))
    # The draws are taken here, group by group, in the order of a sequential run; the
    # generator feeds Parallel lazily, so only a few groups' draws are held at once.
    draws = ((positions, [_draw(len(X), within, rng) for _ in range(n_repeats)])
             for positions in members.values())
    scores = Parallel(n_jobs=n_jobs)(
        delayed(_shuffled_scores)(estimator, X, y, scorer, codes, positions, group_draws)
        for positions, group_draws in draws
    )
    importances = baseline - np.array(scores, dtype="float64").reshape(len(members), n_repeats)
    index = pd.Index(list(members), name="feature")
    table = pd.DataFrame(
        importances, index=index, columns=pd.RangeIndex(n_repeats, name="repeat")
    )
    return Bunch(
        importances_mean=table.mean(axis=1).rename("importance_mean"),
        importances_std=table.std(axis=1, ddof=0).rename("importance_std"),
        importances=table,
        baseline_score=baseline,
    )


def _feature_groups(columns, groups) -> dict:
    """Name -> positions of the columns shuffled together, in column order."""
    position = {c: i for i, c in enumerate(columns)}
    members: dict = {}
    grouped: dict = {}
    if groups is not None:
        if not isinstance(groups, dict):
            raise TypeError(
                "groups must be a dict of group name -> list of columns, e.g. "
                f"{{'value & zoo_1': ['value', 'zoo_1']}}; got {type(groups).__name__}."
            )
        for name, cols in groups.items():
            cols = [cols] if isinstance(cols, str) else list(cols)
            unknown = [c for c in cols if c not in position]
            if unknown or not cols:
                raise ValueError(
                    f"groups[{name!r}] names columns {unknown or cols} that X does not have; "
                    f"X's columns are {list(columns)}."
                )
            for c in cols:
                if c in grouped:
                    raise ValueError(
                        f"Column {c!r} is in two groups, {grouped[c]!r} and {name!r}; "
                        "each column may be in one group only."
                    )
                grouped[c] = name
    for c in columns:
        if c in grouped:
            name = grouped[c]
            if name not in members:
                members[name] = [position[k] for k in columns if grouped.get(k) == name]
        else:
            members[c] = [position[c]]
    return members


def _shuffled_scores(estimator, X, y, scorer, codes, positions, group_draws) -> list:
    """Scores of the estimator with the columns ``positions`` permuted by each draw."""
    values = X.to_numpy(copy=True)
    original = values[:, positions].copy()
    scores = []
    for draw in group_draws:
        values[:, positions] = original[_from_draw(codes, draw)]
        shuffled = pd.DataFrame(values, index=X.index, columns=X.columns)
        scores.append(float(scorer(estimator, shuffled, y)))
    return scores


def _draw(n: int, within: str, rng: np.random.Generator) -> tuple:
    """The random draw behind one permutation (made where the generator lives)."""
    return ("all", rng.permutation(n)) if within == "all" else ("date", rng.random(n))


def _permutation(codes: np.ndarray, within: str, rng: np.random.Generator) -> np.ndarray:
    """Row positions: row i takes the values of row perm[i] (of the same date if within='date')."""
    return _from_draw(codes, _draw(len(codes), within, rng))


def _from_draw(codes: np.ndarray, draw: tuple) -> np.ndarray:
    """The permutation of :func:`_permutation` from its random draw."""
    within, values = draw
    if within == "all":
        return values
    by_date = np.argsort(codes, kind="stable")  # rows of each date, in their order
    shuffled = np.lexsort((values, codes))  # rows of each date, in random order
    perm = np.empty(len(codes), dtype=np.int64)
    perm[by_date] = shuffled
    return perm
