"""Build a slide deck for each chapter from its notebook: headings, key points, key figures.

    python -m tools.slides --out slides book/*.ipynb

One self-contained HTML file per chapter (figures embedded), plus one shared
copy of MathJax (from the pinned sphinx-mathjax-offline package) in
``slides/mathjax``: the decks open from disk with no network, and the maths is
typeset. Each deck has

* a title slide: the chapter's title and learning goals;
* one slide per section (``##`` heading) up to the exercises: the section's first
  paragraph (or list), its first display equation and its first figure;
* the pitfalls box and the summary, each as a slide.

Exercises and solutions are never included. Numbers in the prose are the stored
``{eval}`` values. Keys: → / space / click for the next slide, ← for the
previous one, Home / End; printing gives one slide per page.
"""

from __future__ import annotations

import argparse
import html
import pathlib
import re
import shutil
import sys

import nbformat
from markdown_it import MarkdownIt

from tools.inline import EVAL_ROLE, stored_results, text_of

MD = MarkdownIt("commonmark", {"html": False}).enable("table")
FENCE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w-]+)\}(?P<arg>[^\n]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.M | re.S)
ROLE = re.compile(r"\{(?P<role>[\w:-]+)\}`(?P<text>[^`]*)`")
DISPLAY = re.compile(r"\$\$(?P<tex>.+?)\$\$(?:\s*\((?P<label>[\w:-]+)\))?", re.S)
INLINE = re.compile(r"(?<![\\$])\$(?P<tex>(?:[^$\n]|\n(?!\s*\n))+?)\$")
SKIP_SECTIONS = ("exercise",)


def _mathjax_folder() -> pathlib.Path:
    import importlib.util

    spec = importlib.util.find_spec("sphinx-mathjax-offline".replace("-", "_"))
    if spec is None:  # the package's folder has dashes: find it next to sphinx
        import sphinx

        base = pathlib.Path(sphinx.__file__).resolve().parents[1] / "sphinx-mathjax-offline"
    else:
        base = pathlib.Path(spec.origin).parent
    folder = base / "static" / "mathjax"
    if not (folder / "tex-chtml.js").is_file():
        raise FileNotFoundError(f"MathJax not found at {folder}; install the pinned sphinx-mathjax-offline.")
    return folder


def _bibliography() -> dict[str, str]:
    """citation key -> "Author & Author (year)" from references.bib (a small parser)."""
    path = pathlib.Path(__file__).resolve().parents[1] / "references.bib"
    names: dict[str, str] = {}
    if not path.is_file():
        return names
    for entry in re.split(r"\n@", path.read_text(encoding="utf-8")):
        key = re.match(r"@?\w+\{([^,]+),", entry.strip())
        author = re.search(r"author\s*=\s*\{(.+?)\}\s*,\s*\n", entry, re.S)
        year = re.search(r"year\s*=\s*\{?(\d{4})", entry)
        if not (key and year):
            continue
        people = [p.strip() for p in (author.group(1) if author else "").replace("\n", " ").split(" and ") if p.strip()]
        last = [re.sub(r"[{}]", "", p.split(",")[0] if "," in p else p.split()[-1]) for p in people]
        who = last[0] + " et al." if len(last) > 2 else " & ".join(last) if last else key.group(1)
        names[key.group(1).strip()] = f"{who} {year.group(1)}"
    return names


BIB = _bibliography()


def _roles(text: str, values: dict) -> str:
    text = EVAL_ROLE.sub(lambda m: text_of(values[m.group("expr")]) if m.group("expr") in values else "…", text)

    def role(m):
        name, body = m.group("role"), m.group("text")
        if name == "math":
            return f"${body}$"
        if name == "cite":
            return "(" + "; ".join(BIB.get(k.strip(), k.strip()) for k in body.split(",")) + ")"
        if name in ("ref", "numref") and "-ex-" in body:
            return "an exercise"
        if name in ("doc", "ref", "numref"):
            shown = re.match(r"(.*?)\s*<.*>$", body)
            return shown.group(1) if shown else body.split("/")[-1]
        if name == "eq":
            return f"({body})"
        return body

    return ROLE.sub(role, text)


