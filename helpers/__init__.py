"""Tested helpers for the course book *Factor Models with scikit-learn*.

Everything a chapter would otherwise copy lives here, so that each chapter can
show the idea and leave the plumbing to code that is tested once.

Modules
-------
data
    The real data set (Ken French's portfolios and factors, as shipped with
    linearmodels), the simulated panel with known truth, and panel utilities.
plotting
    The book's notebook setup and figure conventions.
"""

from helpers.data import (
    FrenchData,
    SimulatedPanel,
    forward_returns,
    load_french,
    simulate_panel,
    to_panel,
)
from helpers.plotting import PALETTE, percent_axis, setup_notebook

__all__ = [
    "FrenchData",
    "PALETTE",
    "SimulatedPanel",
    "forward_returns",
    "load_french",
    "percent_axis",
    "setup_notebook",
    "simulate_panel",
    "to_panel",
]

__version__ = "0.1.0"
