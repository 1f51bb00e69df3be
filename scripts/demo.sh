#!/usr/bin/env bash
# Quick start 1: install, then seed a demo registry (embedded SQLite) and serve it on localhost.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
exec .venv/bin/sehat demo "$@"
