#!/usr/bin/env bash
# Builds bench/client-go-baseline/main.go, the plain client-go controller that the fleet benchmark
# compares the operator with (`npm run bench -- --only=fleet --baseline=client-go`), into
#   $CACHE_DIR/bin/rtmp-baseline-controller
# CACHE_DIR: ${RTMP_OPERATOR_CACHE:-$HOME/.cache/rtmp-push-operator}/client-go-baseline
#
# No Go module proxy is reachable, so client-go comes from where the control plane's comes from
# (scripts/provision-control-plane.sh): Debian's `kubernetes` 1.20 source package, whose vendor/
# holds client-go and every dependency. main.go is copied into that tree as cmd/rtmp-baseline and
# built in GOPATH mode (GO111MODULE=off), CGO_ENABLED=0. The tree is kept in the cache (about
# 400 MB) so a changed main.go rebuilds in seconds; the first build takes a few minutes.
#
# Skips the build when the binary exists and is newer than main.go. Needs root only when it must
# install Debian packages or add a deb-src entry. Progress goes to stderr; the last stdout line is
# the binary's path.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MAIN_GO="$REPO_ROOT/bench/client-go-baseline/main.go"
CACHE_DIR="${RTMP_OPERATOR_CACHE:-$HOME/.cache/rtmp-push-operator}/client-go-baseline"
BIN="$CACHE_DIR/bin/rtmp-baseline-controller"
SRC_DIR="$CACHE_DIR/src"

log() { printf '[build-client-go-baseline] %s\n' "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }

[[ -f "$MAIN_GO" ]] || fail "$MAIN_GO not found"
if [[ -x "$BIN" && "$BIN" -nt "$MAIN_GO" ]]; then
  log "up to date: $BIN (newer than $MAIN_GO)"
  echo "$BIN"
  exit 0
fi

mkdir -p "$CACHE_DIR/bin" "$SRC_DIR"
exec 9>"$CACHE_DIR/.build.lock"
log "taking lock $CACHE_DIR/.build.lock (waits while another caller builds)"
flock 9
if [[ -x "$BIN" && "$BIN" -nt "$MAIN_GO" ]]; then
  log "built by a concurrent caller: $BIN"
  echo "$BIN"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
APT_UPDATED=0
need_root() { [[ "$(id -u)" -eq 0 ]] || fail "$1 needs root (apt-get); run this script as root once"; }
apt_update_once() {
  if [[ "$APT_UPDATED" -eq 0 ]]; then
    need_root "apt-get update"
    log "apt-get update"
    apt-get update -q >&2 || fail "apt-get update"
    APT_UPDATED=1
  fi
}
missing=()
command -v go >/dev/null 2>&1 || missing+=(golang-go)
[[ -d /usr/share/gocode/src/github.com/modern-go/reflect2 ]] || missing+=(golang-github-modern-go-reflect2-dev)
command -v rsync >/dev/null 2>&1 || missing+=(rsync)
command -v dpkg-source >/dev/null 2>&1 || missing+=(dpkg-dev)
if [[ ${#missing[@]} -gt 0 ]]; then
  command -v apt-get >/dev/null 2>&1 || fail "missing ${missing[*]} and apt-get not found (this script knows Debian only)"
  apt_update_once
  log "apt-get install ${missing[*]}"
  apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 || fail "apt-get install ${missing[*]}"
fi

# --- the Kubernetes source tree (kept across builds) -----------------------------------------
find_tree() { find "$SRC_DIR" -mindepth 1 -maxdepth 1 -type d -name 'kubernetes-*' | head -n1; }
TREE="$(find_tree)"
if [[ -z "$TREE" || ! -f "$TREE/.rtmp-baseline-ready" ]]; then
  [[ -n "$TREE" ]] && { log "removing an unfinished tree $TREE"; rm -rf "$TREE"; }
  command -v apt-get >/dev/null 2>&1 || fail "apt-get not found: this script fetches client-go from Debian's kubernetes source package"
  if ! apt-cache showsrc kubernetes 2>/dev/null | grep -q '^Package: kubernetes'; then
    need_root "adding a deb-src entry"
    SRC_LIST=/etc/apt/sources.list.d/rtmp-push-operator-bookworm-src.sources
    log "adding a deb-src entry for bookworm main ($SRC_LIST)"
    cat >"$SRC_LIST" <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    APT_UPDATED=0
    apt_update_once
  fi
  log "fetching the kubernetes source package into $SRC_DIR"
  rm -f "$SRC_DIR"/kubernetes_*
  (cd "$SRC_DIR" && apt-get source -q kubernetes >&2) || fail "apt-get source kubernetes"
  TREE="$(find_tree)"
  [[ -n "$TREE" && -d "$TREE/vendor/k8s.io/client-go" ]] || fail "unexpected source layout in $SRC_DIR (no vendor/k8s.io/client-go)"
  # reflect2 1.0.1 (vendored by Kubernetes 1.20) reads runtime internals that changed in Go 1.18;
  # Debian's 1.0.2 copy is API-compatible (same replacement as provision-control-plane.sh).
  log "replacing vendored reflect2 with Debian's $(dpkg-query -W -f='${Version}' golang-github-modern-go-reflect2-dev 2>/dev/null || echo copy)"
  rm -rf "$TREE/vendor/github.com/modern-go/reflect2"
  rsync -a --exclude 'go.mod' --exclude '*_test.go' /usr/share/gocode/src/github.com/modern-go/reflect2/ "$TREE/vendor/github.com/modern-go/reflect2/"
  # A GOPATH whose k8s.io/kubernetes is the tree, as debian/rules lays it out.
  mkdir -p "$TREE/.go/src/k8s.io"
  ln -sfn ../../.. "$TREE/.go/src/k8s.io/kubernetes"
  rm -f "$SRC_DIR"/kubernetes_*
  touch "$TREE/.rtmp-baseline-ready"
else
  log "using the source tree $TREE"
fi

# --- the build --------------------------------------------------------------------------------
PKG_DIR="$TREE/cmd/rtmp-baseline"
mkdir -p "$PKG_DIR"
install -m 0644 "$MAIN_GO" "$PKG_DIR/main.go"
log "building k8s.io/kubernetes/cmd/rtmp-baseline with $(go version) (GOPATH mode, the tree's vendor/ client-go)"
started=$SECONDS
(
  cd "$TREE/.go/src/k8s.io/kubernetes"
  export GOPATH="$TREE/.go" GO111MODULE=off CGO_ENABLED=0 GOFLAGS=
  go build -trimpath -o "$BIN.tmp" ./cmd/rtmp-baseline >&2
) || { rm -f "$BIN.tmp"; fail "go build (see the compiler output above)"; }
mv -f "$BIN.tmp" "$BIN"
log "built $BIN in $((SECONDS - started)) s"
"$BIN" --help >/dev/null 2>&1 || [[ $? -eq 2 ]] || fail "$BIN does not run"
echo "$BIN"
