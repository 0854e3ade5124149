# The mathematics of backpropagation.
#   make book   set up .venv and build the site into _build/html (incremental)
#   make test   set up .venv and run the fast tier of the tests (at most 5 minutes)
#   make check  everything: make test, then the full tier, Lighthouse, the PDF and its checks
# The venv holds exactly the lock, requirements.txt (made from requirements.in by
# `make lock`), then the package itself, editable, from code/.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP := $(BIN)/python -m pip --disable-pip-version-check
UV := $(BIN)/uv pip
UV_FLAGS := --quiet --python $(BIN)/python
# the kernel the notebooks name ("python3") must be this venv's Python
export PATH := $(abspath $(BIN)):$(PATH)
export PYDEVD_DISABLE_FILE_VALIDATION := 1
JB_FLAGS := -n -W --keep-going
CACHE := _build/.jupyter_cache
PACKAGE := $(shell find code/backprop -name "*.py")
# nbval compares the text outputs; tests/nbval_images.py (conftest.py loads it) the figures too
NBVAL := --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg
TEST_FLAGS ?= -n 2 --dist loadfile
# the browser tests drive Debian's Chromium (playwright's own browser download needs the internet)
CHROMIUM := /usr/bin/chromium
# Debian's packages (Chromium, Node.js, TeX) by apt-get: as root (CI), else with sudo;
# APT_ARCHIVES names a folder to keep the downloaded packages in (the workflow caches it)
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
APT_GET = $(if $(APT_ARCHIVES),mkdir -p $(APT_ARCHIVES)/partial && )$(SUDO) env DEBIAN_FRONTEND=noninteractive \
	apt-get -qq $(if $(APT_ARCHIVES),-o Dir::Cache::Archives=$(APT_ARCHIVES))
APT_INSTALL = $(APT_GET) update && $(APT_GET) install -y --no-install-recommends
# Node.js typesets the math at build time (_ext/mathjax_render.js); npm brings axe-core
# and Lighthouse (tools/site)
NODE := /usr/bin/node

.PHONY: book test check full lint serve lab notebooks bench clean setup lock pdf pdf-check
BENCH_STAMP := $(VENV)/.bench-installed
LAB_STAMP := $(VENV)/.lab-installed
# the kernels' own configuration (see below)
KERNEL_CONFIG := $(VENV)/etc/ipython/ipython_kernel_config.json

setup: $(STAMP)

# (Re)create the venv when it is missing or older than the lock: install exactly the
# lock (every package pinned, with its hashes), then the package without dependencies.
# uv installs it (pip first installs uv itself, hash-checked, from the lock): in
# parallel, ten times faster than pip, so a cold `make book` stays short. `uv pip sync`
# also removes what the lock no longer holds (so make lab/bench reinstall theirs).
# The kernel "python3" the chapters name is this venv's, with the environment of
# tools/determinism.py (re-executed outputs equal the stored ones, figures included),
# and logs at ERROR level: ipykernel otherwise warns, once per notebook, that it talks
# to the book's builder over local TCP without encryption.
$(STAMP): requirements.txt pyproject.toml tools/determinism.py
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@awk '/^uv==/ {p = 1; print; next} p && /^ / {print; next} {p = 0}' requirements.txt \
		> $(VENV)/uv-lock.txt
	$(PIP) install --quiet --require-hashes -r $(VENV)/uv-lock.txt
	$(UV) sync $(UV_FLAGS) --require-hashes requirements.txt
	$(UV) install $(UV_FLAGS) --no-deps --no-build-isolation -e .
	@rm -f $(LAB_STAMP) $(BENCH_STAMP) $(PDF_STAMP)
	@$(BIN)/python tools/determinism.py
	@mkdir -p $(dir $(KERNEL_CONFIG))
	@echo '{"IPKernelApp": {"log_level": "ERROR"}}' > $(KERNEL_CONFIG)
	@touch $@

# Regenerate the locks from the direct requirements (*.in), keeping every version
# already locked unless an *.in file asks for another (UPGRADE=--upgrade to refresh).
# The bench's PyTorch is the CPU wheel in pip's find-links (PIP_FIND_LINKS).
UV_COMPILE = $(BIN)/uv pip compile --quiet --generate-hashes --python $(BIN)/python \
	--custom-compile-command "make lock" $(UPGRADE)
