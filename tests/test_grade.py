"""Tests for the grading command (tools/grade.py) on small synthetic submissions."""

from __future__ import annotations

import csv
import json
import pathlib

import nbformat

from tools.grade import main

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXERCISE = "```{exercise} Who leaves the panel?\n:label: usd-ex-leavers\n\nStore it in `share_illiquid_leavers`.\n```"


def _solution_source() -> str:
    """The book's own solution of usd-ex-leavers (an independent route from the check's code)."""
    nb = json.loads((ROOT / "book" / "11_us_stocks_data.ipynb").read_text())
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and "share_illiquid_leavers =" in source:
            return source.replace('helpers.check("usd-ex-leavers")', "")
    raise AssertionError("the solution of usd-ex-leavers is not in chapter 11")


def _write(path: pathlib.Path, *codes: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(EXERCISE)] + [nbformat.v4.new_code_cell(c) for c in codes]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def test_grading_three_submissions(tmp_path):
    subs = tmp_path / "submissions"
    setup = "import helpers\nstocks = helpers.load_us_stocks()"
    _write(subs / "carol" / "11_us_stocks_data.ipynb", setup, _solution_source())
    _write(subs / "alice" / "11_us_stocks_data.ipynb", "1 / 0", "share_illiquid_leavers = 0.5")
    _write(subs / "bob" / "11_us_stocks_data.ipynb", "import time\ntime.sleep(600)", "share_illiquid_leavers = 0.7")
    private = tmp_path / "private.py"
    private.write_text(
        "from helpers.exercises import exercise\n"
        "@exercise('usd-ex-leavers', stores=['share_illiquid_leavers'])\n"
        "def below_one(c):\n"
        "    c.expect(c.number('share_illiquid_leavers') < 1, ok='a share', hint='PRIVATE: a share is below one')\n"
    )
    out = tmp_path / "grades.csv"
    assert main([str(subs), "--checks", str(private), "--timeout", "15", "--out", str(out)]) == 0

    with out.open() as handle:
        rows = {r["student"]: r for r in csv.DictReader(handle)}
    assert set(rows) == {"alice", "bob", "carol"}
    assert rows["carol"]["passed"] == "True"
    assert "a share" in rows["carol"]["detail"]  # the private check ran too
    assert rows["alice"]["passed"] == "False"
    assert "compare it with the median of the same date" in rows["alice"]["detail"]
    # bob's first cell was interrupted after the timeout, and the next cell still ran:
    # his (wrong) value was checked, not reported missing.
    assert rows["bob"]["passed"] == "False"
    assert "is off" in rows["bob"]["detail"] and "store your answer" not in rows["bob"]["detail"]
    with (tmp_path / "grades_summary.csv").open() as handle:
        summary = {r["student"]: r for r in csv.DictReader(handle)}
    assert summary["alice"]["cells that raised"] == "1"
    assert summary["bob"]["cells that raised"] == "1"
    assert summary["carol"] == {"student": "carol", "passed": "1", "exercises": "1", "cells that raised": "0"}


def test_grading_refuses_a_missing_folder(tmp_path, capsys):
    assert main([str(tmp_path / "nope")]) == 2
    assert "is not a folder" in capsys.readouterr().err
