#!/usr/bin/env bash
# Set up Otkrito in ./.venv, seed the demo content into ./instance and serve the portal.
set -euo pipefail
cd "$(dirname "$0")"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --editable '.[test]'
# The chart library the pages serve from our own origin (and axe-core for the browser tests).
npm ci --no-audit --no-fund --silent
.venv/bin/otkrito init
.venv/bin/otkrito demo
echo "Otkrito: http://${OTKRITO_HOST:-127.0.0.1}:${OTKRITO_PORT:-8000}/"
exec .venv/bin/otkrito serve --host "${OTKRITO_HOST:-127.0.0.1}" --port "${OTKRITO_PORT:-8000}"
