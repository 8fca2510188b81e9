"""Exercises that check themselves: ``check("label")`` from a notebook.

Every exercise of the book has a stable label (``fm-ex-tstat``) and names the
variables a student stores (``store the t-statistic in t_mom``). Its checks are
small functions registered under that label: they read the stored variables
from the notebook, compare them with what is right, and say so, or give a hint
for what is wrong without giving the answer.

In a notebook::

    from helpers.exercises import check
    check("fm-ex-tstat")

A teacher writes further checks, in the same format, in a file of their own
(outside the repository) and passes it to the grading command
(``python -m tools.grade``), or loads it with :func:`load_checks`::

    from helpers.exercises import exercise

    @exercise("fm-ex-tstat", stores=["t_mom"])
    def stricter(c):
        t = c.number("t_mom")
        c.expect(abs(t) < 10, ok="t_mom is plausible", hint="A t-statistic above 10 ...")

A check function receives a :class:`Checker` and calls its methods; it does
not return anything. A label that no check knows is an error, so a typo in a
label is caught at once.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import math
import numbers
import pathlib
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

__all__ = [
    "CheckResult",
    "Checker",
    "check",
    "exercise",
    "labels",
    "load_checks",
    "run_checks",
]

#: label -> list of (check name, stored names, function)
_REGISTRY: dict[str, list[tuple[str, tuple[str, ...], Callable]]] = {}
#: labels that are discussion questions (no automatic check by design)
_DISCUSSION: dict[str, str] = {}
_BUILTIN_LOADED = False


class _StopCheck(Exception):
    """Raised inside a check when a stored value is missing or unusable."""


def exercise(label: str, *, stores=()):
    """Register the decorated function as a check of exercise ``label``.

    Parameters
    ----------
    label : str
        The exercise's label, as in its ``:label:`` option.
    stores : sequence of str
        The variables the exercise asks the student to store; the check reads
        them with :meth:`Checker.value` / :meth:`Checker.number`.
    """
    if not isinstance(label, str) or not label:
        raise TypeError(f"label must be a non-empty string; got {label!r}.")

    def register(function: Callable) -> Callable:
        _REGISTRY.setdefault(label, []).append((function.__name__, tuple(stores), function))
        return function

    return register


def discussion(label: str, why: str) -> None:
    """Declare exercise ``label`` a discussion question (no automatic check)."""
    _DISCUSSION[label] = why


@dataclass
class CheckResult:
    """What :func:`check` found for one exercise.

    Attributes
    ----------
    label : str
    passed : bool
        True when every check of the exercise passed.
    lines : list of (bool, str)
        One line per expectation: whether it passed, and what is right or a hint.
    """

    label: str
    passed: bool
    lines: list = field(default_factory=list)

    def __repr__(self) -> str:
        head = f"{self.label}: " + ("all checks passed" if self.passed else "not yet")
        body = [("  ✓ " if ok else "  ✗ ") + text for ok, text in self.lines]
        return "\n".join([head, *body])

    def _repr_pretty_(self, printer, cycle):  # IPython display
        printer.text(repr(self))


class Checker:
    """The methods a check function uses to read and judge a student's answers."""

    def __init__(self, label: str, namespace: dict):
        self.label = label
        self.ns = namespace
        self.lines: list[tuple[bool, str]] = []

    # -- reading stored values -------------------------------------------------
    def value(self, name: str, kinds=None):
        """The stored variable ``name``; stops the check with a hint if it is missing."""
        if name not in self.ns:
            self.lines.append((False, f"store your answer in `{name}` (it is not defined yet)"))
            raise _StopCheck
        value = self.ns[name]
        if kinds is not None and not isinstance(value, kinds):
            wanted = kinds.__name__ if isinstance(kinds, type) else " or ".join(k.__name__ for k in kinds)
            self.lines.append(
                (False, f"`{name}` should be a {wanted}; it is a {type(value).__name__}")
            )
            raise _StopCheck
        return value

    def number(self, name: str) -> float:
        """The stored number ``name`` as a float (a NumPy scalar is fine)."""
        value = self.value(name)
        if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
            self.lines.append(
                (False, f"`{name}` should be a number; it is a {type(value).__name__}")
            )
            raise _StopCheck
        value = float(value)
        if not math.isfinite(value):
            self.lines.append((False, f"`{name}` is {value}; a finite number is expected"))
            raise _StopCheck
        return value

    # -- judging -----------------------------------------------------------------
    def expect(self, condition, *, ok: str, hint: str) -> bool:
        """Record ``ok`` if ``condition`` holds, else ``hint``."""
        passed = bool(condition)
        self.lines.append((passed, ok if passed else hint))
        return passed

    def close(self, name: str, expected: float, *, rtol=0.0, atol=0.0, ok=None, hint=None) -> bool:
        """Expect the stored number ``name`` to be within the tolerances of ``expected``."""
        got = self.number(name)
        good = math.isclose(got, float(expected), rel_tol=rtol, abs_tol=atol)
        return self.expect(
            good,
            ok=ok or f"`{name}` is right",
            hint=hint or f"`{name}` is not right yet; re-read the exercise",
        )


