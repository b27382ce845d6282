#!/usr/bin/env bash
# Provisions the real control plane used by the integration tests: `etcd`, `kube-apiserver`
# and `kube-controller-manager` executables in "$CACHE_DIR/bin", and a `kubectl` (the one on PATH, or
# else Debian's kubernetes-client extracted into the cache and linked into "$CACHE_DIR/bin").
#
# Usage: scripts/provision-control-plane.sh [CACHE_DIR]
#   CACHE_DIR defaults to ${RTMP_OPERATOR_CACHE:-$HOME/.cache/rtmp-push-operator}/control-plane
#
# Only Debian's package archive is reachable from our machines and CI, so neither binary
# can be downloaded prebuilt:
#   - etcd comes from the `etcd-server` package (3.4.x);
#   - kube-apiserver is compiled from Debian's `kubernetes` source package (1.20.2). Debian
#     itself only ships kubectl from it, but the tree (with vendor/) builds every command.
# Idempotent: exits at once when both binaries already exist and run. A lock makes
# concurrent callers wait for one build instead of racing.
# Needs root (apt-get). Progress goes to stderr; the last stdout line is the bin folder.
set -euo pipefail

CACHE_DIR="${1:-${RTMP_OPERATOR_CACHE:-$HOME/.cache/rtmp-push-operator}/control-plane}"
BIN_DIR="$CACHE_DIR/bin"
KUBERNETES_VERSION="v1.20.2"

log() { printf '[provision-control-plane] %s\n' "$*" >&2; }

kubectl_available() {
  command -v kubectl >/dev/null 2>&1 || [[ -x "$BIN_DIR/kubectl" ]]
}

binaries_work() {
  kubectl_available || return 1
  [[ -x "$BIN_DIR/etcd" && -x "$BIN_DIR/kube-apiserver" && -x "$BIN_DIR/kube-controller-manager" ]] || return 1
  "$BIN_DIR/etcd" --version >/dev/null 2>&1 || return 1
  "$BIN_DIR/kube-apiserver" --version >/dev/null 2>&1 || return 1
  "$BIN_DIR/kube-controller-manager" --version >/dev/null 2>&1 || return 1
}

if binaries_work; then
  log "already provisioned in $BIN_DIR"
  echo "$BIN_DIR"
  exit 0
fi

mkdir -p "$BIN_DIR"
exec 9>"$CACHE_DIR/.provision.lock"
log "taking lock $CACHE_DIR/.provision.lock (waits while another caller provisions)"
flock 9
# Another caller may have finished while we waited for the lock.
if binaries_work; then
  log "provisioned by a concurrent caller in $BIN_DIR"
  echo "$BIN_DIR"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  log "apt-get not found: this script only knows how to provision on Debian."
  log "Alternatives: set KUBEBUILDER_ASSETS to a folder with etcd and kube-apiserver, or run a Docker engine (k3s)."
  exit 1
fi
if [[ "$(id -u)" -ne 0 ]]; then
  log "must run as root (it installs Debian packages)"
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
APT_UPDATED=0
apt_update_once() {
  if [[ "$APT_UPDATED" -eq 0 ]]; then
    log "apt-get update"
    apt-get update -q >&2
    APT_UPDATED=1
  fi
}
apt_install() {
  apt_update_once
  log "apt-get install $*"
  apt-get install -y -q --no-install-recommends "$@" >&2
}

# --- etcd ---------------------------------------------------------------------------
if ! { [[ -x "$BIN_DIR/etcd" ]] && "$BIN_DIR/etcd" --version >/dev/null 2>&1; }; then
  if [[ ! -x /usr/bin/etcd ]]; then
    apt_install etcd-server
  fi
  # Copy rather than symlink so that the cache does not depend on the package staying installed.
  install -m 0755 /usr/bin/etcd "$BIN_DIR/etcd.tmp"
  mv -f "$BIN_DIR/etcd.tmp" "$BIN_DIR/etcd"
  log "etcd: $("$BIN_DIR/etcd" --version 2>/dev/null | head -n1)"
  # The package's systemd unit would start a stray etcd on 2379 where systemd runs; we
  # only want the binary.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet etcd 2>/dev/null; then
    systemctl disable --now etcd >/dev/null 2>&1 || true
  fi
fi

