# The two commands: `make run` and `make test`. Both create .venv when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The demo's history starts 52 weeks before today.
HISTORY_FROM = $(shell $(PYTHON) -c 'import datetime as d; print(d.date.today() - d.timedelta(days=364))')

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
	# A year of weekly health snapshots (the history charts and time travel), ~30 s on the demo.
	DEBUG=true $(BIN)/vinculo recompute_health --if-missing --from $(HISTORY_FROM) --every 7
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