def _render(markdown: str) -> str:
    """Markdown with $...$ maths to HTML, the maths left for MathJax as \\( \\) and \\[ \\]."""
    maths: list[str] = []

    def keep(tex: str, display: bool) -> str:
        maths.append((r"\[" if display else r"\(") + tex.strip() + (r"\]" if display else r"\)"))
        return f"MATH{len(maths) - 1}X"

    markdown = DISPLAY.sub(lambda m: "\n\n" + keep(m.group("tex"), True) + "\n\n", markdown)
    markdown = INLINE.sub(lambda m: keep(m.group("tex"), False), markdown)
    out = MD.render(markdown)
    return re.sub(r"MATH(\d+)X", lambda m: html.escape(maths[int(m.group(1))], quote=False), out)


def _first_block(markdown: str) -> str:
    """The first paragraph or list of a section's text, and its first display equation."""
    blocks = [b for b in re.split(r"\n\s*\n", markdown.strip()) if b.strip()]
    text = [b for b in blocks if not b.lstrip().startswith(("$$", "#"))]
    chosen = text[:1]
    if chosen and chosen[0].rstrip().endswith(":") and len(text) > 1:
        chosen.append(text[1])  # "... as follows:" needs what follows
    equation = next((b for b in blocks if b.lstrip().startswith("$$")), None)
    if equation:
        chosen.append(equation)
    return "\n\n".join(chosen)


def _figures(cell) -> list[tuple[str, str]]:
    found = []
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        if "image/png" in data:
            alt = cell.get("metadata", {}).get("mystnb", {}).get("image", {}).get("alt", "")
            found.append((data["image/png"].replace("\n", ""), alt))
    return found


def deck(nb, name: str) -> tuple[str, int]:
    """The HTML of one chapter's deck and its number of slides."""
    title, goals = name, ""
    sections: list[dict] = []
    current = None
    pitfalls, summary = "", ""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            values = stored_results(cell)
            source = cell.source
            for m in FENCE.finditer(source):
                if m.group("name") == "admonition" and "pitfall" in m.group("arg").lower():
                    body = re.sub(r"^:[\w-]+:.*$", "", m.group("body"), flags=re.M)
                    pitfalls = _roles(body, values)
            source = FENCE.sub("", source)
            for part in re.split(r"^(?=#{1,2} )", source, flags=re.M):
                head = re.match(r"^(#{1,2}) (.+)$", part, re.M)
                if head and head.start() == 0:
                    level, text = len(head.group(1)), head.group(2).strip()
                    body = part[head.end():]
                    if level == 1:
                        title = text
                        goals = _roles(body, values)
                        current = None
                        continue
                    if any(word in text.lower() for word in SKIP_SECTIONS):
                        current = {"skip": True}
                        continue
                    if text.lower().startswith("summary"):
                        summary = _roles(body, values)
                        current = {"skip": True}
                        continue
                    current = {"title": _roles(text, values), "text": _roles(body, values), "figure": None}
                    sections.append(current)
                elif current is not None and not current.get("skip") and not current["text"].strip():
                    current["text"] = _roles(part, values)
        elif cell.cell_type == "code" and current is not None and not current.get("skip"):
            if current["figure"] is None:
                figures = _figures(cell)
                if figures:
                    current["figure"] = figures[0]
            if current.get("code") is None and cell.source.strip():
                current["code"] = cell.source

    slides = []
    goal_list = re.search(r"(\*\*After this chapter.*)", goals, re.S)
    intro = _first_block(goals.split("**After this chapter")[0]) if goals else ""
    slides.append(
        f"<section class='title'><h1>{html.escape(title)}</h1>"
        f"{_render(intro)}{_render(goal_list.group(1)) if goal_list else ''}</section>"
    )
    for section in sections:
        figure = ""
        if section["figure"]:
            data, alt = section["figure"]
            alt = alt or f"Figure of the section: {section['title']}"
            figure = f"<img src='data:image/png;base64,{data}' alt='{html.escape(alt, quote=True)}'>"
        text = _render(_first_block(section["text"]))
        if not figure and section.get("code"):
            lines = section["code"].splitlines()
            shown = "\n".join(lines[:14]) + ("\n..." if len(lines) > 14 else "")
            figure = f"<pre><code>{html.escape(shown)}</code></pre>"
        klass = "with-figure" if figure else ""
        slides.append(f"<section class='{klass}'><h2>{html.escape(section['title'])}</h2><div class='body'>{text}</div>{figure}</section>")
    if pitfalls:
        slides.append(f"<section><h2>Pitfalls</h2><div class='body'>{_render(pitfalls)}</div></section>")
    if summary:
        slides.append(f"<section><h2>Summary</h2><div class='body'>{_render(summary)}</div></section>")
    page = TEMPLATE.replace("{{TITLE}}", html.escape(title)).replace("{{SLIDES}}", "\n".join(slides))
    return page, len(slides)


TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{TITLE}} (slides)</title>
<script>
window.MathJax = {tex: {inlineMath: [['\\\\(', '\\\\)']], displayMath: [['\\\\[', '\\\\]']]},
                  options: {enableMenu: false}};
</script>
<script defer src="mathjax/tex-chtml.js"></script>
<style>
  html, body { margin: 0; height: 100%; background: #1d1d1d; font-family: system-ui, sans-serif; }
  section { display: none; box-sizing: border-box; width: 100vw; height: 100vh; padding: 4vh 6vw;
            background: #fff; color: #111; font-size: 2.6vh; line-height: 1.45; overflow: hidden; }
  section.active { display: block; }
  section.with-figure .body { max-height: 34vh; overflow: hidden; }
  section h1 { font-size: 5vh; color: #0b4f8a; margin-top: 18vh; }
  section h2 { font-size: 4vh; color: #0b4f8a; margin: 0 0 2vh; }
  section pre { background: #f4f4f4; padding: 1.2vh 1.5vw; font-size: 2vh; line-height: 1.3;
                border-left: .4vw solid #0b4f8a; overflow: hidden; max-height: 44vh; }
  section img { display: block; max-width: 88vw; max-height: 46vh; margin: 2vh auto 0; }
  .counter { position: fixed; right: 2vw; bottom: 1.5vh; font-size: 1.8vh; color: #333;
             background: rgba(255, 255, 255, .85); padding: .2em .6em; border-radius: .3em; }
  a.skip { position: absolute; left: -999px; } a.skip:focus { left: 1em; top: 1em; background: #fff; }
  @media print { section { display: block; page-break-after: always; height: auto; min-height: 100vh; }
                 .counter { display: none; } }
</style>
</head>
<body>
<main aria-live="polite">
{{SLIDES}}
</main>
<div class="counter" aria-hidden="true"></div>
<script>
  const slides = Array.from(document.querySelectorAll('section'));
  let current = 0;
  function show(i) {
    current = Math.max(0, Math.min(slides.length - 1, i));
    slides.forEach((s, k) => { s.classList.toggle('active', k === current); s.setAttribute('aria-hidden', k !== current); });
    document.querySelector('.counter').textContent = (current + 1) + ' / ' + slides.length;
    history.replaceState(null, '', '#' + (current + 1));
  }
  document.addEventListener('keydown', e => {
    if (['ArrowRight', 'PageDown', ' '].includes(e.key)) { show(current + 1); e.preventDefault(); }
    if (['ArrowLeft', 'PageUp'].includes(e.key)) { show(current - 1); e.preventDefault(); }
    if (e.key === 'Home') show(0);
    if (e.key === 'End') show(slides.length - 1);
  });
  document.addEventListener('click', () => show(current + 1));
  show((parseInt(location.hash.slice(1)) || 1) - 1);
</script>
</body>
</html>
"""


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=pathlib.Path)
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("slides"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / "mathjax"
    if not (target / "tex-chtml.js").is_file():
        shutil.copytree(_mathjax_folder(), target, dirs_exist_ok=True)
    for path in args.notebooks:
        page, count = deck(nbformat.read(path, as_version=4), path.stem)
        (args.out / f"{path.stem}.html").write_text(page, encoding="utf-8")
        print(f"{args.out / (path.stem + '.html')}: {count} slides")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