lock: $(STAMP)
	$(UV_COMPILE) requirements.in -o requirements.txt
	$(UV_COMPILE) requirements-lab.in -o requirements-lab.txt
	$(UV_COMPILE) --find-links $(or $(PIP_FIND_LINKS),/opt/wheels) \
		requirements-bench.in -o requirements-bench.txt
	$(UV_COMPILE) requirements-pdf.in -o requirements-pdf.txt

# jupyter-cache keys on the notebooks' code, not on the package they import or the
# environment they run in: a change to code/ or to tools/determinism.py must
# re-execute the chapters.
$(CACHE)/.package-stamp: $(PACKAGE) tools/determinism.py | $(STAMP)
	@rm -rf $(CACHE)
	@mkdir -p $(CACHE)
	@touch $@

# The site, built incrementally with an exact zero-warnings gate (tools/build_book.py:
# Sphinx reads again only what changed, and every page that warned last time, so a
# warning fails every build until it is fixed; it builds from scratch when something
# every page depends on changed). Make runs it only when one of the files the site is
# built from changed (or one was added or removed: the list of them is a prerequisite
# too, rewritten when it differs, with the site's address: BOOK_REPOSITORY, BOOK_BRANCH,
# _ext/repository.py), so `make book` with nothing changed does nothing.
SITE_STAMP := _build/.site-built
SITE_FILES := _build/.site-files
SITE_INPUTS := $(wildcard _config.yml _toc.yml *.md references.bib requirements.txt pyproject.toml) \
	$(wildcard chapters/*.ipynb pages/*.md _ext/* _ext/*/* _static/* _extra/* tools/*.py tools/matplotlibrc \
	code/backprop/*.py code/backprop/*/*.py code/backprop/*/*/*.py)
SITE_LIST := $(SITE_INPUTS) BOOK_REPOSITORY=$(BOOK_REPOSITORY) BOOK_BRANCH=$(BOOK_BRANCH)
$(shell mkdir -p _build && { [ -f $(SITE_FILES) ] && [ "$$(cat $(SITE_FILES))" = "$(SITE_LIST)" ] \
	|| echo "$(SITE_LIST)" > $(SITE_FILES); })

book: $(SITE_STAMP)
	@echo "The site is in $(abspath _build/html)/index.html (make serve shows it)."

$(SITE_STAMP): $(STAMP) $(NODE) $(CACHE)/.package-stamp $(SITE_INPUTS) $(SITE_FILES)
	$(BIN)/python tools/build_book.py
	@touch $@

$(CHROMIUM):
	$(APT_INSTALL) chromium

$(NODE):
	$(APT_INSTALL) nodejs npm

# Two tiers (pytest's marker `full`, pyproject.toml). make test, the fast one: the
# package's tests, every chapter executed once by nbval against its stored outputs
# (figures too), the exercises' graders, the site built once with the gate, and the
# browser on the pages of tests/conftest.py's REPRESENTATIVE at the three widths.
test: $(STAMP) $(NODE) $(CACHE)/.package-stamp $(CHROMIUM)
	$(BIN)/ruff check code tests tools _ext chapters benchmarks
	$(BIN)/python -m pytest $(TEST_FLAGS) $(NBVAL) -m "not full" tests chapters

# make check, everything (what CI runs): make test, then the full tier (the mutation
# tests, every chapter downloaded alone into a bare venv, every page in the browser at
# every width, axe on every page), Lighthouse (make audit), the PDF and its checks.
# (make full is that second part alone, after a make test.)
check: test full

full: $(STAMP) $(NODE) $(CACHE)/.package-stamp $(CHROMIUM)
	$(BIN)/python -m pytest $(TEST_FLAGS) -m full tests
	$(MAKE) audit
	$(MAKE) pdf
	$(MAKE) pdf-check

lint: $(STAMP)
	$(BIN)/ruff check code tests tools _ext chapters benchmarks

# As a static host serves it: a missing page is the site's 404.html, status 404.
serve: $(STAMP)
	@test -f _build/html/index.html || $(MAKE) book
	$(BIN)/python tools/serve.py _build/html --port 8000

# JupyterLab, locked in requirements-lab.txt, installed once. Jupyter refuses to run
# as root unless told: root (as in CI and containers) gets --allow-root.
$(LAB_STAMP): requirements-lab.txt $(STAMP)
	$(UV) install $(UV_FLAGS) --require-hashes -r requirements-lab.txt
	@touch $@

lab: $(LAB_STAMP)
	$(BIN)/jupyter lab chapters $(if $(filter 0,$(shell id -u)),--allow-root)

