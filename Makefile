# Three commands: `make lab` (students), `make book` (instructors), `make test` (CI).
# Each creates .venv and installs the project into it the first time.
PYTHON  ?= python3
VENV    ?= .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-stamp
VENDOR  := _vendor/.stamp

.PHONY: lab book test test-min vendor clean canonical

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

# MathJax and the ipywidgets html-manager, served from the site itself so the book
# works offline (no CDN); see site/package.json.
$(VENDOR): site/package.json site/package-lock.json site/vendor.sh
	bash site/vendor.sh

vendor: $(VENDOR)

# JupyterLab's settings for the book (site/lab/install.py): chapters (book/NN_*.md) open as
# notebooks on a double click, autosave on, no news pop-up, a file browser wide enough for
# the chapters' names. A student without make runs the same script (see the README).
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json
$(LAB_SETTINGS): site/lab/overrides.json site/lab/jupyter_lab_config.py site/lab/default-37a8.jupyterlab-workspace site/lab/install.py $(STAMP)
	$(PY) site/lab/install.py

lab: $(STAMP) $(LAB_SETTINGS)
	$(VENV)/bin/jupyter lab --notebook-dir=book $(if $(filter 0,$(shell id -u)),--allow-root,)

# Rewrite book/*.md in the form JupyterLab saves them (run after editing cell metadata,
# e.g. a caption); tests/test_lab_roundtrip.py fails for a chapter that is not in it.
canonical: $(STAMP)
	$(PY) site/lab_canonical.py

# Incremental: only chapters whose cells or imported dlcore code changed are executed again
# (site/_ext/code_deps.py), on every core (site/execute_parallel.py fills the execution cache
# before Sphinx reads the chapters one by one); `make clean` forgets everything.
book: $(STAMP) $(VENDOR)
	$(PY) site/execute_parallel.py
	$(VENV)/bin/jupyter-book build -W -n --keep-going .
	@echo "Open _build/html/index.html"

# The book as one PDF, _build/latex/book.pdf (Sphinx's LaTeX builder through xelatex). It
# reuses the chapters the last `make book` executed (the same _build/.doctrees) and executes
# them itself when there is none. TeX and fonts come from Debian: when any is missing it
# names the packages to install and stops (site/_ext/pdf_prereqs.py).
.PHONY: pdf
pdf: $(STAMP)
	@$(PY) site/_ext/pdf_prereqs.py
	$(PY) site/execute_parallel.py
	LATEXOPTS="-interaction=nonstopmode -halt-on-error" \
		$(VENV)/bin/jupyter-book build -W -n --keep-going --builder pdflatex .
	@echo "Open _build/latex/book.pdf"

# Two workers (pytest-xdist); each chapter, each test module and the whole group of tests
# on the built site stays on one worker (conftest.py), so the site is built once.
test: $(STAMP) $(VENDOR)
	$(PY) -m pytest -n 2

# The unit tests again at the lowest versions pyproject.toml allows (numpy's float32
# promotion changed in 2.0), in a venv of their own; chapters and the site need the book
# toolchain and run in `make test`.
MIN_VENV := .venv-min
MIN_PINS := "numpy==1.24.*" "matplotlib==3.7.*" "ipywidgets==8.0.*" "scikit-learn==1.3.*"
NOT_UNIT := site site_publish site_a11y pdf lab lab_playground lab_roundtrip student_commands launch \
	figures_cli torch_parity torch_parity_cnn_rnn originality
# tests that run chapters (jupytext) or build the book: part of `make test`
NOT_UNIT_TESTS := tests/test_playground.py::test_the_appendix_page_runs \
	tests/test_code_deps.py::test_rebuilds_follow_the_code_each_chapter_imports \
	tests/test_figure_text.py::test_every_figure_and_frame_of_the_chapter_is_readable
test-min:
	test -x $(MIN_VENV)/bin/python || $(PYTHON) -m venv $(MIN_VENV)
	$(MIN_VENV)/bin/python -m pip install --quiet $(MIN_PINS) "pytest>=8,<10" "hypothesis>=6,<7" \
		"pytest-xdist>=3,<4"
	$(MIN_VENV)/bin/python -m pip install --quiet --no-deps -e .
	$(MIN_VENV)/bin/python -m pytest -n 2 -q -p no:cacheprovider -o addopts="-ra" \
		$(foreach t,$(NOT_UNIT),--ignore=tests/test_$(t).py) \
		$(foreach t,$(NOT_UNIT_TESTS),--deselect $(t)) tests

clean:
	rm -rf _build _vendor site/node_modules .pytest_cache
