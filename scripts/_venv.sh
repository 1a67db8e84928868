# Shared by scripts/demo, scripts/test and scripts/conformance: create or reuse a virtual
# environment and install into it. Needs Python >= 3.10 as python3 (or set PYTHON).

# make_venv DIR: create DIR as a virtual environment unless it already is one.
make_venv() {
  if [ ! -x "$1/bin/python" ]; then
    "${PYTHON:-python3}" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
      || { echo "powershai-py needs Python 3.10 or newer as ${PYTHON:-python3}" >&2; exit 2; }
    echo "Creating $1 ..." >&2
    "${PYTHON:-python3}" -m venv "$1"
    "$1/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null
  fi
}

# venv_install DIR ARGS...: pip install ARGS into DIR; on failure show pip's output and stop.
venv_install() {
  local dir=$1; shift
  local log; log=$(mktemp)
  echo "Installing $* into $dir ..." >&2
  if ! "$dir/bin/python" -m pip install --disable-pip-version-check "$@" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "pip install failed" >&2
    exit 1
  fi
  rm -f "$log"
}

VENV="${VENV:-.venv}"
make_venv "$VENV"
