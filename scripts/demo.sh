#!/usr/bin/env bash
# Command 1: install everything, build the demo archive in this folder, and start the player.
# Arguments go to `navar demo` (e.g. --model small). NAVAR_PORT picks the player's port.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/install.sh"
cd "$root"
"$root/.venv/bin/navar" demo "$@"
# The last thing on screen is the player's address; Ctrl-C stops it.
exec "$root/.venv/bin/navar" serve --port "${NAVAR_PORT:-5000}"
