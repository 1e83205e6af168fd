# Everything a fresh machine needs: `make serve` and `make test` set up the venv,
# pinned packages and (for tests) Chromium, then do their job.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MKDOCS := $(VENV)/bin/mkdocs
export PYTHONPATH := $(CURDIR)/hooks
export NO_MKDOCS_2_WARNING := 1
export PYTHONHASHSEED := 0

.PHONY: serve build validate stats schema test chromium clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.testdeps: $(VENV)/.runtime requirements-test.txt
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-test.txt
	touch $@

## serve: build the site and serve it on http://127.0.0.1:8000 (rebuilds on edits)
serve: $(VENV)/.runtime validate
	$(MKDOCS) serve --strict -a 127.0.0.1:8000

## build: build into a temporary folder; replace site/ only when the build succeeded
build: $(VENV)/.runtime
	rm -rf .site-new
	$(MKDOCS) build --strict --quiet -d .site-new
	rm -rf .site-old; if [ -d site ]; then mv site .site-old; fi; mv .site-new site; rm -rf .site-old
	@echo "built site/"

## validate: check every data file and print every problem
validate: $(VENV)/.runtime
	$(PY) -m kb validate

stats: $(VENV)/.runtime
	$(PY) -m kb stats

## schema: regenerate data/schema/*.json from the models
schema: $(VENV)/.runtime
	$(PY) -m kb schema

## chromium: Debian's Chromium for the browser tests (installed only when missing)
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

## test: the whole suite (unit, build and browser tests)
test: $(VENV)/.testdeps chromium
	$(PY) -m pytest -q tests

clean:
	rm -rf site .site-new .site-old
