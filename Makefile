# Factor Models with scikit-learn: build the book and run every check.
#
#   make book              build the HTML book from the stored notebook outputs
#   make book EXECUTE=1    re-execute every notebook first (outputs are saved)
#   make test              pytest, strict nbval on the notebooks, the student edition runs, warning-free build
#   make execute NB=book/01_panels.ipynb   re-execute one notebook and save it
#   make bench             run the benchmarks (not part of make test) and store their tables
#   make lab               open JupyterLab on the book (make lab LAB_DIR=student: the student edition)
#   make student           write the student edition (no solutions) into student/
#   make grade SUBMISSIONS=folder [CHECKS=private.py]   grade submitted notebooks into grades.csv
#   make syllabus          re-measure the chapters' run times for the teacher's page (not part of make test)
#   make a11y              axe-core accessibility check of the built pages (needs node, npm, chromium)
#   make slides            a slide deck per chapter into slides/ (offline HTML, open slides/NN_topic.html)
#   make clean             remove build output and caches (keeps .venv)
#   make distclean         also remove .venv

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard book/*.ipynb))
# make test runs its checks two at a time (two cores): the notebooks in two halves.
NB_ODD    := $(shell ls book/*.ipynb | awk 'NR % 2 == 1')
NB_EVEN   := $(shell ls book/*.ipynb | awk 'NR % 2 == 0')
JB_FLAGS  :=
export PYTHONHASHSEED := 0
# Bit-for-bit results on any x86-64 CPU with AVX2: numpy's AVX-512 kernels (exp, log, ...)
# and OpenBLAS's CPU-specific kernels differ in the last bits, which is enough to flip a
# tree's split and change a stored output. Both are pinned to the AVX2 code paths.
export NPY_DISABLE_CPU_FEATURES := X86_V4 AVX512_ICL AVX512_SPR
export OPENBLAS_CORETYPE := Haswell
# Notebooks run with one thread per process: make test runs two processes at once, and
# OpenMP's busy-waiting under oversubscription made HistGradientBoosting up to ten times
# slower. The outputs do not depend on it (checked: identical with one and two threads).
ONE_THREAD := execute nbval nbval-odd nbval-even student-test student-odd student-even syllabus grade
$(ONE_THREAD): export OMP_NUM_THREADS := 1
$(ONE_THREAD): export OPENBLAS_NUM_THREADS := 1
$(ONE_THREAD): export MKL_NUM_THREADS := 1

.PHONY: help install book test pytest nbval nbval-odd nbval-even student-test student-odd student-even book-strict execute bench lab student grade slides syllabus a11y clean distclean

help:
	@sed -n '1,17p' Makefile

# Install once; re-install only when the pins or the package metadata change.
$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] < (3, 15) else "Python 3.11 to 3.14 is needed (the pins have no numpy for 3.15); found " + sys.version.split()[0] + ". Run: make PYTHON=python3.11 ...")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

book: $(STAMP)
ifdef EXECUTE
	$(MAKE) --no-print-directory execute NB="$(NOTEBOOKS)"
endif
	$(BIN)/jupyter-book build . $(JB_FLAGS)
	@echo "Open _build/html/index.html in a browser."

test: $(STAMP)
	$(MAKE) --no-print-directory -j2 --output-sync=target pytest nbval-odd nbval-even student-odd student-even book-strict
	@echo "All checks passed: pytest, strict nbval, the student edition, warning-free book build."

pytest: $(STAMP)
	$(BIN)/python -m pytest tests helpers --doctest-modules

NBVAL := $(BIN)/python -m pytest --nbval --nbval-current-env -p tools.nbval_inline --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider

nbval: $(STAMP)
	$(NBVAL) $(NOTEBOOKS)

nbval-odd nbval-even: $(STAMP)
	$(NBVAL) $(if $(findstring odd,$@),$(NB_ODD),$(NB_EVEN))

# The student edition of every chapter runs top to bottom and its blank answers fail their checks.
student-test: $(STAMP)
	$(BIN)/python -m tools.student_run $(NOTEBOOKS)

student-odd student-even: $(STAMP)
	$(BIN)/python -m tools.student_run $(if $(findstring odd,$@),$(NB_ODD),$(NB_EVEN))

book-strict: $(STAMP)
	rm -rf _build/html _build/.doctrees
	$(BIN)/jupyter-book build . $(JB_FLAGS) -W -n --keep-going

execute: $(STAMP)
	@test -n "$(NB)" || { echo "Say which notebook: make execute NB=book/01_panels.ipynb"; exit 2; }
	$(BIN)/python -m tools.execute $(NB)

student: $(STAMP)
	$(BIN)/python -m tools.student --out student $(NOTEBOOKS)
	@echo "Student edition in student/ (open it with: make lab LAB_DIR=student)."

grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" || { echo "Say where the submissions are: make grade SUBMISSIONS=folder [CHECKS=private_checks.py]"; exit 2; }
	$(BIN)/python -m tools.grade $(SUBMISSIONS) $(foreach c,$(CHECKS),--checks $(c)) --out grades.csv

slides: $(STAMP)
	$(BIN)/python -m tools.slides --out slides $(NOTEBOOKS)
	@echo "Open slides/<chapter>.html in a browser (arrow keys or click; works offline)."

a11y: book
	cd tools/axe && (test -d node_modules || npm install --no-save --no-package-lock axe-core@4 playwright-core@1)
	node tools/axe/run_axe.js _build/html/book/*.html

syllabus: $(STAMP)
	$(BIN)/python -m tools.syllabus $(NOTEBOOKS)

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r benchmarks/requirements.txt
	$(BIN)/python benchmarks/bench_fama_macbeth.py
	$(BIN)/python benchmarks/bench_ic.py
	$(BIN)/python benchmarks/bench_ipca.py

lab: $(STAMP)
	$(BIN)/jupyter lab $(or $(LAB_DIR),book)/

clean:
	rm -rf _build .pytest_cache .hypothesis .jupyter_cache jupyter_execute
	find . -path ./.venv -prune -o -name __pycache__ -type d -exec rm -rf {} +
	find . -path ./.venv -prune -o -name .ipynb_checkpoints -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
