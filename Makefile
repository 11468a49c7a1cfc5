# Build and test the course: the Jupyter Book in chapters/ and the bpkit package.
# GNU make, POSIX sh recipes. `make help` lists the targets.

SHELL := /bin/sh
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENV_STAMP := $(VENV)/.installed
# npm ci writes node_modules/.package-lock.json; the stamp is touched after it.
NPM_STAMP := node_modules/.installed
CHROMIUM ?= /usr/bin/chromium
BUILD := _build
HTML := $(BUILD)/html
NOTEBOOKS := $(wildcard chapters/*.ipynb)
LAB_ARGS ?=

export PIP_DISABLE_PIP_VERSION_CHECK := 1
# A RuntimeWarning (overflow, division by zero, ...) is an error, in pytest and in every
# kernel that the build, nbval and `make execute` start.
book pdf check test execute: export PYTHONWARNINGS := error::RuntimeWarning

PYTEST := $(BIN)/python -m pytest -p no:cacheprovider
# Seconds one cell may take, wherever a kernel runs: _config.yml's execute.timeout (the
# build; tools/execute_notebooks.py reads it for `make execute` and the tests; nbval here).
CELL_TIMEOUT := $(shell sed -n 's/^  timeout: *\([0-9][0-9]*\).*/\1/p' _config.yml)
# pytest-xdist: the chapters (each whole, in one kernel) and the tests over the cores.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# Sphinx readers in the book build: twice the cores, so that its chunks of pages (Sphinx
# cuts the sorted page list into one chunk a reader) are small and the cores stay busy.
BOOK_JOBS ?= $(shell echo $$(( 2 * $(JOBS) )))
XDIST := -n $(JOBS) --dist loadfile
NBVAL := $(PYTEST) --nbval --nbval-current-env --nbval-cell-timeout=$(CELL_TIMEOUT) \
	--nbval-sanitize-with tests/nbval_sanitize.cfg $(XDIST)
PHASES := $(BUILD)/phases.tsv
# `$(call phase,NAME,COMMAND)`: run COMMAND as a timed phase of `make test` (tools/phases.py).
phase = $(PYTHON) tools/phases.py run $(PHASES) "$(1)" -- $(2)

.PHONY: help venv assets chromium book pdf check test lab execute locales bench clean distclean

help:
	@echo "make venv      create .venv with bpkit and the book and test extras"
	@echo "make book      build the book (-W: a warning is an error) into $(HTML), the Korean edition into $(HTML)/ko"
	@echo "make pdf       the whole book as one PDF, $(PDF), and the Korean edition, $(PDF_KO) (single-page builds printed by Chromium)"
	@echo "make check     bpkit's unit, property and oracle tests (no build, no browser): the quick check"
	@echo "make test      installs, the -W build, every pytest group and nbval on chapters/, timed"
	@echo "make lab       open the chapters in JupyterLab (installed into .venv if missing)"
	@echo "make execute   re-execute every chapter notebook in place (after editing one)"
	@echo "make locales   update the Korean edition's message catalogues (locales/ko/) from the English pages"
	@echo "make bench     time bpkit.conv, training steps and the digits chapter's training against torch and scikit-learn (bench/)"
	@echo "make clean     remove $(BUILD)/; make distclean also removes .venv and node_modules"

venv: $(VENV_STAMP)

$(VENV_STAMP): pyproject.toml requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt -e ".[book,test]"
	@# Matplotlib builds its font cache on first import and says so on stderr.
	$(BIN)/python -c "import matplotlib.pyplot"
	touch $@

assets: $(NPM_STAMP)

$(NPM_STAMP): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

# Debian's chromium for the browser tests (never a Playwright download), a Korean font (the
# book quotes Korean terms) so that the screenshots show them, and gettext's msgfmt, which
# tests/tools/test_locales.py uses to count the Korean catalogues' untranslated messages.
BROWSER_PACKAGES := chromium fonts-nanum gettext
chromium:
	@if [ -x "$(CHROMIUM)" ] && fc-list :lang=ko 2>/dev/null | grep -q . && command -v msgfmt >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "Installing $(BROWSER_PACKAGES) for the browser and catalogue tests"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $(BROWSER_PACKAGES); \
	elif [ -x "$(CHROMIUM)" ] && command -v msgfmt >/dev/null; then \
		echo "warning: no Korean font: the screenshots will show boxes (apt-get install fonts-nanum)" >&2; \
	else \
		echo "error: $(CHROMIUM) or msgfmt is missing; install as root: apt-get install $(BROWSER_PACKAGES)" >&2; \
		exit 1; \
	fi

# The whole output goes to $(BUILD)/build.log (command first) and the exit status to
# $(BUILD)/build.status, which tests/book/test_build.py reads. tools/build_book.py is
# `jupyter-book build` with Sphinx reading (and executing) pages in parallel.
# Every page is rebuilt (--all) unless the last build succeeded and nothing but pages
# changed since: Sphinx then re-reads (and re-executes) only the changed pages. A change
# to bpkit, tools/, the configuration, a Korean catalogue or the installed packages rebuilds
# every page. Then the Korean edition (tools/build_book.py --edition ko, tools/editions.py) is
# rendered from the English build's executed notebooks into $(HTML)/ko/: nothing runs twice.
BOOK_INPUTS := _config.yml _toc.yml pyproject.toml requirements.txt package-lock.json \
	$(VENV_STAMP) $(NPM_STAMP) $(wildcard bpkit/*.py bpkit/*/*.py bpkit/data/* tools/*.py tools/*.mjs tools/assets/* \
	locales/ko/LC_MESSAGES/*.po locales/ko/LC_MESSAGES/*/*.po)
book: venv assets
	@mkdir -p $(BUILD)
	@all=--all; \
	if [ "$$(cat $(BUILD)/build.status 2>/dev/null)" = 0 ] && [ -f $(HTML)/index.html ] && \
	   [ -z "$$(find $(BOOK_INPUTS) -newer $(BUILD)/build.status 2>/dev/null)" ]; then all=; fi; \
	rm -f $(BUILD)/build.status; \
	( echo "+ tools/build_book.py --jobs $(BOOK_JOBS) . -W --keep-going $$all   (jupyter-book build, $(BOOK_JOBS) readers)"; \
	  start=$$(date +%s); \
	  $(BIN)/python tools/build_book.py --jobs $(BOOK_JOBS) . -W --keep-going $$all 2>&1; en=$$?; \
	  middle=$$(date +%s); \
	  echo "+ tools/build_book.py --jobs $(BOOK_JOBS) --edition ko . -W --keep-going $$all   (the Korean edition, into $(HTML)/ko)"; \
	  ko=1; [ $$en = 0 ] && { $(BIN)/python tools/build_book.py --jobs $(BOOK_JOBS) --edition ko . -W --keep-going $$all 2>&1; ko=$$?; }; \
	  echo "book build times: English $$((middle - start)) s, Korean $$(( $$(date +%s) - middle )) s"; \
	  [ $$en = 0 ] && [ $$ko = 0 ]; echo $$? > $(BUILD)/build.status ) | tee $(BUILD)/build.log
	@if [ "$$(cat $(BUILD)/build.status)" != 0 ]; then \
		echo "make book: the -W build failed; see $(BUILD)/build.log" >&2; exit 1; fi
	@echo "$(CURDIR)/$(HTML)/index.html (English), $(CURDIR)/$(HTML)/ko/index.html (Korean)"

# The whole book as one PDF (tools/make_pdf.py): a single-page build (-W, into
# $(BUILD)/singlehtml/) printed by Debian's Chromium, offline. After `make book` it reads no
# page again (the two builds share Sphinx's environment), so it takes seconds, not minutes.
# `--edition ko` prints the Korean edition the same way. tests/book/test_pdf.py reads both.
PDF := $(BUILD)/book.pdf
PDF_KO := $(BUILD)/book-ko.pdf
pdf: book chromium
	$(BIN)/python tools/make_pdf.py --jobs $(BOOK_JOBS) $(PDF)
	$(BIN)/python tools/make_pdf.py --jobs $(BOOK_JOBS) --edition ko $(PDF_KO)

# bpkit's unit, property and oracle tests, and the build helpers' own tests: no book
# build, no browser, no fresh venv. The quick check before `make test`.
CHECK := $(PYTEST) $(XDIST) tests/unit tests/tools
check: venv
	$(CHECK)

# Every phase runs even if an earlier one failed; the exit status is non-zero if any did.
# At the end, the time of each phase (tools/phases.py; also in $(PHASES)).
test:
	@mkdir -p $(BUILD); rm -f $(PHASES); status=0; \
	$(call phase,install: venv npm chromium,$(MAKE) --no-print-directory venv assets chromium) || status=1; \
	if [ $$status = 0 ]; then \
	$(call phase,book build,$(MAKE) --no-print-directory book) || status=1; \
	$(call phase,pdf,$(MAKE) --no-print-directory pdf) || status=1; \
	$(call phase,pytest tests/unit tests/tools,$(CHECK)) || status=1; \
	$(call phase,pytest tests/book,$(PYTEST) -n $(JOBS) --dist load -m "not timing" tests/book) || status=1; \
	$(call phase,pytest tests/book: load times alone,$(PYTEST) -m timing tests/book) || status=1; \
	$(call phase,pytest tests/launch,$(PYTEST) -n $(JOBS) --dist load tests/launch) || status=1; \
	$(call phase,nbval chapters/,$(NBVAL) chapters/) || status=1; \
	fi; \
	$(PYTHON) tools/phases.py report $(PHASES); \
	if [ $$status = 0 ]; then echo "make test: all passed"; \
	else echo "make test: FAILED (see above)" >&2; fi; \
	exit $$status

lab: venv
	@$(BIN)/python -c "import jupyterlab" 2>/dev/null || $(BIN)/python -m pip install --quiet jupyterlab
	$(BIN)/jupyter lab $$([ "$$(id -u)" = 0 ] && echo --allow-root) $(LAB_ARGS) $(NOTEBOOKS)

execute: venv
	$(BIN)/python tools/execute_notebooks.py $(NOTEBOOKS)

# The Korean edition's catalogues, locales/ko/LC_MESSAGES/*.po, updated from the English pages
# (tools/locales.py): run after editing a page, then translate what it reports as untranslated.
locales: venv
	$(BIN)/python tools/locales.py

# Benchmarks, not tests. torch is optional and never a dependency: without it only numpy is timed.
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are unset for this command alone (they can slow numpy's BLAS).
BENCH_ARGS ?=
BENCH_TRAIN_ARGS ?=
bench: venv
	@$(BIN)/python -c "import torch" 2>/dev/null || echo "make bench: torch is not installed, so only numpy is timed; for the comparison: $(BIN)/pip install torch==2.13.0 (a CPU build; not a dependency of bpkit)"
	@$(BIN)/python -c "import threadpoolctl" 2>/dev/null || echo "make bench: threadpoolctl is not installed, so the BLAS kernel is not shown ($(BIN)/pip install threadpoolctl)"
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python bench/bench_conv.py $(BENCH_ARGS)
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python bench/bench_train.py $(BENCH_TRAIN_ARGS)

clean:
	rm -rf $(BUILD)

distclean: clean
	rm -rf $(VENV) node_modules
