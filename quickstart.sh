#!/usr/bin/env bash
# Hlídka quick start: `bash quickstart.sh demo` runs a whole simulated school,
# `bash quickstart.sh test` runs every check, `bash quickstart.sh quick` all but
# the slow real-time tests (between commits). They install what they need on a
# fresh Debian machine (run as root): Python venv, the project with its extras,
# Mosquitto and the DejaVu fonts (the PDF incident reports' Czech letters) when
# they are missing; `test` also Debian's Chromium for the
# console's browser tests (Playwright drives it; it never downloads a browser).
set -euo pipefail
cd "$(dirname "$0")"

VENV="${HLIDKA_VENV:-.venv}"
PY="$VENV/bin/python"

need_apt=()
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
python3 -c "import venv, ensurepip" >/dev/null 2>&1 || need_apt+=(python3-venv)
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need_apt+=(mosquitto)
command -v git >/dev/null 2>&1 || need_apt+=(git)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need_apt+=(fonts-dejavu-core)
if [ "${1:-}" = "test" ] && [ ! -x /usr/bin/chromium ]; then need_apt+=(chromium); fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "== installing ${need_apt[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# Re-install only when pyproject.toml changed, so a second run starts at once.
stamp="$VENV/.hlidka-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -x "$PY" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "== creating $VENV and installing hlidka[dev] (first run takes a few minutes)"
  python3 -m venv "$VENV"
  "$PY" -m pip install -q --upgrade pip
  "$PY" -m pip install -q -e '.[dev]'
  echo "$want" > "$stamp"
fi
export PATH="$PWD/$VENV/bin:$PATH:/usr/sbin"

case "${1:-}" in
  demo)
    shift
    exec "$PY" -m hil_sim demo "$@"
    ;;
  test|quick)
    mode="$1"
    shift
    echo "== ruff"
    "$PY" -m ruff check .
    "$PY" -m ruff format --check .
    echo "== mypy (strict)"
    "$PY" -m mypy
    echo "== pytest"
    # Exit code 5 (no tests collected) is a failure here, like any other non-zero.
    if [ "$mode" = quick ]; then
      # Between commits: everything but the tests marked slow (minutes of real time each).
      "$PY" -m pytest -q -m "not slow" "$@"
    else
      "$PY" -m pytest -q "$@"
    fi
    ;;
  *)
    echo "usage: bash quickstart.sh demo|test|quick" >&2
    exit 2
    ;;
esac