def _load_builtin() -> None:
    global _BUILTIN_LOADED
    if not _BUILTIN_LOADED:
        importlib.import_module("helpers._exercise_checks")
        _BUILTIN_LOADED = True


def load_checks(path) -> list[str]:
    """Load extra checks (a teacher's private file) written with :func:`exercise`.

    Returns the labels the file added checks to.
    """
    _load_builtin()
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No check file at {path}.")
    before = {label: len(checks) for label, checks in _REGISTRY.items()}
    spec = importlib.util.spec_from_file_location(f"_extra_checks_{abs(hash(path))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return sorted(label for label, checks in _REGISTRY.items() if len(checks) > before.get(label, 0))


def labels() -> dict[str, str]:
    """Every known exercise label: ``"checked"`` or ``"discussion"``."""
    _load_builtin()
    table = {label: "checked" for label in _REGISTRY}
    table.update({label: "discussion" for label in _DISCUSSION if label not in _REGISTRY})
    return dict(sorted(table.items()))


def run_checks(label: str, namespace: dict) -> CheckResult:
    """Run every check of ``label`` against ``namespace``; never raises for a wrong answer."""
    _load_builtin()
    if label in _DISCUSSION and label not in _REGISTRY:
        return CheckResult(label, True, [(True, f"discussion question: {_DISCUSSION[label]}")])
    if label not in _REGISTRY:
        known = ", ".join(sorted(_REGISTRY))
        raise KeyError(f"No exercise is labelled {label!r}. Known labels: {known}.")
    lines: list[tuple[bool, str]] = []
    for name, _stores, function in _REGISTRY[label]:
        checker = Checker(label, namespace)
        try:
            function(checker)
        except _StopCheck:
            pass
        except Exception as error:  # a wrong kind of answer must not crash the notebook
            checker.lines.append(
                (False, f"checking raised {type(error).__name__}: {error} (is the stored value of the expected kind?)")
            )
        lines.extend(checker.lines)
    passed = bool(lines) and all(ok for ok, _ in lines)
    return CheckResult(label, passed, lines)


def check(label: str, namespace: dict | None = None) -> CheckResult:
    """Check your answer to exercise ``label``, reading the variables it names.

    Parameters
    ----------
    label : str
        The exercise's label, e.g. ``"fm-ex-tstat"``.
    namespace : dict, optional
        Where the stored variables live; by default the caller's globals (a
        notebook's variables).

    Returns
    -------
    CheckResult
        Shown as one line per expectation: ✓ with what is right, or ✗ with a hint.
    """
    if namespace is None:
        namespace = inspect.currentframe().f_back.f_globals
    return run_checks(label, namespace)
