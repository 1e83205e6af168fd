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

.PHONY: serve build offline bench validate stats schema test system-deps clean

# Debian packages the tests drive: Chromium (browser tests), LibreOffice and poppler
# (the generated .docx/.xlsx must render), CJK fonts (screenshots and PDFs show Chinese), nginx (publishing).
SYSTEM_PACKAGES := chromium libreoffice-writer libreoffice-calc poppler-utils fonts-noto-cjk nginx-light

# The interpreter is a prerequisite of the stamps: a venv that lost it is rebuilt, not trusted.
$(PY):
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt $(PY)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.testdeps: $(VENV)/.runtime requirements-test.txt
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-test.txt
	touch $@

## serve: build the site and serve it on http://127.0.0.1:8000 (rebuilds on edits)
serve: $(VENV)/.runtime validate
	$(MKDOCS) serve --strict -a 127.0.0.1:8000

## build: the offline edition first, then the site (which offers it); site/ is replaced only on success
build: $(VENV)/.runtime
	rm -rf .site-new .site-offline .kb-offline.zip
	KB_OFFLINE=true $(MKDOCS) build --strict --quiet -d .site-offline
	$(PY) -m kb zip .site-offline .kb-offline.zip
	KB_OFFLINE_ZIP=.kb-offline.zip $(MKDOCS) build --strict --quiet -d .site-new
	rm -rf .site-old; if [ -d site ]; then mv site .site-old; fi; mv .site-new site; rm -rf .site-old .site-offline .kb-offline.zip
	@echo "built site/ (with downloads/kb-offline.zip)"

## offline: only the offline edition, as kb-offline.zip (unzip, open index.html, no network needed)
offline: $(VENV)/.runtime
	rm -rf .site-offline
	KB_OFFLINE=true $(MKDOCS) build --strict --quiet -d .site-offline
	$(PY) -m kb zip .site-offline kb-offline.zip
	rm -rf .site-offline

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

## system-deps: install the Debian packages above, only those missing
system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

## test: the whole suite (unit, build, download and browser tests)
test: $(VENV)/.testdeps system-deps
	$(PY) -m pytest -q tests

clean:
	rm -rf site .site-new .site-old .site-offline .kb-offline.zip kb-offline.zip
