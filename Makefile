# The mathematics of backpropagation: two commands do everything.
#   make book   set up .venv and build the site into _build/html
#   make test   set up .venv and run every test (package, notebooks, site)

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# the kernel the notebooks name ("python3") must be this venv's Python
export PATH := $(abspath $(BIN)):$(PATH)
export PYDEVD_DISABLE_FILE_VALIDATION := 1
JB_FLAGS := -n -W --keep-going
CACHE := _build/.jupyter_cache
PACKAGE := $(wildcard code/backprop/*.py)
NBVAL := --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg
TEST_FLAGS ?= -n 2 --dist loadfile
# the browser tests drive Debian's Chromium (playwright's own browser download needs the internet)
CHROMIUM := /usr/bin/chromium

.PHONY: book test lint serve lab notebooks bench clean setup
BENCH_STAMP := $(VENV)/.bench-installed

setup: $(STAMP)

# (Re)create the venv when it is missing or older than the requirements.
$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

# jupyter-cache keys on the notebooks' code, not on the package they import:
# a change to code/ must re-execute the chapters.
$(CACHE)/.package-stamp: $(PACKAGE) | $(STAMP)
	@rm -rf $(CACHE)
	@mkdir -p $(CACHE)
	@touch $@

book: $(STAMP) $(CACHE)/.package-stamp
	$(BIN)/jupyter-book build . $(JB_FLAGS)
	@echo "The site is in $(abspath _build/html)/index.html (make serve shows it)."

$(CHROMIUM):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium

test: $(STAMP) $(CACHE)/.package-stamp $(CHROMIUM)
	$(BIN)/ruff check code tests tools _ext chapters benchmarks
	$(BIN)/python -m pytest $(TEST_FLAGS) $(NBVAL) tests chapters

lint: $(STAMP)
	$(BIN)/ruff check code tests tools _ext chapters benchmarks

serve: $(STAMP)
	@test -f _build/html/index.html || $(MAKE) book
	$(BIN)/python -m http.server 8000 --bind 127.0.0.1 --directory _build/html

lab: $(STAMP)
	$(BIN)/pip install --quiet jupyterlab
	$(BIN)/jupyter lab chapters

# Re-execute every chapter in place (after changing a chapter or code/).
notebooks: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py

# Speed against PyTorch (never a test): PyTorch is an optional, bench-only dependency.
$(BENCH_STAMP): requirements-bench.txt $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	@touch $@

bench: $(STAMP) $(BENCH_STAMP)
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf _build .pytest_cache .hypothesis
