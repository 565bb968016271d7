# memorybrain: `make demo` sets everything up and prints a context pack for the bundled
# example API; `make test` sets everything up and runs the test suite.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
BRAIN  := $(VENV)/bin/brain
STAMP  := $(VENV)/.installed
EXAMPLE := tests/fixtures/fastapi_app
REQUEST ?= Add CRUD endpoints for notifications

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

LINT_DIRS := $(wildcard memorybrain indexers cli server tests benchmarks)

.PHONY: setup demo test lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# CPU build of torch first, or sentence-transformers pulls the multi-GB CUDA build
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	rm -rf .demo && mkdir -p .demo
	$(BRAIN) index $(EXAMPLE) --db .demo/brain.db --quiet
	$(BRAIN) context "$(REQUEST)" --project $(EXAMPLE) --db .demo/brain.db

test: setup
	$(VENV)/bin/ruff check $(LINT_DIRS)
	$(VENV)/bin/ruff format --check $(LINT_DIRS)
	$(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check $(LINT_DIRS)
	$(VENV)/bin/ruff format --check $(LINT_DIRS)

clean:
	rm -rf .demo build dist *.egg-info .pytest_cache
