# Two entry points: `make run` and `make test`. Both create or update .venv when needed.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTHON ?= python3

.PHONY: setup run test lint layers typecheck pytest bench clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

run: setup
	$(VENV)/bin/tutor chat

lint: setup
	$(VENV)/bin/ruff check bot challenges sandbox storage tests
	$(VENV)/bin/hadolint --config .hadolint.yaml Dockerfile Dockerfile.gpu

layers: setup
	$(VENV)/bin/lint-imports

typecheck: setup
	$(VENV)/bin/mypy

pytest: setup
	$(PY) -m pytest -q

test: lint layers typecheck pytest

bench: setup
	$(VENV)/bin/tutor bench sandbox

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
