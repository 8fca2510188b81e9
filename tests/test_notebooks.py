"""Hygiene of the committed notebooks (nbval checks that their outputs reproduce).

These checks run in milliseconds and catch what strict nbval cannot: a notebook
saved from an interactive session instead of a clean run, a missing setup cell,
a stored warning, a notebook too large to keep in git.
"""

from __future__ import annotations

import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))
TOC = (ROOT / "_toc.yml").read_text()


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found in book/"


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.name)
def notebook(request):
    return request.param, json.loads(request.param.read_text())


def _code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def test_stored_outputs_come_from_a_clean_run(notebook):
    path, nb = notebook
    counts = [c["execution_count"] for c in _code_cells(nb)]
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name}: execution counts {counts[:8]}... are not 1, 2, 3, ...; "
        f"re-run it with `make execute NB=book/{path.name}`."
    )


def test_no_errors_or_warnings_are_stored(notebook):
    path, nb = notebook
    for i, cell in enumerate(_code_cells(nb)):
        for out in cell["outputs"]:
            assert out["output_type"] != "error", f"{path.name}: code cell {i} stores an error"
            if out["output_type"] == "stream":
                assert out["name"] != "stderr", (
                    f"{path.name}: code cell {i} writes to stderr: {''.join(out['text'])[:200]}"
                )


def test_first_code_cell_runs_the_shared_setup(notebook):
    path, nb = notebook
    first = "".join(_code_cells(nb)[0]["source"])
    assert "import helpers" in first and "helpers.setup_notebook()" in first, path.name
    for cell in _code_cells(nb):
        assert "sys.path" not in "".join(cell["source"]), f"{path.name}: no sys.path hacks"


def test_notebook_is_small_and_machine_independent(notebook):
    path, nb = notebook
    assert path.stat().st_size < 2_000_000, f"{path.name} is over 2 MB"
    text = json.dumps([c.get("outputs", []) for c in nb["cells"]])
    assert not re.search(r"(/work/|/tmp/|/home/\w+|/root/|C:\\\\Users)", text), (
        f"{path.name}: an output shows a machine-specific path"
    )
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


def test_notebook_is_in_the_table_of_contents(notebook):
    path, _ = notebook
    assert f"book/{path.stem}" in TOC, f"{path.name} is missing from _toc.yml"
