"""One look for every notebook: plot style, display precision, figure helpers."""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

# Okabe & Ito's colour-blind-safe palette, in the order the book uses it.
PALETTE = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)

# Line styles that go with the colours, so that no series is told apart by colour
# alone (readable in greyscale and by colour-blind readers; WCAG 1.4.1).
LINESTYLES = ("-", "--", ":", "-.", (0, (5, 1.5)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 1)), (0, (8, 2, 2, 2)))

STYLE = {
    "figure.figsize": (7.0, 3.6),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.autolayout": True,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=PALETTE) + mpl.cycler(linestyle=LINESTYLES),
    "legend.frameon": False,
    "lines.linewidth": 1.5,
    "image.cmap": "viridis",
}

DISPLAY_PRECISION = 4


def setup_notebook(*, precision: int = DISPLAY_PRECISION) -> None:
    """Apply the book's plot style and display options; call it in the first cell.

    Sets matplotlib's style (figure size and resolution, colour-blind-safe
    palette in which every colour also has its own line style, light grid), pandas' display precision and row limits, and
    NumPy's print precision. Calling it twice is harmless.

    Parameters
    ----------
    precision : int, default 4
        Digits shown after the decimal point for floats in pandas and NumPy
        output. Rounded display also keeps stored notebook outputs stable.

    Examples
    --------
    >>> import helpers
    >>> helpers.setup_notebook()
    >>> import pandas as pd
    >>> pd.get_option("display.precision")
    4
    """
    if isinstance(precision, bool) or not isinstance(precision, int) or precision < 0:
        raise ValueError(f"precision must be a non-negative int; got {precision!r}.")
    # Import pyplot first: in Jupyter this activates the inline backend, which
    # applies its own defaults; the book's style must be applied after them.
    import matplotlib.pyplot as plt

    plt.rcdefaults()
    mpl.rcParams.update(STYLE)
    pd.set_option("display.precision", precision)
    pd.set_option("display.max_rows", 20)
    pd.set_option("display.min_rows", 10)
    pd.set_option("display.max_columns", 20)
    pd.set_option("display.width", 100)
    np.set_printoptions(precision=precision, suppress=True)


def percent_axis(ax, axis: str = "y", decimals: int | None = None):
    """Label an axis holding decimal returns in percent (0.01 shown as 1%).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes to format.
    axis : str, default "y"
        Which axis holds the returns: ``"y"`` or ``"x"``.
    decimals : int, optional
        Digits after the decimal point; chosen by matplotlib if omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The same axes, for chaining.
    """
    if axis not in ("x", "y"):
        raise ValueError(f"axis must be 'x' or 'y'; got {axis!r}.")
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(PercentFormatter(xmax=1.0, decimals=decimals))
    return ax
