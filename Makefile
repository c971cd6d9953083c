# Three commands: `make lab` (students), `make book` (instructors), `make test` (CI).
# Each creates .venv and installs the project into it the first time.
PYTHON  ?= python3
VENV    ?= .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-stamp
VENDOR  := _vendor/.stamp

.PHONY: lab book test vendor clean canonical

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

book: $(STAMP) $(VENDOR)
	rm -rf _build/.jupyter_cache
	$(VENV)/bin/jupyter-book build -W -n --keep-going .
	@echo "Open _build/html/index.html"

test: $(STAMP) $(VENDOR)
	$(PY) -m pytest

clean:
	rm -rf _build _vendor site/node_modules .pytest_cache
