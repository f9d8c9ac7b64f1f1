#!/usr/bin/env bash
# Builds the Python distribution (sdist + wheel) of the jsii assembly without PyPI.
#
# jsii-pacmak's own Python build step makes a venv and pip-installs
# setuptools~=75.3.2, build~=1.5.0, twine~=7.0.0, packaging>=26.3 from PyPI,
# then runs an isolated `python -m build` (which pip-installs the build-system
# requirements again). Neither works offline, so pacmak only generates the
# sources (--code-only) and Debian's python3-build builds them against Debian's
# setuptools/wheel, without isolation and without the version check.
#
# Usage: scripts/package/python.sh   (after `npm run build` and `npm run docs:python`, whose tablet gives the Python docstrings)
# Output: dist/packages/python/*.whl and *.tar.gz; generated sources in dist/packages/python-src.
set -euo pipefail
cd "$(dirname "$0")/../.."
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="${JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION:-20}"

# Debian's interpreter, not whatever `python3` is first on PATH (pyenv etc.):
# only /usr/bin/python3 sees the packages installed by apt.
PY=/usr/bin/python3

need=()
$PY -c 'import build' 2>/dev/null || need+=(python3-build)
$PY -c 'import setuptools, wheel' 2>/dev/null || need+=(python3-setuptools python3-wheel)
$PY -c 'import twine' 2>/dev/null || need+=(twine)
if ((${#need[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "package-python: missing Debian packages ${need[*]}; run: sudo apt-get install -y --no-install-recommends ${need[*]}" >&2
    exit 1
  fi
  # `apt-get update` only when the package lists are absent (fresh container).
  ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1 || apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

rm -rf dist/packages/python-src dist/packages/python
# --no-npmignore: keep the repository's .npmignore/`files` as written.
npx jsii-pacmak --targets python --code-only --no-npmignore --outdir dist/packages/python-src
src=dist/packages/python-src/python
$PY -m build --no-isolation --skip-dependency-check --outdir dist/packages/python "$src"
$PY -m twine check --strict dist/packages/python/*

# The wheel must carry the module and the jsii assembly tarball.
whl=$(ls dist/packages/python/*.whl)
$PY - "$whl" <<'PYEOF'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
need = ["sfn_deployer/__init__.py", "sfn_deployer/py.typed"]
missing = [n for n in need if n not in names]
if not any(n.startswith("sfn_deployer/_jsii/") and n.endswith(".jsii.tgz") for n in names):
    missing.append("sfn_deployer/_jsii/*.jsii.tgz")
if missing:
    sys.exit(f"package-python: {sys.argv[1]} lacks {missing}")
print(f"package-python: {sys.argv[1]} OK ({len(names)} files)")
PYEOF
