"""Numbers in the prose that come from the code: the book's ``{eval}`` role.

A markdown cell of a chapter writes a result as ``{eval}`expression```, for
example ``the pooled t-statistic is {eval}`f"{t_pooled:.2f}"```. The value is
computed by the kernel, at that point of a top-to-bottom run, and stored in the
cell's metadata under ``user_expressions``, in the format of the Jupyter
messaging protocol's ``user_expressions`` (the one jupyterlab-myst reads), so:

* **JupyterLab** (``make lab``, with jupyterlab-myst) shows the stored values
  when a notebook is opened, without running it, and re-evaluates them when a
  student runs the markdown cell;
* **the book** (``make book``, which never executes) shows the stored values:
  this module is a Sphinx extension that replaces MyST-NB's ``eval`` role,
  which needs a live kernel, by one that reads them;
* **the tests** (``make test``) recompute every value during the strict nbval
  run (``tools/nbval_inline.py``), so a stored value that the code no longer
  produces fails like any other stale output.

``make execute`` (``python -m tools.execute``) runs a notebook and stores the
values. Nothing here needs a network.
"""

from __future__ import annotations

import json
import pathlib
import re
from typing import Any

#: ``{eval}`expression``` in MyST; the expression may not contain a backtick.
EVAL_ROLE = re.compile(r"\{eval\}`(?P<expr>[^`]+)`")

METADATA_KEY = "user_expressions"


def expressions(markdown: str) -> list[str]:
    """The distinct ``{eval}`` expressions of a markdown cell, in order of appearance."""
    seen: dict[str, None] = {}
    for m in EVAL_ROLE.finditer(markdown):
        seen.setdefault(m.group("expr"), None)
    return list(seen)


def stored_results(cell: dict) -> dict[str, dict]:
    """Expression -> stored result (``{"status", "data", "metadata"}``) of one cell."""
    entries = cell.get("metadata", {}).get(METADATA_KEY, [])
    return {e["expression"]: e["result"] for e in entries}


def text_of(result: dict) -> str:
    """The plain-text value of a stored result, without the quotes of a string's repr."""
    text = result.get("data", {}).get("text/plain", "")
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    return text


def notebook_results(path: str | pathlib.Path) -> dict[str, dict]:
    """Every stored result of a notebook, by expression.

    Raises ``ValueError`` if one expression has two different stored values in
    the notebook (the role could not tell which one a cell means).
    """
    nb = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    out: dict[str, dict] = {}
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for expr, result in stored_results(cell).items():
            if expr in out and out[expr].get("data") != result.get("data"):
                raise ValueError(
                    f"{path}: the expression {expr!r} has two different stored values "
                    f"({text_of(out[expr])!r} and {text_of(result)!r}); give the second "
                    "value its own variable name."
                )
            out[expr] = result
    return out


# --------------------------------------------------------------------------- Sphinx


def setup(app: Any) -> dict:
    """Sphinx entry point: an ``eval`` role that renders the stored values."""
    from docutils import nodes
    from myst_nb.core.variables import VariableOutput, create_warning, render_variable_outputs
    from myst_nb.ext.utils import RoleBase

    cache: dict[str, dict[str, dict]] = {}

    class StoredEvalRole(RoleBase):
        def run(self):
            source = self.document["source"]
            try:
                if source not in cache:
                    cache[source] = notebook_results(source)
                result = cache[source].get(self.text)
            except ValueError as exc:
                return [], [create_warning(str(exc), self.document, self.line, subtype="eval")]
            if result is None or result.get("status") != "ok":
                msg = (
                    f"no stored value for {{eval}}`{self.text}`: re-run the notebook with "
                    "`make execute NB=...`"
                )
                return [], [create_warning(msg, self.document, self.line, subtype="eval")]
            output = VariableOutput(
                data=result["data"],
                metadata={"strip_text_quotes": True},
                nb_renderer=self.document["nb_renderer"],
                vtype="eval",
            )
            rendered = render_variable_outputs(
                [output], self.document, self.line, self.source, inline=True
            )
            return [nodes.inline("", "", *rendered, classes=["inline-result"])], []

    app.setup_extension("myst_nb")
    app.add_role("eval", StoredEvalRole(), override=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
