"""Execute notebooks top to bottom and store their outputs and inline values.

    python -m tools.execute book/02_fama_macbeth.ipynb [more notebooks]

Like ``jupyter nbconvert --execute --inplace`` (no timing metadata, so a re-run
is byte-identical), and in addition evaluates the ``{eval}`` expressions of
every markdown cell in the kernel at that point of the run, storing them in the
cell's ``user_expressions`` metadata (see ``tools/inline.py``). An expression
that raises stops the run with the cell and the error.
"""

from __future__ import annotations

import pathlib
import sys

import nbformat
from nbclient import NotebookClient

from tools.inline import METADATA_KEY, expressions


class InlineError(RuntimeError):
    pass


class InlineClient(NotebookClient):
    """An nbclient that also evaluates the inline expressions of markdown cells."""

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        if cell.cell_type != "markdown":
            return await super().async_execute_cell(
                cell, cell_index, execution_count=execution_count, store_history=store_history
            )
        exprs = expressions(cell.source)
        if not exprs:
            cell.metadata.pop(METADATA_KEY, None)
            return cell
        msg_id = self.kc.execute(
            "",
            silent=False,
            store_history=False,
            user_expressions={str(i): e for i, e in enumerate(exprs)},
        )
        reply = await self.async_wait_for_reply(msg_id, cell)
        values = reply["content"]["user_expressions"]
        stored = []
        for i, expr in enumerate(exprs):
            result = values[str(i)]
            if result.get("status") != "ok":
                raise InlineError(
                    f"markdown cell {cell_index}: {{eval}}`{expr}` raised "
                    f"{result.get('ename')}: {result.get('evalue')}"
                )
            stored.append({"expression": expr, "result": result})
        cell.metadata[METADATA_KEY] = stored
        return cell


def execute(path: pathlib.Path, timeout: int = 600) -> None:
    nb = nbformat.read(path, as_version=4)
    client = InlineClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    nbformat.write(nb, path)


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m tools.execute NOTEBOOK [NOTEBOOK ...]", file=sys.stderr)
        return 2
    for name in argv:
        print(f"executing {name}", flush=True)
        execute(pathlib.Path(name))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
