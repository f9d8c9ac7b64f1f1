#!/usr/bin/env bash
# The browser tests drive Debian's chromium package (playwright-core downloads no browser of its own):
# install it when it is missing. Needs root, as CI runs; elsewhere run it with sudo once.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
echo "Installing chromium (for npm run test:browser)…" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
/usr/bin/chromium --version >&2
