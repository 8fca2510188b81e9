"""pytest plugin: strict nbval also checks the numbers inserted in the prose.

Loaded with ``-p tools.nbval_inline`` beside ``--nbval``. After nbval has run a
code cell (and compared its outputs), the markdown cells that follow it, up to
the next code cell, have their ``{eval}`` expressions evaluated in the same
kernel; a value that differs from the stored one fails that code cell's test,
naming the expression and both values. The notebook runs once for both checks.
"""

from __future__ import annotations

import pytest

from tools.inline import expressions, stored_results, text_of


def _following_markdown(nb, cell):
    cells = nb.cells
    index = next(i for i, c in enumerate(cells) if c is cell)
    for c in cells[index + 1 :]:
        if c.cell_type == "code":
            break
        if c.cell_type == "markdown":
            yield c


def _evaluate(kernel, exprs, timeout=60):
    msg_id = kernel.kc.execute(
        "",
        silent=False,
        store_history=False,
        user_expressions={str(i): e for i, e in enumerate(exprs)},
    )
    while True:
        msg = kernel.get_message(stream="shell", timeout=timeout)
        if msg["parent_header"].get("msg_id") == msg_id:
            break
    kernel.await_idle(msg_id, timeout)
    values = msg["content"]["user_expressions"]
    return [values[str(i)] for i in range(len(exprs))]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    parent = getattr(item, "parent", None)
    kernel = getattr(parent, "kernel", None)
    nb = getattr(parent, "nb", None)
    cell = getattr(item, "cell", None)
    if kernel is None or nb is None or cell is None:
        return result
    problems = []
    for md in _following_markdown(nb, cell):
        exprs = expressions(md.source)
        if not exprs:
            continue
        stored = stored_results(md)
        for expr, now in zip(exprs, _evaluate(kernel, exprs)):
            if expr not in stored:
                problems.append(f"{{eval}}`{expr}` has no stored value")
            elif now.get("status") != "ok":
                problems.append(f"{{eval}}`{expr}` raised {now.get('ename')}: {now.get('evalue')}")
            elif now.get("data") != stored[expr].get("data"):
                problems.append(
                    f"{{eval}}`{expr}` is now {text_of(now)!r}; the notebook stores "
                    f"{text_of(stored[expr])!r}"
                )
    if problems:
        raise AssertionError(
            "numbers in the prose after this cell do not match a fresh run "
            "(re-run with `make execute NB=...`):\n  " + "\n  ".join(problems)
        )
    return result
