"""Tests for the slide decks (tools/slides.py): offline, no solutions, maths and figures."""

from __future__ import annotations

import pathlib
import re

import nbformat
import pytest

from tools.slides import main

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    out = tmp_path_factory.mktemp("slides")
    assert main(["--out", str(out), *map(str, NOTEBOOKS)]) == 0
    return out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_deck_is_offline_and_has_no_solutions(decks, path):
    page = (decks / f"{path.stem}.html").read_text()
    # No network: every script and image is local or embedded.
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page), "a remote resource"
    assert re.findall(r"<script[^>]*src=\"([^\"]+)\"", page) == ["mathjax/tex-chtml.js"]
    assert (decks / "mathjax" / "tex-chtml.js").is_file()
    nb = nbformat.read(path, as_version=4)
    labels = re.findall(r":label:\s*(\S+)", "\n".join(c.source for c in nb.cells if c.cell_type == "markdown"))
    for label in labels:
        assert label not in page, f"exercise {label} is in the deck"
    assert "{solution" not in page and "{exercise" not in page and "{eval}" not in page
    # Slides: a title, several sections; every figure has alt text.
    assert page.count("<section") >= 4
    assert all(alt.strip() for alt in re.findall(r"<img [^>]*alt='([^']*)'", page))
    assert "<h1>" in page


def test_maths_is_left_for_the_local_mathjax(decks):
    page = (decks / "02_fama_macbeth.html").read_text()
    assert r"\(" in page and "$" not in re.sub(r"<script.*?</script>", "", page, flags=re.S).replace("$$", "")
