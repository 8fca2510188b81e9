"""Write the student edition of the book's notebooks: exercises kept, solutions removed.

    python -m tools.student --out student book/*.ipynb

For every notebook, the copy in ``--out``:

* keeps every cell outside a solution, with its outputs and stored inline values
  cleared (a student runs the notebook);
* removes every solution: the ``{solution}`` blocks inside an exercise's markdown
  cell, and every cell between a ``{solution-start}`` and its ``{solution-end}``
  (text after the end fence, in the same cell, is kept: it is not part of the
  solution);
* puts in place of each solution an empty answer cell that names what to store,
  and a cell that runs the exercise's checks: ``helpers.check("label")`` (a
  discussion question gets an empty markdown cell for the written answer and no
  check).

Markers that do not pair up (a start without an end, an end without a start, a
start inside a solution, a ``{solution}`` block that does not close) stop the
tool with the notebook, the cell and what is wrong. Nothing here needs a network.
sphinx-exercise's own ``hide_solutions`` option cannot do this: it crashes the
build (NotImplementedError for solution_end_node, an open upstream issue).
"""

from __future__ import annotations

import argparse
import pathlib
import re
import sys

import nbformat

START = re.compile(r"^(?P<fence>`{3,}|:{3,})\{solution-start\}\s*(?P<label>\S+)?", re.M)
END = re.compile(r"^(?P<fence>`{3,}|:{3,})\{solution-end\}\s*\n(?P=fence)[ \t]*$\n?", re.M)
BLOCK = re.compile(r"^(?P<fence>`{3,}|:{3,})\{solution\}\s*(?P<label>\S+)?[^\n]*\n", re.M)
EXERCISE_LABEL = re.compile(r"^(`{3,}|:{3,})\{exercise\}[^\n]*\n:label:\s*(?P<label>\S+)", re.M)


class MarkerError(ValueError):
    """The solution markers of a notebook do not pair up."""


def _stores(label: str) -> list[str]:
    try:
        from helpers import exercises
    except ImportError:  # the tool also works without helpers installed
        return []
    exercises.labels()
    names: list[str] = []
    for _name, stores, _function in exercises._REGISTRY.get(label, []):
        names.extend(n for n in stores if n not in names)
    return names


def _is_discussion(label: str) -> bool:
    try:
        from helpers import exercises
    except ImportError:
        return False
    return exercises.labels().get(label) == "discussion"


def _answer_cells(label: str) -> list:
    if _is_discussion(label):
        # A written answer: an empty markdown cell, no automatic check.
        answer = nbformat.v4.new_markdown_cell(f"*Your answer to the discussion question {label}:*\n\n")
        answer.metadata["tags"] = ["student-answer"]
        return [answer]
    stores = _stores(label)
    if stores:
        what = ", ".join(f"`{name}`" for name in stores)
        text = f"# Your answer to exercise {label}.\n# Store it in {what}, then run the next cell.\n"
    else:
        text = f"# Your answer to exercise {label}.\n"
    answer = nbformat.v4.new_code_cell(text)
    answer.metadata["tags"] = ["student-answer"]
    check = nbformat.v4.new_code_cell(f'helpers.check("{label}")')
    check.metadata["tags"] = ["student-check"]
    return [answer, check]


def _strip_blocks(source: str, where: str) -> tuple[str, list[str]]:
    """Remove ``{solution}`` blocks (fenced) from a markdown cell; return the labels."""
    labels: list[str] = []
    while True:
        m = BLOCK.search(source)
        if not m:
            return source, labels
        fence = m.group("fence")
        closing = re.compile(rf"^{re.escape(fence)}[ \t]*$\n?", re.M)
        end = closing.search(source, m.end())
        if end is None:
            raise MarkerError(f"{where}: a {{solution}} block opened with {fence} is never closed.")
        labels.append(m.group("label") or "")
        source = source[: m.start()].rstrip("\n") + "\n" + source[end.end() :].lstrip("\n")
        source = source.strip("\n")


def student_notebook(nb, name: str = "notebook"):
    """The student edition of one notebook (a new object; ``nb`` is not changed)."""
    out = nbformat.v4.new_notebook(metadata=nb.metadata)
    inside: str | None = None  # the label of the open solution-start
    last_label = None
    counter = 0

    def add(cell):
        nonlocal counter
        cell = nbformat.from_dict(dict(cell))
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("user_expressions", None)
        cell.metadata.pop("execution", None)
        cell["id"] = f"s{counter:03d}"
        counter += 1
        out.cells.append(cell)

    for index, cell in enumerate(nb.cells):
        where = f"{name}, cell {index}"
        if cell.cell_type != "markdown":
            if inside is None:
                add(cell)
            continue
        # A markdown cell may close a solution, hold exercise text, and open the next
        # solution: walk through it marker by marker.
        text = cell.source
        items: list[tuple[str, str]] = []  # ("text", markdown) or ("answer", label), in order
        while True:
            if inside is not None:
                end = END.search(text)
                start = START.search(text)
                if start and (end is None or start.start() < end.start()):
                    raise MarkerError(f"{where}: a {{solution-start}} inside the open solution {inside!r}.")
                if end is None:
                    break  # the whole cell is the solution's explanation
                items.append(("answer", inside))  # text before the end fence is dropped
                inside = None
                text = text[end.end():]
                continue
            start = START.search(text)
            end = END.search(text)
            if end and (start is None or end.start() < start.start()):
                raise MarkerError(f"{where}: a {{solution-end}} without a {{solution-start}}.")
            if start is None:
                items.append(("text", text))
                break
            before = text[: start.start()]
            items.append(("text", before))
            for m in EXERCISE_LABEL.finditer(before):
                last_label = m.group("label")
            label = start.group("label") or last_label
            if not label:
                raise MarkerError(f"{where}: a {{solution-start}} without a label.")
            rest = text[start.end():]
            close = re.search(r"^(`{3,}|:{3,})[ \t]*$\n?", rest, re.M)
            text = rest[close.end():] if close else ""
            if re.match(r"\s*" + END.pattern.lstrip("^"), text):
                raise MarkerError(
                    f"{where}: {{solution-start}} and {{solution-end}} in one cell; "
                    "put the solution's code in cells between them."
                )
            inside = label
        for kind, value in items:
            if kind == "answer":
                for cell_ in _answer_cells(value):
                    add(cell_)
                continue
            body, labels = _strip_blocks(value.strip("\n"), where)
            for m in EXERCISE_LABEL.finditer(body):
                last_label = m.group("label")
            if body.strip():
                new = nbformat.from_dict(dict(cell))
                new.source = body
                add(new)
            for label in labels:
                for cell_ in _answer_cells(label or last_label):
                    add(cell_)
    if inside is not None:
        raise MarkerError(f"{name}: the solution {inside!r} is never closed with {{solution-end}}.")
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=pathlib.Path)
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("student"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for path in args.notebooks:
        nb = nbformat.read(path, as_version=4)
        try:
            student = student_notebook(nb, path.name)
        except MarkerError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        nbformat.write(student, args.out / path.name)
        print(f"{args.out / path.name}: {sum(1 for c in student.cells if 'student-check' in c.metadata.get('tags', []))} exercises")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
