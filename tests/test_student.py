"""Tests for the student edition (tools/student.py) and the exercise framework (helpers.exercises)."""

from __future__ import annotations

import json
import pathlib
import re

import nbformat
import pytest

import helpers
from helpers import exercises
from tools.student import MarkerError, student_notebook

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))
LABEL = re.compile(r"\{exercise\}[^\n]*\n:label:\s*(\S+)")


def _nb(*cells):
    nb = nbformat.v4.new_notebook()
    for kind, source in cells:
        make = nbformat.v4.new_markdown_cell if kind == "md" else nbformat.v4.new_code_cell
        nb.cells.append(make(source))
    return nb


EXERCISE = "```{exercise} Title\n:label: usd-ex-ivol\n\nStore it in `x`.\n```"
START = "```{solution-start} usd-ex-ivol\n:class: dropdown\n```"
END = "```{solution-end}\n```"


# ---------------------------------------------------------------------------
# The student edition on small notebooks
# ---------------------------------------------------------------------------


def test_code_solution_is_replaced_by_an_answer_and_a_check_cell():
    nb = _nb(
        ("code", "import helpers"),
        ("md", EXERCISE),
        ("md", START),
        ("code", "x = 42  # the solution"),
        ("md", "Why 42.\n\n" + END + "\n\nText after the solution stays."),
        ("code", "print('next section')"),
    )
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", text="out")]
    nb.cells[0].execution_count = 1
    out = student_notebook(nb, "toy")
    sources = [c.source for c in out.cells]
    assert not any("x = 42" in s or "Why 42" in s or "solution-" in s for s in sources)
    assert sources[-3:] == [
        'helpers.check("usd-ex-ivol")',
        "Text after the solution stays.",
        "print('next section')",
    ]
    answer = out.cells[2]
    assert "student-answer" in answer.metadata["tags"]
    # The answer cell names what the exercise's checks read.
    assert "`corr_ivol_t`" in answer.source and "`corr_ivol_t_minus_1`" in answer.source
    assert out.cells[0].outputs == [] and out.cells[0].execution_count is None
    assert EXERCISE in sources


def test_inline_solution_block_is_removed_and_the_exercise_kept():
    nb = _nb(("md", EXERCISE + "\n\n```{solution} usd-ex-ivol\n:class: dropdown\n\nThe answer is 42.\n```\n"))
    out = student_notebook(nb, "toy")
    assert out.cells[0].source.strip() == EXERCISE
    assert out.cells[2].source == 'helpers.check("usd-ex-ivol")'


def test_inline_values_are_cleared():
    nb = _nb(("md", "The value is {eval}`x`."))
    nb.cells[0].metadata["user_expressions"] = [{"expression": "x", "result": {}}]
    out = student_notebook(nb, "toy")
    assert "user_expressions" not in out.cells[0].metadata


@pytest.mark.parametrize(
    "cells, message",
    [
        ([("md", EXERCISE), ("md", START), ("code", "x = 1")], "never closed"),
        ([("md", EXERCISE), ("md", END)], "without a {solution-start}"),
        ([("md", EXERCISE), ("md", START), ("md", START)], "inside the open solution"),
        ([("md", EXERCISE + "\n\n```{solution} usd-ex-ivol\nno end")], "never closed"),
        ([("md", EXERCISE), ("md", START + "\n" + END)], "in one cell"),
    ],
)
def test_unpaired_markers_are_errors(cells, message):
    with pytest.raises(MarkerError, match=re.escape(message)):
        student_notebook(_nb(*cells), "toy.ipynb")


def test_error_names_notebook_and_cell():
    with pytest.raises(MarkerError, match=r"toy.ipynb, cell 1"):
        student_notebook(_nb(("md", EXERCISE), ("md", END)), "toy.ipynb")


# ---------------------------------------------------------------------------
# The student edition of the book
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module", params=NOTEBOOKS, ids=lambda p: p.name)
def book_and_student(request):
    nb = nbformat.read(request.param, as_version=4)
    return request.param, nb, student_notebook(nb, request.param.name)


def _solution_code(nb):
    """The sources of the code cells between solution-start and solution-end markers."""
    inside, found = False, []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            if "{solution-start}" in cell.source:
                inside = True
            if "{solution-end}" in cell.source:
                inside = False
        elif inside and cell.source.strip():
            found.append(cell.source)
    return found


def test_student_edition_of_the_book_has_no_solutions(book_and_student):
    path, nb, student = book_and_student
    text = "\n".join(c.source for c in student.cells)
    assert not re.search(r"\{solution(-start|-end)?\}", text), path.name
    student_code = {c.source for c in student.cells if c.cell_type == "code"}
    solution_code = {s for s in _solution_code(nb) if not re.fullmatch(r'helpers\.check\("[^"]+"\)\s*', s)}
    assert not student_code & solution_code, path.name
    assert all(c.get("outputs", []) == [] for c in student.cells if c.cell_type == "code")


