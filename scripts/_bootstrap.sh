# shellcheck shell=bash
# Sourced by scripts/run and scripts/test: make .venv hold exactly what uv.lock says, on a machine
# that has only python3. Idempotent and fast when nothing changed (~0.2 s).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
if [ ! -x "$VENV/bin/python" ]; then
  echo "setting up $VENV (first run only)…" >&2
  python3 -m venv "$VENV"
fi
# uv itself is a locked dev dependency, so `uv sync` keeps the very version that installed it.
UV_VERSION="$(sed -n '/^name = "uv"$/{n;s/^version = "\(.*\)"$/\1/p;q}' "$ROOT/uv.lock")"
if [ ! -x "$VENV/bin/uv" ] || [ "$("$VENV/bin/uv" --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  # `uv sync` removes pip (it is not locked); ensurepip brings it back offline.
  "$VENV/bin/python" -m pip --version >/dev/null 2>&1 || "$VENV/bin/python" -m ensurepip --upgrade >/dev/null
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
export UV_PROJECT_ENVIRONMENT="$VENV" UV_COMPILE_BYTECODE=1 UV_NO_PROGRESS=1
"$VENV/bin/uv" sync --locked --quiet --project "$ROOT"
export PATH="$VENV/bin:$PATH"
export TF_CLI_CONFIG_FILE=/dev/null
