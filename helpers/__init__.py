"""Tested helpers for the course book *Factor Models with scikit-learn*.

Everything a chapter would otherwise copy lives here, so that each chapter can
show the idea and leave the plumbing to code that is tested once.

Modules
-------
data
    The real data set (Ken French's portfolios and factors, as shipped with
    linearmodels), the simulated panel with known truth, and panel utilities.
fama_macbeth
    Fama–MacBeth regressions on panels and the two-pass test on portfolios.
preprocessing
    Cross-sectional transformers (per-date standardisation) for pipelines.
metrics
    The per-date Information Coefficient.
model_selection
    Walk-forward splitting of panels by whole dates.
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
from helpers.preprocessing import CrossSectionalStandardizer
from helpers.fama_macbeth import (
    FamaMacBethResults,
    GRSTest,
    TwoPassResults,
    fama_macbeth,
    two_pass,
)
from helpers.metrics import information_coefficient
from helpers.model_selection import WalkForwardSplit
from helpers.plotting import PALETTE, percent_axis, setup_notebook

__all__ = [
    "CrossSectionalStandardizer",
    "FamaMacBethResults",
    "FrenchData",
    "GRSTest",
    "PALETTE",
    "SimulatedPanel",
    "forward_returns",
    "load_french",
    "percent_axis",
    "setup_notebook",
    "simulate_panel",
    "to_panel",
    "two_pass",
    "TwoPassResults",
    "WalkForwardSplit",
    "fama_macbeth",
    "information_coefficient",
]

__version__ = "0.1.0"
