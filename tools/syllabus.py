"""Write the syllabus table of the teacher's page, with measured run times.

    python -m tools.syllabus [--no-run] book/*.ipynb

For every chapter: its title, learning goals, exercises (in class, as homework
or discussion), prerequisites, and the measured wall time of a top-to-bottom run
of the chapter and of its student edition on this machine. Writes
``benchmarks/results/syllabus.md``, which the teacher's page includes; like the
benchmarks, it is re-run by hand (``make syllabus``), not at build time, since
times depend on the machine. ``--no-run`` keeps the stored times and refreshes
the rest.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import re
import sys
import tempfile
import time

import nbformat

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "syllabus.md"
TIMES = ROOT / "benchmarks" / "results" / "syllabus_times.json"
EXERCISE = re.compile(r"^(`{3,}|:{3,})\{exercise\}\s*(?P<title>[^\n]*)\n:label:\s*(?P<label>\S+)", re.M)

#: What a student should have done before each chapter (a teaching judgement, not a measurement).
PREREQUISITES = {
    "01_panels": "Python with pandas and NumPy; a first course in statistics",
    "02_fama_macbeth": "chapter 1; linear regression and standard errors",
    "03_testing_factor_models": "chapter 2; hypothesis tests and p-values",
    "04_cross_sectional_pipeline": "chapters 1–2; scikit-learn's fit/transform",
    "05_walk_forward": "chapter 4",
    "06_model_comparison": "chapter 5; decision trees (any introduction)",
    "07_feature_importance": "chapter 6",
    "08_lasso_selection": "chapters 2 and 5; ridge regression",
    "09_information_coefficient": "chapter 5; rank correlation",
    "11_us_stocks_data": "chapter 1",
    "12_us_stocks_premia": "chapters 2, 9 and 11",
    "13_us_stocks_forecasting": "chapters 6, 7, 8 and 11",
    "scaling_out": "chapters 2, 5, 6 and 7",
    "14_statistical_factors": "chapters 2, 5 and 9; principal components (any introduction)",
}


def chapter(path: pathlib.Path) -> dict:
    nb = nbformat.read(path, as_version=4)
    first = next(c.source for c in nb.cells if c.cell_type == "markdown")
    title = re.search(r"^# (.+)$", first, re.M).group(1).strip()
    goals = []
    if "After this chapter you can" in first:
        tail = first.split("After this chapter you can", 1)[1]
        goals = [g.strip().rstrip(";.") for g in re.findall(r"^- (.+)$", tail, re.M)]
    exercises = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for m in EXERCISE.finditer(cell.source):
                name = m.group("title").strip()
                kind = "discussion" if "discussion" in name.lower() else "homework" if "project" in name.lower() else "in class"
                exercises.append({"label": m.group("label"), "title": name, "kind": kind})
    return {"stem": path.stem, "title": title, "goals": goals, "exercises": exercises}


def measure(path: pathlib.Path) -> dict:
    from tools.execute import InlineClient
    from tools.student import student_notebook

    times = {}
    with tempfile.TemporaryDirectory() as tmp:
        for edition in ("book", "student"):
            nb = nbformat.read(path, as_version=4)
            if edition == "student":
                nb = student_notebook(nb, path.name)
            client = InlineClient(nb, timeout=600, kernel_name="python3", allow_errors=edition == "student",
                                  resources={"metadata": {"path": tmp}})
            start = time.perf_counter()
            client.execute()
            times[edition] = time.perf_counter() - start
    return times


def _session(stem: str):
    """A chapter's session number (its file number); an appendix, such as scaling_out, is 'A'."""
    return int(stem[:2]) if stem[:2].isdigit() else "A"


def render(chapters: list[dict], times: dict, machine: str) -> str:
    lines = [
        f"Run times measured on {machine} by `make syllabus` "
        "(wall time of a top-to-bottom run, kernel start included).",
        "",
        "| Session | Chapter | Run time | Student edition | In class | Homework |",
        "|---|---|---|---|---|---|",
    ]
    for ch in chapters:
        number = _session(ch["stem"])
        t = times.get(ch["stem"], {})
        book = f"{t['book']:.0f} s" if "book" in t else "–"
        student = f"{t['student']:.0f} s" if "student" in t else "–"
        in_class = ", ".join(f"`{e['label']}`" for e in ch["exercises"] if e["kind"] == "in class") or "–"
        home = ", ".join(f"`{e['label']}`" for e in ch["exercises"] if e["kind"] == "homework") or "–"
        lines.append(f"| {number} | {{doc}}`{ch['stem']}` | {book} | {student} | {in_class} | {home} |")
        if number == 9:
            lines.append("| 10 | {doc}`10_summary` (review) | – | – | the cheat sheet, questions | – |")
    lines.append("")
    for ch in chapters:
        number = _session(ch["stem"])
        lines += [f"### Session {number}: {ch['title']}", ""]
        lines.append(f"*Before:* {PREREQUISITES.get(ch['stem'], 'the previous chapters')}.")
        lines.append("")
        if ch["goals"]:
            lines.append("*Goals:* after the session a student can")
            lines.append("")
            lines += [f"- {g};" for g in ch["goals"][:-1]] + [f"- {ch['goals'][-1]}."]
            lines.append("")
        lines.append("*Exercises:*")
        lines.append("")
        for e in ch["exercises"]:
            lines.append(f"- `{e['label']}`: {e['title']} ({e['kind']})")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=pathlib.Path)
    parser.add_argument("--no-run", action="store_true")
    args = parser.parse_args(argv)
    stored = json.loads(TIMES.read_text()) if TIMES.is_file() else {"machine": "", "times": {}}
    chapters = [chapter(p) for p in args.notebooks]
    times, machine = stored["times"], stored["machine"]
    if not args.no_run:
        threads = os.environ.get("OMP_NUM_THREADS", "all")
        machine = (f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
                   f"{'one thread' if threads == '1' else threads + ' threads'} per notebook as in make test")
        for path in args.notebooks:
            times[path.stem] = measure(path)
            print(f"{path.name}: {times[path.stem]['book']:.0f} s, student edition {times[path.stem]['student']:.0f} s", flush=True)
        TIMES.write_text(json.dumps({"machine": machine, "times": times}, indent=1) + "\n")
    OUT.write_text(render(chapters, times, machine or "(not measured yet)"))
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