def test_student_edition_has_one_check_per_exercise(book_and_student):
    path, nb, student = book_and_student
    labels = [m for c in nb.cells if c.cell_type == "markdown" for m in LABEL.findall(c.source)]
    solved = [
        label
        for label in labels
        if any(re.search(r"\{solution(-start)?\}\s*" + re.escape(label) + r"\b", c.source) for c in nb.cells)
    ]
    checks = [c.source for c in student.cells if "student-check" in c.metadata.get("tags", [])]
    discussion = {k for k, v in exercises.labels().items() if v == "discussion"}
    assert checks == [f'helpers.check("{label}")' for label in solved if label not in discussion], path.name
    answers = [c for c in student.cells if "student-answer" in c.metadata.get("tags", [])]
    assert len(answers) == len(solved), path.name
    # The exercise texts are kept.
    kept = "\n".join(c.source for c in student.cells if c.cell_type == "markdown")
    assert all(f":label: {label}" in kept for label in labels)


# ---------------------------------------------------------------------------
# The exercise framework
# ---------------------------------------------------------------------------


def test_unknown_label_is_an_error_that_lists_the_known_ones():
    with pytest.raises(KeyError, match="No exercise is labelled 'usd-ex-nope'.*usd-ex-ivol"):
        helpers.check("usd-ex-nope", {})


def test_missing_and_wrong_kinds_fail_with_a_message_not_an_exception():
    missing = helpers.check("usd-ex-weights", {})
    assert not missing.passed and "store your answer in `below_median_share`" in repr(missing)
    wrong_kind = helpers.check("usd-ex-weights", {"below_median_share": "1 %", "n_half": 96})
    assert not wrong_kind.passed and "should be a number; it is a str" in repr(wrong_kind)
    nan = helpers.check("usd-ex-leavers", {"share_illiquid_leavers": float("nan")})
    assert not nan.passed and "a finite number is expected" in repr(nan)


def test_check_reads_the_callers_globals():
    # check() without a namespace reads the calling module's globals: here, none is stored.
    result = helpers.check("usd-ex-leavers")
    assert not result.passed and "store your answer" in repr(result)


def test_wrong_answers_get_their_hints():
    """Three exercises, three typical mistakes, three specific hints."""
    weights = helpers.check("usd-ex-weights", {"below_median_share": 1.23, "n_half": 96})
    assert not weights.passed and "not a percentage" in repr(weights)
    far = helpers.check("usd-ex-weights", {"below_median_share": 0.0123, "n_half": 4000})
    assert "start from the largest stocks" in repr(far)
    leavers = helpers.check("usd-ex-leavers", {"share_illiquid_leavers": 0.5})
    assert not leavers.passed and "compare it with the median of the same date" in repr(leavers)
    # The ivol check spots swapped values and signed returns from its own references.
    from helpers._exercise_checks.ch11_us_stocks_data import _ivol_references

    ref = _ivol_references()
    swapped = helpers.check("usd-ex-ivol", {"corr_ivol_t": ref["t-1"], "corr_ivol_t_minus_1": ref["t"]})
    assert not swapped.passed and "swapped" in repr(swapped)
    signed = helpers.check("usd-ex-ivol", {"corr_ivol_t": ref["t"], "corr_ivol_t_minus_1": ref["signed t-1"]})
    assert not signed.passed and "signed return" in repr(signed)


def test_private_checks_are_added_to_the_book_ones(tmp_path):
    extra = tmp_path / "private.py"
    extra.write_text(
        "from helpers.exercises import exercise\n"
        "@exercise('usd-ex-leavers', stores=['share_illiquid_leavers'])\n"
        "def must_be_rounded(c):\n"
        "    v = c.number('share_illiquid_leavers')\n"
        "    c.expect(round(v, 2) == v, ok='rounded', hint='round it to two decimals (private rule)')\n"
    )
    try:
        assert exercises.load_checks(extra) == ["usd-ex-leavers"]
        result = helpers.check("usd-ex-leavers", {"share_illiquid_leavers": 0.123456})
        assert "round it to two decimals (private rule)" in repr(result)
    finally:
        exercises._REGISTRY["usd-ex-leavers"] = [
            entry for entry in exercises._REGISTRY["usd-ex-leavers"] if entry[0] != "must_be_rounded"
        ]


def test_stored_solution_checks_all_pass():
    """Every check call stored in a chapter's solutions says 'all checks passed' (nbval re-runs them)."""
    seen = 0
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] != "code" or "helpers.check(" not in source:
                continue
            for label in re.findall(r'helpers\.check\("([^"]+)"\)', source):
                text = "".join(
                    "".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
                    for o in cell["outputs"]
                )
                assert f"{label}: all checks passed" in text, f"{path.name}: {label}"
                seen += 1
    assert seen >= 3


def test_every_exercise_has_a_check_or_is_a_discussion_question():
    """Every exercise label of the book is known to helpers.exercises, and nothing else is."""
    book_labels = set()
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        book_labels |= {m for c in nb.cells if c.cell_type == "markdown" for m in LABEL.findall(c.source)}
    known = exercises.labels()
    assert book_labels - set(known) == set(), "exercises without a check (or a discussion() declaration)"
    assert set(known) - book_labels == set(), "checks for labels that no exercise has"
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        for c in nb.cells:
            if c.cell_type == "markdown":
                for m in re.finditer(r"\{exercise\}([^\n]*)\n:label:\s*(\S+)", c.source):
                    title, label = m.group(1), m.group(2)
                    if known.get(label) == "discussion":
                        assert "discussion" in title.lower(), f"{label}: say (discussion) in the title"
