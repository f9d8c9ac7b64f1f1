#!/usr/bin/env bash
# System packages the pseudo-terminal tests need (npm run test:tty): tmux, from Debian, when missing.
set -euo pipefail
if ! command -v tmux >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux >/dev/null
fi
tmux -V
