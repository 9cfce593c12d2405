#!/usr/bin/env bash
# Install everything the project needs into .venv and node_modules, then prepare the database.
# Safe to run again: each step only does work when something changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=$(scripts/find-python)
export UV_PYTHON_DOWNLOADS=never
if command -v uv >/dev/null 2>&1 && uv --version >/dev/null 2>&1; then
  UV=(uv)
else
  echo "uv not found: installing it for $PYTHON"
  "$PYTHON" -m pip install --quiet --user "uv==0.13.8" || "$PYTHON" -m pip install --quiet "uv==0.13.8"
  UV=("$PYTHON" -m uv)
fi

echo "Python packages (uv.lock) …"
"${UV[@]}" sync --frozen --compile-bytecode --python "$PYTHON" --quiet

echo "Front-end packages (package-lock.json) …"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

echo "Translations …"
.venv/bin/python manage.py compilemessages --ignore=.venv --ignore=node_modules -v0

echo "Database migrations …"
.venv/bin/python manage.py migrate --no-input -v0
.venv/bin/python manage.py collectstatic --no-input -v0
