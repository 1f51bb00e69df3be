#!/usr/bin/env bash
# Quick start 2: install, start the services, lint, type-check and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
scripts/services.sh
if ! command -v chromium >/dev/null 2>&1; then  # the browser tests drive Debian's Chromium
  echo "installing Debian's chromium for the browser tests"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } \
    || echo "could not install chromium: the browser tests will say how to"
fi
export SEHAT_TEST_POSTGRES_URL="${SEHAT_TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
export SEHAT_TEST_REDIS_URL="${SEHAT_TEST_REDIS_URL:-redis://127.0.0.1:6379/0}"
export SEHAT_VECTORS_DIR="${SEHAT_VECTORS_DIR:-$(cd .. && pwd)/shared/vectors}"
echo "== ruff"; .venv/bin/ruff check src tests bench scripts
echo "== mypy"; .venv/bin/mypy
echo "== pytest"
set +e
# One test process per core, each test file whole in one of them (a file's tests share its
# servers and fixtures); SEHAT_TEST_PROCESSES=0 runs them all in this process.
.venv/bin/pytest -q -p no:cacheprovider -n "${SEHAT_TEST_PROCESSES:-auto}" --dist loadfile "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then echo "no tests ran: that is a failure"; exit 1; fi
exit "$rc"