# --- kubectl (used by the tests' helper) ----------------------------------------------
if ! kubectl_available; then
  # Debian's kubernetes-client is built from the same source package as our apiserver (no
  # version skew). Extract it into the cache instead of installing it, so that it cannot
  # conflict with another package that owns /usr/bin/kubectl.
  apt_update_once
  DEB_DIR="$(mktemp -d "${TMPDIR:-/tmp}/kubectl-deb.XXXXXX")"
  log "fetching kubernetes-client (kubectl)"
  (cd "$DEB_DIR" && apt-get download -q kubernetes-client >&2)
  rm -rf "$CACHE_DIR/kubernetes-client"
  dpkg-deb -x "$DEB_DIR"/kubernetes-client_*.deb "$CACHE_DIR/kubernetes-client"
  rm -rf "$DEB_DIR"
  ln -sfn ../kubernetes-client/usr/bin/kubectl "$BIN_DIR/kubectl"
  log "kubectl: $("$BIN_DIR/kubectl" version --client --short 2>/dev/null || true)"
fi

# --- kube-apiserver and kube-controller-manager -----------------------------------------
# The controller manager runs the namespace and garbage-collector controllers for the tests
# that delete a namespace; both commands build from the one tree in one make call.
binary_runs() { [[ -x "$BIN_DIR/$1" ]] && "$BIN_DIR/$1" --version >/dev/null 2>&1; }
if ! binary_runs kube-apiserver || ! binary_runs kube-controller-manager; then
  apt_update_once
  if ! apt-cache showsrc kubernetes 2>/dev/null | grep -q '^Package: kubernetes'; then
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
  apt_install golang-go golang-github-modern-go-reflect2-dev rsync dpkg-dev make

  BUILD_DIR="$(mktemp -d "${TMPDIR:-/tmp}/kube-apiserver-build.XXXXXX")"
  trap 'rm -rf "$BUILD_DIR"' EXIT
  log "fetching the kubernetes source package into $BUILD_DIR"
  # apt-get source as root warns that it cannot drop privileges to _apt in a folder _apt
  # cannot write; the download works anyway.
  (cd "$BUILD_DIR" && apt-get source -q kubernetes >&2)
  TREE="$(find "$BUILD_DIR" -mindepth 1 -maxdepth 1 -type d -name 'kubernetes-*' | head -n1)"
  if [[ -z "$TREE" || ! -d "$TREE/vendor" ]]; then
    log "unexpected source layout in $BUILD_DIR"
    exit 1
  fi

  # reflect2 1.0.1 (vendored by Kubernetes 1.20) reads runtime internals that changed in
  # Go 1.18: the apiserver then crashes on the first custom-resource write. Debian's 1.0.2
  # copy is API-compatible and knows the newer runtime.
  REFLECT2_SRC=/usr/share/gocode/src/github.com/modern-go/reflect2
  log "replacing vendored reflect2 with Debian's $(dpkg-query -W -f='${Version}' golang-github-modern-go-reflect2-dev)"
  rm -rf "$TREE/vendor/github.com/modern-go/reflect2"
  rsync -a --exclude 'go.mod' --exclude '*_test.go' "$REFLECT2_SRC/" "$TREE/vendor/github.com/modern-go/reflect2/"

  # Same layout as debian/rules: a GOPATH whose k8s.io/kubernetes is the tree. The
  # Kubernetes makefiles build in GOPATH mode (GO111MODULE=off) with vendor/.
  mkdir -p "$TREE/.go/src/k8s.io"
  ln -sfn ../../.. "$TREE/.go/src/k8s.io/kubernetes"
  log "building kube-apiserver and kube-controller-manager $KUBERNETES_VERSION with $(go version) (takes ~15 minutes on 2 cores)"
  started=$SECONDS
  (
    cd "$TREE"
    export GOPATH="$TREE/.go" CGO_ENABLED=0 HOME="$BUILD_DIR/home"
    mkdir -p "$HOME"
    make WHAT="cmd/kube-apiserver cmd/kube-controller-manager" >&2
  )
  log "build took $((SECONDS - started)) s"
  for cmd in kube-apiserver kube-controller-manager; do
    install -m 0755 "$TREE/_output/bin/$cmd" "$BIN_DIR/$cmd.tmp"
    mv -f "$BIN_DIR/$cmd.tmp" "$BIN_DIR/$cmd"
    log "$cmd: $("$BIN_DIR/$cmd" --version 2>/dev/null)"
  done
  rm -rf "$BUILD_DIR"
  trap - EXIT
fi

binaries_work || { log "binaries in $BIN_DIR do not run"; exit 1; }
log "provisioned in $BIN_DIR"
echo "$BIN_DIR"
