#!/usr/bin/env bash
# Headless Chromium and its WebDriver for the browser test (tests/test_web_browser.py).
#
#   bash scripts/chromium.sh          # install Debian's chromium and chromium-driver if missing (idempotent)
#   bash scripts/chromium.sh paths    # print the browser and driver paths the test uses
#
# Debian's packages only: nothing is fetched by Selenium itself (the test gives it both paths).
set -euo pipefail

BROWSER="${QUOTES_CHROMIUM:-/usr/bin/chromium}"
DRIVER="${QUOTES_CHROMEDRIVER:-/usr/bin/chromedriver}"

install_if_missing() {
  if [ -x "$BROWSER" ] && [ -x "$DRIVER" ]; then
    return
  fi
  echo "chromium.sh: installing Debian's chromium and chromium-driver" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core >/dev/null
  if [ ! -x "$BROWSER" ] || [ ! -x "$DRIVER" ]; then
    echo "chromium.sh: $BROWSER or $DRIVER still missing after apt-get install" >&2
    exit 1
  fi
}

case "${1:-install}" in
  install)
    install_if_missing
    echo "chromium.sh: $("$BROWSER" --version 2>/dev/null || echo chromium) and $("$DRIVER" --version 2>/dev/null | cut -d' ' -f1-2) ready" >&2
    ;;
  paths) echo "$BROWSER $DRIVER" ;;
  *) echo "usage: $0 [install|paths]" >&2; exit 2 ;;
esac
