#!/usr/bin/env bash
# The browser tests (test/web/e2e.test.ts) drive Debian's chromium; install it when missing.
set -euo pipefail
# fonts-noto-color-emoji: reactions and emoji render (and screenshot) the same everywhere
if [[ -x /usr/bin/chromium ]] && fc-list 2>/dev/null | grep -qi "color emoji"; then exit 0; fi
if [[ $(id -u) -ne 0 ]]; then
  if [[ -x /usr/bin/chromium ]]; then echo "ensure-chromium: no colour emoji font (fonts-noto-color-emoji); tests still run" >&2; exit 0; fi
  echo "ensure-chromium: /usr/bin/chromium is missing and we are not root; run: sudo apt-get install -y chromium" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null
/usr/bin/chromium --version
