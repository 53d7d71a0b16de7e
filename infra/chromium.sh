#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed for the dashboard's Playwright test (which launches
# /usr/bin/chromium and never downloads a browser). As root it installs the `chromium` package with
# apt-get when it is missing; otherwise it prints the command to run and fails.
set -euo pipefail
CHROMIUM="${CAI_CHROMIUM:-/usr/bin/chromium}"
[[ -x "$CHROMIUM" ]] && exit 0
if [[ "$(id -u)" -ne 0 ]]; then
  echo "chromium: $CHROMIUM is missing; install it with: sudo apt-get install -y chromium" >&2
  exit 1
fi
echo "chromium: installing the chromium package (for the dashboard's browser test)..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }
[[ -x "$CHROMIUM" ]] || { echo "chromium: installing the package did not provide $CHROMIUM" >&2; exit 1; }
