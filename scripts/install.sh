#!/usr/bin/env bash
# Install what Navar needs on Debian or Ubuntu: the Debian packages that are missing (ffmpeg,
# espeak-ng, openssl; chromium too with --test), a virtual environment in .venv, and the Python
# packages.
# Safe to run again: what is already there is kept.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${NAVAR_VENV:-$root/.venv}
extras=""
[ "${1:-}" = "--test" ] && extras="[test]"

say() { printf 'navar-install: %s\n' "$*" >&2; }

python=${PYTHON:-python3}
if ! command -v "$python" >/dev/null 2>&1; then
  say "python3 not found; install Python 3.10 or newer (sudo apt-get install python3 python3-venv)"
  exit 1
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
  say "Python 3.10 or newer is needed; $("$python" --version) found"
  exit 1
fi

debs=()
command -v ffmpeg >/dev/null 2>&1 || debs+=(ffmpeg)
command -v espeak-ng >/dev/null 2>&1 || debs+=(espeak-ng)
command -v openssl >/dev/null 2>&1 || debs+=(openssl)  # RFC 3161 timestamp requests (navar timestamp)
if [ -n "$extras" ]; then
  command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || debs+=(chromium)
fi
if [ ! -x "$venv/bin/python" ] && ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  debs+=("python3-venv")
fi

if [ ${#debs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then sudo=""
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"
  else
    say "these Debian packages are missing and I am not root: ${debs[*]}"
    say "install them, then run this again:  sudo apt-get install ${debs[*]}"
    exit 1
  fi
  say "installing Debian packages: ${debs[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${debs[@]}" >/dev/null
fi

if [ ! -x "$venv/bin/python" ]; then
  say "creating the virtual environment $venv"
  "$python" -m venv "$venv"
fi
say "installing Python packages into $venv (first time: a few minutes)"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -e "$root$extras" 2>&1 \
  | grep -v "^WARNING: Location" >&2 || true
# pip's own status is what counts, not grep's: check that the install really happened.
"$venv/bin/python" -c 'import faster_whisper, webvtt, pydub, flask, rapidfuzz' || {
  say "the Python packages did not install; see pip's messages above"
  exit 1
}
