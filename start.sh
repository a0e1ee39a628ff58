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
# Links in feeds, DCAT and Data Packages point where this portal answers unless told otherwise.
host="${OTKRITO_HOST:-127.0.0.1}"
case "$host" in 0.0.0.0|::) link_host=127.0.0.1 ;; *) link_host="$host" ;; esac
export OTKRITO_BASE_URL="${OTKRITO_BASE_URL:-http://${link_host}:${OTKRITO_PORT:-8000}}"
echo "Otkrito: ${OTKRITO_BASE_URL}/"
exec .venv/bin/otkrito serve --host "$host" --port "${OTKRITO_PORT:-8000}"
