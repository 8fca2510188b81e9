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


# --------------------------------------------------------------------------
# Numbers in the prose come from the code.
#
# A result quoted in a markdown cell is written as {eval}`expression` (see
# tools/inline.py): the value is computed by the kernel and checked by nbval.
# This test fails when a markdown cell states a result by hand. The rule:
#
# * Flagged: a decimal number (0.111, 1.4), a percentage (16.6 %, 5%), a
#   multiplier (3x, 1.4×) and a ratio in words (twice as, three times, ten-fold).
# * Not looked at: {eval} roles, inline code and code blocks (parameters such as
#   `alpha=0.01` are code), directive options (:label: ...), links, HTML comments.
# * Allowed: a sentence that cites a paper ({cite...}), for published figures,
#   and the conventional levels 1 %, 5 %, 10 %, 90 %, 95 %, 99 %. A fixed
#   input (a parameter of the simulator, a learning rate) is written as code,
#   `0.045`, or inserted from the object that holds it; a constant in a
#   formula as a fraction (\tfrac12).
# Integers are not flagged (counts, years, sizes are mostly inputs), but
# integer *results* are inserted with {eval} all the same.
# --------------------------------------------------------------------------

_NUMBER_WORDS = r"(?:two|three|four|five|six|seven|eight|nine|ten|a hundred|\d+)"
_FLAGGED = re.compile(
    r"(?<![\w.])\d+(?:\.\d+)?\s?(?:×|x\b)"  # multipliers
    r"|(?<![\w.])\d+\.\d+(?:\s?%)?(?![\w.]*\d)"  # decimals, also as percent
    r"|(?<![\w.])\d+\s?%"  # whole percentages
    r"|\b(?:twice (?:as|the)|thrice|" + _NUMBER_WORDS + r"[- ](?:times|fold))\b",
    re.IGNORECASE,
)
_CONVENTIONAL = {"1%", "5%", "10%", "90%", "95%", "99%"}
_STRIP = [
    re.compile(r"```.*?```", re.DOTALL),  # fenced blocks (code, and directive heads)
    re.compile(r"<!--.*?-->", re.DOTALL),
    re.compile(r"\{eval\}`[^`]+`"),
    re.compile(r"\{(?!cite)[\w:-]+\}`[^`]*`"),  # other roles: {ref}, {eq}, {doc}
    re.compile(r"``[^`]+``|`[^`]+`"),
    re.compile(r"\]\([^)]*\)"),  # link targets
    re.compile(r"^\s*:[\w-]+:.*$", re.MULTILINE),  # directive options
    re.compile(r"^\s*\(.*\)=\s*$", re.MULTILINE),  # target labels
]


def _normalise(token: str) -> str:
    return re.sub(r"\s+", "", token).lower()


def _directive_bodies(text: str) -> str:
    """Keep the bodies of exercise/solution/admonition fences, drop code fences."""
    return re.sub(
        r"```\{(exercise|solution|admonition|note|important|warning|tip)\}[^\n]*\n(.*?)```",
        lambda m: m.group(2),
        text,
        flags=re.DOTALL,
    )


def hand_typed_numbers(markdown: str) -> list[str]:
    """Result-like numbers typed by hand in one markdown cell (see the rule above)."""
    text = _directive_bodies(markdown)
    for pattern in _STRIP:
        text = pattern.sub(" ", text)
    found = []
    for sentence in re.split(r"(?<=[.!?:;])\s+(?=[A-Z(*])|\n\s*\n|\n\s*[-*] ", text):
        if "{cite" in sentence:
            continue
        for m in _FLAGGED.finditer(sentence):
            token = _normalise(m.group(0))
            if token in _CONVENTIONAL:
                continue
            found.append(m.group(0))
    return found


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The pooled t is 3.16, the FM t 1.05.", ["3.16", "1.05"]),
        ("Coverage is 83.3 % and the IC rose ten times.", ["83.3 %", "ten times"]),
        ("SEs are about 1.4× too small; twice as large.", ["1.4×", "twice as"]),
        ("We compute it twice.", []),
        ("The pooled t is {eval}`f'{t:.2f}'` at the 5 % level.", []),
        ("Set `alpha=0.01`, from 1949 to 2017, with 200 panels.", []),
        ("Gu et al. report 0.40 % a month {cite:p}`gu2020empirical`.", []),
        ("The market premium is `0.006` a month.", []),
        ("The market premium is 0.6 % a month. <!-- fixed: 0.6 % -->", ["0.6 %"]),
        ("See {ref}`sec-2.1` and $r_{i,t+1}$ and [v](http://x/1.5).", []),
    ],
)
def test_the_hand_typed_number_rule(text, expected):
    assert hand_typed_numbers(text) == expected


