#!/usr/bin/env bash
# Command 2: install everything (test tools and Chromium included), then lint and run all tests.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/install.sh" --test
cd "$root"
bin="$root/.venv/bin"
echo "== ruff check"; "$bin/ruff" check .
echo "== ruff format --check"; "$bin/ruff" format --check .
# Two workers (pytest-xdist): much of the suite waits on Chromium, ffmpeg and subprocesses, so two
# run in less time than one on this 2-core machine (BENCHMARKS.md). tests/conftest.py sends the
# tests that share a module-scoped fixture (a model run, a browser) to one worker.
echo "== pytest"; exec "$bin/python" -m pytest -n 2 --durations=15 "$@"
