#!/usr/bin/env bash
# Prints the path of a Python interpreter that has exactly the packages pinned in
# requirements-dev.txt: the first python3 on PATH if it already has them, otherwise .venv/python,
# created and filled from the configured package index on first use and reused after that.
# Everything but the final path goes to stderr, so callers can write PYTHON=$(scripts/python-env.sh).
#
# With an argument, an overrides file (e.g. requirements-spark-4.1.txt): its pins replace the
# same packages' pins of requirements-dev.txt, in a virtualenv of its own (.venv-<file's stem>),
# so the Spark 4.1 line shares every other pin with the rest of the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
overrides=${1:-}
requirements=requirements-dev.txt
venv=.venv
if [ -n "$overrides" ]; then
  [ -f "$overrides" ] || { echo "python-env: no such overrides file: $overrides" >&2; exit 1; }
  venv=".venv-$(basename "$overrides" .txt | sed 's/^requirements-//')"
  mkdir -p "$venv"
  # requirements-dev.txt less the packages the overrides pin, then the overrides.
  names=$(sed -n 's/^\([A-Za-z0-9_.-]*\)\(\[[^]]*\]\)\{0,1\}==.*/\1/p' "$overrides")
  {
    grep -v -i -E "^($(echo "$names" | paste -sd'|'))(\[[^]]*\])?==" requirements-dev.txt
    cat "$overrides"
  } >"$venv/requirements.txt"
  requirements="$venv/requirements.txt"
fi
stamp="$venv/.requirements.sha256"

fail() { echo "python-env: $*" >&2; exit 1; }

# Exit 0 when the interpreter has every pinned distribution at exactly the pinned version.
satisfies() {
  "$1" - "$requirements" <<'PY' 2>/dev/null
import re, sys
from importlib import metadata
for line in open(sys.argv[1]):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    name, version = re.match(r"([A-Za-z0-9_.-]+)(?:\[[^]]*\])?==(\S+)", line).groups()
    if metadata.version(name) != version:
        sys.exit(1)
PY
}

host=$(command -v python3 || true)
[ -n "$host" ] || fail "no python3 on PATH: install Python 3.11 (for example: apt-get install python3 python3-venv)"
if satisfies "$host"; then echo "$host"; exit 0; fi

want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  if [ ! -x "$venv/bin/python" ]; then
    echo "python-env: creating $venv (first run only) with $("$host" --version 2>&1)" >&2
    "$host" -m venv "$venv" >&2 ||
      fail "'$host -m venv' failed: install the venv module (apt-get install python3-venv) or run: $host -m pip install -r $requirements"
  fi
  echo "python-env: installing $requirements into $venv (pyspark is large: a minute or two once)" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2 ||
    fail "could not install $requirements into $venv: check the package index, or run: $venv/bin/python -m pip install -r $requirements"
  echo "$want" > "$stamp"
fi
satisfies "$venv/bin/python" || fail "$venv does not match $requirements after installing: remove $venv and run again"
echo "$PWD/$venv/bin/python"
