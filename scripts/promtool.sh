#!/usr/bin/env bash
# Prints the path to promtool (last stdout line), for the tests of the alert rules and dashboard.
#
# promtool comes from Debian's prometheus package. Installing that package would also install
# (and, without a policy-rc.d, start) a Prometheus server and a dozen web libraries; only the
# promtool binary is needed, so the .deb is downloaded and that one file extracted into the cache.
# A promtool on PATH wins. Cache: ${RTMP_OPERATOR_CACHE:-$HOME/.cache/rtmp-push-operator}/bin/promtool.
set -euo pipefail

CACHE_ROOT="${RTMP_OPERATOR_CACHE:-$HOME/.cache/rtmp-push-operator}"
BIN_DIR="$CACHE_ROOT/bin"
PROMTOOL="$BIN_DIR/promtool"

log() { printf '[promtool.sh] %s\n' "$*" >&2; }

if command -v promtool >/dev/null 2>&1; then
  command -v promtool
  exit 0
fi
if [[ -x "$PROMTOOL" ]] && "$PROMTOOL" --version >/dev/null 2>&1; then
  echo "$PROMTOOL"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
log "extracting promtool from Debian's prometheus package"
if ! (cd "$work" && apt-get download prometheus >&2 2>/dev/null); then
  apt-get update -qq >&2
  (cd "$work" && apt-get download prometheus >&2)
fi
dpkg-deb -x "$work"/prometheus_*.deb "$work/x"
mkdir -p "$BIN_DIR"
install -m 0755 "$work/x/usr/bin/promtool" "$PROMTOOL.tmp.$$"
mv -f "$PROMTOOL.tmp.$$" "$PROMTOOL"
"$PROMTOOL" --version >&2
echo "$PROMTOOL"
