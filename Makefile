# Everything a fresh machine needs: `make serve` and `make test` set up the venv,
# pinned packages and (for tests) Chromium, then do their job.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MKDOCS := $(VENV)/bin/mkdocs
# kb and kb_mkdocs are installed into the venv (editable, pyproject.toml); PYTHONPATH still points at this
# checkout's hooks/ so that a copy of the checkout (the tests make some) runs its own code, not the venv's.
export PYTHONPATH := $(CURDIR)/hooks
export NO_MKDOCS_2_WARNING := 1
export PYTHONHASHSEED := 0

.PHONY: serve build offline bench bench-national validate stats schema lint site-digest test system-deps clean

# Debian packages the tests drive: Chromium (browser tests), LibreOffice and poppler
# (the generated .docx/.xlsx must render), CJK fonts (screenshots and PDFs show Chinese), nginx (publishing).
SYSTEM_PACKAGES := chromium libreoffice-writer libreoffice-calc poppler-utils fonts-noto-cjk nginx-light

# The interpreter is a prerequisite of the stamps: a venv that lost it is rebuilt, not trusted.
$(PY):
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt pyproject.toml $(PY)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e . 2>/dev/null \
	  || $(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	touch $@

$(VENV)/.testdeps: $(VENV)/.runtime requirements-test.txt
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-test.txt
	touch $@

$(VENV)/.lintdeps: $(VENV)/.runtime requirements-lint.txt
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-lint.txt
	touch $@

## serve: build the site and serve it on http://127.0.0.1:8000 (rebuilds on edits, only the pages an edit
## changed: --dirty keeps the others, see hooks/kb_mkdocs/incremental.py; with bad data it keeps serving the
## last good pages and lists the problems on every page, see hooks/kb_mkdocs/serve.py)
serve: $(VENV)/.runtime
	$(MKDOCS) serve --strict --dirty -a 127.0.0.1:8000

## build: the offline edition first, then the site (which offers it); one build at a time (a second
## waits), site/ swapped atomically only on success (hooks/kb_build.py says how and why)
build: $(VENV)/.runtime
	@$(PY) hooks/kb_build.py

## offline: only the offline edition, as kb-offline.zip (unzip, open index.html, no network needed)
offline: $(VENV)/.runtime
	@$(PY) hooks/kb_build.py --offline

## validate: check every data file and print every problem
validate: $(VENV)/.runtime
	$(PY) -m kb validate

stats: $(VENV)/.runtime
	$(PY) -m kb stats

## schema: regenerate data/schema/*.json from the models
schema: $(VENV)/.runtime
	$(PY) -m kb schema

## bench: build at N = real, 1,000 and 10,000 records against stock Material; writes docs/performance.md
bench: $(VENV)/.testdeps system-deps
	$(PY) bench/run.py

## bench-national: 200,000 records (issue 17): generate, build, measure pages, first loads in Chromium and a
## `make serve` edit; ends with one line `bench-national: n=… build_s=… rss_mb=… …` (takes a while)
bench-national: $(VENV)/.testdeps system-deps
	$(PY) bench/national.py

## system-deps: install the Debian packages above, only those missing
system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

## lint: ruff over hooks, tests and bench; mypy over the core (strict) and the MkDocs adapter
lint: $(VENV)/.lintdeps
	$(VENV)/bin/ruff check hooks tests bench
	$(VENV)/bin/mypy

## site-digest: after an intended change of the output, rewrite tests/expected/site.sha256 (see tests/site_digest.py)
site-digest: $(VENV)/.testdeps
	$(PY) tests/site_digest.py

## test: lint, then the whole suite (unit, build, download and browser tests)
test: $(VENV)/.testdeps system-deps lint
	$(PY) -m pytest -q tests

# .site-new/.site-old/.site-offline/.kb-offline.zip: temp names of builds before hooks/kb_build.py.
# .kb-build.lock stays: removing it under a running build would let a second build start beside it.
clean:
	rm -rf site .site-build-* kb-offline.zip .site-new .site-old .site-offline .kb-offline.zip
