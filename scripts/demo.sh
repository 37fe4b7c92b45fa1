#!/usr/bin/env bash
# Command 1: install everything, build the demo archive in this folder, and start the player.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/install.sh"
cd "$root"
"$root/.venv/bin/navar" demo "$@"