# Re-execute every chapter in place (after changing a chapter or code/), or only
# those named: make notebooks NB=chapters/06_three_equations.ipynb
notebooks: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py $(NB)

# Speed against PyTorch (never a test): PyTorch is an optional, bench-only dependency.
$(BENCH_STAMP): requirements-bench.txt $(STAMP)
	$(PIP) install --quiet --require-hashes -r requirements-bench.txt
	@touch $@

bench: $(STAMP) $(BENCH_STAMP)
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf _build .pytest_cache .hypothesis

# Lighthouse on the intro and two chapters, as a phone sees them (part of `make check`):
# prints the four scores; targets: performance >= 90, accessibility 100, best practices
# >= 95, SEO 100. Lighthouse and axe-core come from npm into tools/site (node_modules is
# not committed; package-lock.json pins them); Chromium is Debian's.
SITE_TOOLS := tools/site
$(SITE_TOOLS)/node_modules/.installed: $(SITE_TOOLS)/package.json $(SITE_TOOLS)/package-lock.json
	cd $(SITE_TOOLS) && npm ci --no-audit --no-fund
	@touch $@

.PHONY: audit
audit: $(STAMP) $(NODE) $(CHROMIUM) $(SITE_TOOLS)/node_modules/.installed
	$(MAKE) book
	$(BIN)/python $(SITE_TOOLS)/audit.py _build/html intro chapters/01_derivatives chapters/06_three_equations \
		chapters/10_digits

# The print edition: the whole course as one PDF, _build/pdf/backprop-course.pdf, by
# Sphinx's LaTeX builder and xelatex (the chapters' Unicode: ∂, ≤, ...). TeX comes from
# Debian, the smallest set that builds it (each file the build reads was traced to its
# package):
#   texlive-xetex              the engine, fontspec, ucharclasses, unicode-math
#   texlive-latex-recommended  Sphinx's base packages (fancyhdr, float, ...)
#   texlive-latex-extra        fncychap, tabulary, capt-of, needspace, framed, wrapfig,
#                              titlesec, upquote, varwidth, changepage (it brings
#                              texlive-pictures: TikZ and pgfplots for the jupyterBook class)
#   texlive-fonts-recommended  rsfs (mathrsfs) and Zapf Dingbats
#   fonts-freefont-otf         FreeSerif, FreeSans, FreeMono: Sphinx's fonts under xelatex
#   latexmk                    runs xelatex until the references settle
#   librsvg2-bin               rsvg-convert: the site's SVG drawings as vector PDF
# The book class's bbm package is replaced by tools/pdf/bbm.sty (see it). Then the site
# is rebuilt, and every page links the PDF (_ext/print_edition.py).
TEX_PACKAGES := texlive-xetex texlive-latex-recommended texlive-latex-extra \
	texlive-fonts-recommended fonts-freefont-otf latexmk librsvg2-bin
PDF := _build/pdf/backprop-course.pdf
PDF_STAMP := $(VENV)/.pdf-installed

/usr/bin/xelatex /usr/bin/latexmk /usr/bin/rsvg-convert:
	$(APT_INSTALL) $(TEX_PACKAGES)

$(PDF_STAMP): requirements-pdf.txt $(STAMP)
	$(UV) install $(UV_FLAGS) --require-hashes -r requirements-pdf.txt
	@touch $@

pdf: $(STAMP) $(CACHE)/.package-stamp /usr/bin/xelatex /usr/bin/latexmk /usr/bin/rsvg-convert
	$(BIN)/python tools/prime_cache.py --stored $(CACHE)
	@rm -rf _build/latex
	$(BIN)/jupyter-book build . --all --builder latex $(JB_FLAGS)
	cd _build/latex && latexmk -xelatex -interaction=nonstopmode -halt-on-error \
		backprop-course.tex > latexmk.out || (tail -40 latexmk.out; exit 1)
	@mkdir -p $(dir $(PDF))
	cp _build/latex/backprop-course.pdf $(PDF)
	@rm -f $(SITE_STAMP)
	$(MAKE) book
	@echo "The PDF is $(abspath $(PDF)); every page of the site links it."

# Checks of the built PDF (tests/pdf_checks.py: title page, contents, boxes, equations,
# figures, margins, no interface text, citations, the site's links to it).
pdf-check: $(PDF_STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider -q tests/pdf_checks.py