def test_no_result_is_typed_by_hand_in_the_prose(notebook):
    path, nb = notebook
    problems = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "markdown":
            found = hand_typed_numbers("".join(cell["source"]))
            if found:
                problems.append(f"cell {i}: {found}")
    assert not problems, (
        f"{path.name}: numbers typed by hand in the prose (insert them with "
        "{eval}`...` from the code; write a fixed input as code):\n  "
        + "\n  ".join(problems)
    )


def test_every_inline_value_is_stored(notebook):
    from tools.inline import expressions, notebook_results, stored_results

    path, nb = notebook
    notebook_results(path)  # one expression, one value per notebook
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown":
            assert "user_expressions" not in cell.get("metadata", {})
            continue
        exprs = expressions("".join(cell["source"]))
        stored = stored_results(cell)
        assert set(stored) == set(exprs), (
            f"{path.name}: markdown cell {i} has {{eval}} expressions {exprs} but stores "
            f"values for {sorted(stored)}; re-run with `make execute NB=book/{path.name}`."
        )
        for expr, result in stored.items():
            assert result.get("status") == "ok", f"{path.name}: cell {i}: {expr} failed"


# --------------------------------------------------------------------------
# Accessibility: every figure has alt text that says what it shows, and a caption.
# MyST-NB reads them from the cell's metadata (mystnb.image.alt, mystnb.figure.caption);
# without them the rendered image's alt text is a file hash.
# --------------------------------------------------------------------------


def _figure_cells(nb):
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code" and any(
            "image/png" in out.get("data", {}) for out in cell.get("outputs", [])
        ):
            yield i, cell


def meaningful_alt(text: str) -> bool:
    """Alt text that describes a figure: a sentence or more, not a file name or hash."""
    words = re.findall(r"[A-Za-z]{2,}", text or "")
    return len(words) >= 12 and not re.search(r"\b[0-9a-f]{16,}\b|\.png\b", text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("529122b45b5f1ae7ace1c46324dadd334c152146266dcfea264109d6a95138dc", False),
        ("A figure.", False),
        ("Line chart of the number of stocks per month from 2011 to 2020; it dips, then rises.", True),
    ],
)
def test_the_alt_text_rule(text, expected):
    assert meaningful_alt(text) is expected


def test_every_figure_has_alt_text_and_a_caption(notebook):
    path, nb = notebook
    problems = []
    for i, cell in _figure_cells(nb):
        meta = cell.get("metadata", {}).get("mystnb", {})
        alt = meta.get("image", {}).get("alt", "")
        caption = meta.get("figure", {}).get("caption", "")
        if not meaningful_alt(alt):
            problems.append(f"cell {i}: alt text missing or not descriptive: {alt!r}")
        if not caption.strip():
            problems.append(f"cell {i}: no caption")
        typed = hand_typed_numbers(alt) + hand_typed_numbers(caption)
        if typed:
            problems.append(f"cell {i}: alt text or caption types results by hand: {typed}")
    assert not problems, (
        f"{path.name}: set mystnb.image.alt and mystnb.figure.caption in the figure's cell "
        "metadata (what the figure shows, for a reader who cannot see it):\n  " + "\n  ".join(problems)
    )
