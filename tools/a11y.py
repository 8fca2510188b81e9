"""Accessibility fixes of the rendered HTML that the theme and extensions do not make.

A Sphinx extension (``local_extensions`` in ``_config.yml``). After the build it
rewrites, in every HTML page, the few things an automated WCAG 2.1 AA check
(axe-core) reports in the theme's and sphinxcontrib-bibtex's markup:

* the search field's ``aria-label="Search"`` hides its visible text ("Search
  Ctrl+K") from assistive technology: the label is removed, so the button's
  name is its visible text (WCAG 2.5.3, label in name);
* the colour-mode button's name does not include the names of its three modes;
* the bibliography uses the deprecated ARIA role ``doc-biblioentry`` and a
  ``role="list"`` whose children are not list items: both roles are removed
  (the entries stay ordinary, labelled blocks).

Link colours with too little contrast on tinted boxes are fixed in
``_static/book.css``. Nothing here changes the content of a page.
"""

from __future__ import annotations

import pathlib
import re

REWRITES = [
    (re.compile(r'(<button class="btn search-button-field[^"]*"[^>]*?) aria-label="Search"'), r"\1"),
    (
        re.compile(r'(<button class="[^"]*theme-switch-button[^"]*"[^>]*?)aria-label="Color mode"'),
        r'\1aria-label="Color mode: Light, Dark or System Settings"',
    ),
    (re.compile(r' role="doc-biblioentry"'), ""),
    (re.compile(r'<div role="list" class="citation-list">'), '<div class="citation-list">'),
]


def fix_html(text: str) -> str:
    for pattern, replacement in REWRITES:
        text = pattern.sub(replacement, text)
    return text


def _fix_build(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    for path in pathlib.Path(app.outdir).rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        fixed = fix_html(text)
        if fixed != text:
            path.write_text(fixed, encoding="utf-8")


def setup(app):
    app.connect("build-finished", _fix_build)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
