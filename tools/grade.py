"""Grade a folder of submitted notebooks with the exercises' checks.

    python -m tools.grade SUBMISSIONS [--checks private_checks.py ...]
                          [--timeout 120] [--out grades.csv]

``SUBMISSIONS`` holds the students' notebooks, either as
``SUBMISSIONS/<student>/<chapter>.ipynb`` or as
``SUBMISSIONS/<student>__<chapter>.ipynb`` / ``SUBMISSIONS/<student>.ipynb``.
Each notebook is executed top to bottom in a fresh kernel, with errors allowed
(a failing cell does not stop the run) and each cell limited to ``--timeout``
seconds (a cell that runs longer is interrupted and counts as an error). Then,
in the same kernel, every check of every exercise of the chapter runs: the
book's own checks and those in the ``--checks`` files (a teacher's private
checks, written with ``helpers.exercises.exercise`` and kept outside the
repository).

Writes ``--out`` (CSV: student, notebook, exercise, passed, detail) and
``<out>_summary.csv`` (one row per student: exercises passed, exercises, cells
that raised), and prints both. Submitted code runs with the grader's rights:
grade in a sandbox (a container or a throw-away virtual machine without
network or credentials), never on a machine holding anything of value.
"""

from __future__ import annotations

import argparse
import csv
import json
import pathlib
import re
import sys

import nbformat
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[1]
LABEL = re.compile(r"^(`{3,}|:{3,})\{exercise\}[^\n]*\n:label:\s*(?P<label>\S+)", re.M)
MARKER = "__GRADE_RESULTS__"
CHECK_TIMEOUT = 600  # seconds for running all checks of one notebook


def exercise_labels(nb) -> list[str]:
    labels: list[str] = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            labels.extend(m.group("label") for m in LABEL.finditer(cell.source))
    return list(dict.fromkeys(labels))


def _who(path: pathlib.Path, root: pathlib.Path) -> tuple[str, str]:
    relative = path.relative_to(root)
    if len(relative.parts) > 1:
        return relative.parts[0], path.stem
    if "__" in path.stem:
        student, chapter = path.stem.split("__", 1)
        return student, chapter
    return path.stem, path.stem


def _book_labels(chapter: str) -> list[str]:
    book = ROOT / "book" / f"{chapter}.ipynb"
    return exercise_labels(nbformat.read(book, as_version=4)) if book.is_file() else []


def grade_notebook(path: pathlib.Path, labels: list[str], checks: list[pathlib.Path], timeout: int) -> dict:
    """Execute one submission and run the checks of ``labels``; return the results."""
    nb = nbformat.read(path, as_version=4)
    code = "\n".join(
        [
            "import json as _json",
            "from helpers import exercises as _exercises",
            *[f"_exercises.load_checks({str(p)!r})" for p in checks],
            "_results = {}",
            f"for _label in {labels!r}:",
            "    try:",
            "        _r = _exercises.run_checks(_label, globals())",
            "        _results[_label] = [_r.passed, ' | '.join(t for ok, t in _r.lines if t)]",
            "    except Exception as _e:",
            "        _results[_label] = [False, f'check could not run: {_e}']",
            f"print({MARKER!r} + _json.dumps(_results))",
        ]
    )
    grading = nbformat.v4.new_code_cell(code)
    nb.cells.append(grading)
    client = NotebookClient(
        nb,
        timeout=timeout,
        # The checks themselves (the last cell) may load data: they get their own limit.
        timeout_func=lambda cell: max(timeout, CHECK_TIMEOUT) if cell is grading else timeout,
        interrupt_on_timeout=True,
        allow_errors=True,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        client.execute()
    except Exception as error:  # the kernel died: every exercise fails
        return {"results": {label: [False, f"the notebook could not run: {error}"] for label in labels}, "errors": -1}
    errors = sum(
        1
        for cell in nb.cells[:-1]
        if cell.cell_type == "code" and any(o.get("output_type") == "error" for o in cell.get("outputs", []))
    )
    text = "".join(o.get("text", "") for o in nb.cells[-1].get("outputs", []) if o.get("output_type") == "stream")
    if MARKER not in text:
        return {"results": {label: [False, "the checks did not run"] for label in labels}, "errors": errors}
    return {"results": json.loads(text.split(MARKER, 1)[1]), "errors": errors}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("submissions", type=pathlib.Path)
    parser.add_argument("--checks", type=pathlib.Path, action="append", default=[])
    parser.add_argument("--timeout", type=int, default=120, help="seconds per cell")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("grades.csv"))
    args = parser.parse_args(argv)
    if not args.submissions.is_dir():
        print(f"error: {args.submissions} is not a folder of notebooks", file=sys.stderr)
        return 2
    for extra in args.checks:
        if not extra.is_file():
            print(f"error: no check file at {extra}", file=sys.stderr)
            return 2
    paths = sorted(p for p in args.submissions.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    if not paths:
        print(f"error: no notebooks in {args.submissions}", file=sys.stderr)
        return 2
    rows, summary = [], {}
    for path in paths:
        student, chapter = _who(path, args.submissions)
        labels = exercise_labels(nbformat.read(path, as_version=4)) or _book_labels(chapter)
        print(f"grading {path} ({student}, {chapter}: {len(labels)} exercises)", flush=True)
        graded = grade_notebook(path, labels, [p.resolve() for p in args.checks], args.timeout)
        entry = summary.setdefault(student, {"student": student, "passed": 0, "exercises": 0, "cells that raised": 0})
        entry["cells that raised"] += max(graded["errors"], 0)
        for label in labels:
            passed, detail = graded["results"].get(label, [False, "not checked"])
            rows.append({"student": student, "notebook": path.name, "exercise": label, "passed": bool(passed), "detail": detail})
            entry["exercises"] += 1
            entry["passed"] += bool(passed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["student", "notebook", "exercise", "passed", "detail"])
        writer.writeheader()
        writer.writerows(rows)
    summary_path = args.out.with_name(args.out.stem + "_summary.csv")
    with open(summary_path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["student", "passed", "exercises", "cells that raised"])
        writer.writeheader()
        writer.writerows(summary.values())
    print(f"\n{args.out}:")
    for row in rows:
        print(f"  {row['student']:<16} {row['exercise']:<24} {'passed' if row['passed'] else 'FAILED'}")
    print(f"\n{summary_path}:")
    for entry in summary.values():
        print(f"  {entry['student']:<16} {entry['passed']}/{entry['exercises']} exercises passed, {entry['cells that raised']} cells raised")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
