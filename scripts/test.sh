#!/usr/bin/env bash
# The whole suite. Under CI=true: lint, format, migrations check, mypy, then pytest on
# SQLite and again on a fresh PostgreSQL database; browser tests must run there.
# Outside CI the PostgreSQL run is skipped, with a message, when no server answers.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
CI="${CI:-}"
export VINCULO_VAR_DIR="${VINCULO_VAR_DIR:-$PWD/var/test}"
PYTEST_ARGS=("$@")

if [ "$CI" = "true" ]; then
  echo "== ruff check"; $BIN/ruff check .
  echo "== ruff format --check"; $BIN/ruff format --check .
  echo "== makemigrations --check"; DATABASE_URL= $BIN/vinculo makemigrations --check --dry-run
  echo "== mypy"; $BIN/mypy vinculo
fi

echo "== pytest on SQLite"
DATABASE_URL= $BIN/pytest -q -p no:cacheprovider "${PYTEST_ARGS[@]}"

PG_ADMIN_URL="${VINCULO_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
if ! db_name=$($BIN/python scripts/pg_test_db.py create "$PG_ADMIN_URL"); then
  if [ "$CI" = "true" ]; then
    echo "PostgreSQL at $PG_ADMIN_URL is not reachable, and CI=true requires the PostgreSQL run." >&2
    exit 1
  fi
  echo "== SKIPPED the PostgreSQL run: no server answers at $PG_ADMIN_URL (set VINCULO_TEST_PG_URL)."
  exit 0
fi
trap '$BIN/python scripts/pg_test_db.py drop "$PG_ADMIN_URL" "$db_name" || true' EXIT
echo "== pytest on PostgreSQL ($db_name)"
DATABASE_URL="${PG_ADMIN_URL%/*}/$db_name" $BIN/pytest -q -p no:cacheprovider "${PYTEST_ARGS[@]}"
