"""Check the student edition: every student notebook runs, and its blank answers fail.

    python -m tools.student_run book/*.ipynb

Writes the student edition of each notebook into a temporary folder, executes
it top to bottom (the ``{eval}`` values of markdown cells included, so prose
that needs a removed solution is caught), and fails if a cell raises or if a
check of a blank answer passes. Part of ``make test``.
"""

from __future__ import annotations

import pathlib
import sys
import tempfile
import time

import nbformat

from tools.execute import InlineClient
from tools.student import student_notebook


def run(path: pathlib.Path, folder: pathlib.Path) -> list[str]:
    """Problems found in the student edition of ``path`` (empty if none)."""
    nb = student_notebook(nbformat.read(path, as_version=4), path.name)
    target = folder / path.name
    nbformat.write(nb, target)
    client = InlineClient(
        nb,
        timeout=600,
        kernel_name="python3",
        record_timing=False,
        allow_errors=True,
        resources={"metadata": {"path": str(folder)}},
    )
    problems: list[str] = []
    try:
        client.execute()
    except Exception as error:  # an {eval} that raised, or a dead kernel
        return [f"{path.name}: {error}"]
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                problems.append(f"{path.name}, cell {index}: {out['ename']}: {out['evalue']}")
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                problems.append(f"{path.name}, cell {index} writes to stderr: {out['text'][:200]}")
        if "student-check" in cell.metadata.get("tags", []):
            text = "".join(
                out.get("data", {}).get("text/plain", "") + out.get("text", "") for out in cell.get("outputs", [])
            )
            if ": not yet" not in text:
                problems.append(f"{path.name}, cell {index}: a blank answer did not fail its check: {text[:200]!r}")
    return problems


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m tools.student_run NOTEBOOK [NOTEBOOK ...]", file=sys.stderr)
        return 2
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="student-") as tmp:
        for name in argv:
            start = time.perf_counter()
            found = run(pathlib.Path(name), pathlib.Path(tmp))
            status = "ok" if not found else f"{len(found)} problem(s)"
            print(f"student edition of {name}: {status} ({time.perf_counter() - start:.0f} s)", flush=True)
            problems.extend(found)
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
