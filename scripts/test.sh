#!/usr/bin/env bash
# Command 2: install everything (test tools and Chromium included), then lint and run all tests.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/install.sh" --test
cd "$root"
bin="$root/.venv/bin"
echo "== ruff check"; "$bin/ruff" check .
echo "== ruff format --check"; "$bin/ruff" format --check .
echo "== pytest"; exec "$bin/python" -m pytest "$@"
