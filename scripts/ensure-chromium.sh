#!/usr/bin/env bash
# Debian's Chromium for the browser test (driven by playwright-core; Playwright's own browser
# downloads are not used). Installs it when missing; prints its path.
set -euo pipefail
CHROMIUM=/usr/bin/chromium
if [ ! -x "$CHROMIUM" ]; then
  as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }
  as_root apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >&2
fi
echo "$CHROMIUM"
