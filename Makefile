# The two commands: `make run` and `make test`. Both create .venv when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test lint format clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: install
	DEBUG=true $(BIN)/vinculo migrate --no-input
	DEBUG=true $(BIN)/vinculo seed_demo --if-empty
	DEBUG=true $(BIN)/vinculo recompute_health --if-missing
	@DEBUG=true $(BIN)/vinculo demo_logins
	@# One command: a background-task worker beside the server; Ctrl-C stops both.
	@DEBUG=true $(BIN)/vinculo worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	DEBUG=true $(BIN)/vinculo runserver 127.0.0.1:8000

test: install
	bash scripts/test.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
