#!/usr/bin/env bash
# `npm test`: the whole suite on SQLite and PostgreSQL. Makes Postgres available first
# (scripts/ensure-postgres.sh); with CI=true a missing Postgres fails the run.
set -uo pipefail
cd "$(dirname "$0")/.."
if ! bash scripts/ensure-postgres.sh; then
  if [[ "${CI:-}" == "true" || "${CI:-}" == "1" ]]; then
    echo "test: PostgreSQL is required under CI" >&2
    exit 1
  fi
  echo "test: *** no PostgreSQL; running the SQLite half only ***" >&2
  export HEARTH_TEST_DIALECTS=sqlite
fi
exec node_modules/.bin/bun test "$@"
