# The commands the README and CI use. `make test` is the whole suite; CI runs exactly it.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: install up test services lint typecheck check bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	touch $@

up: install ## install, then run a small fleet of the example characters
	$(BIN)/swarm up

services: ## make sure the real Redis and PostgreSQL the tests use are running
	bash scripts/services.sh

test: install services ## the whole test suite
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy
	$(BIN)/mypy --strict examples/plugins

check: lint typecheck test

bench: install services ## the whole benchmark suite: bench/results/latest.json + latest.png
	$(BIN)/pip install -q --disable-pip-version-check -e '.[bench]'
	$(BIN)/swarm bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
