#!/usr/bin/env bash
# The container's entry point (also what the tests run against the published app, with TAGWORKER_ROOT set):
#  1. paths and defaults from image.env, under $TAGWORKER_ROOT;
#  2. runs as PUID:PGID (default 1000:1000) so sidecars and the data folder belong to the library's owner;
#  3. a settings file in /config on first start (edit it there); models fetched with checksums into /models;
#  4. exec the worker, so it receives SIGTERM directly.
set -euo pipefail
root=${TAGWORKER_ROOT:-}
here=$(cd "$(dirname "$0")" && pwd)
say() { echo "[entrypoint] $*" >&2; }

while IFS='=' read -r key value; do
  [[ -z "$key" || "$key" == \#* ]] && continue
  case "$value" in /*) value="$root$value" ;; esac
  [ -n "${!key:-}" ] || export "$key=$value"
done < "$here/image.env"

app="$TAGWORKER_HOME"
config_dir=$(dirname "$TAGWORKER_CONFIG")
mkdir -p "$TagWorker__Data__Dir" "$TagWorker__Inference__ModelsDir" "$config_dir" 2>/dev/null || true
[ -f "$TAGWORKER_CONFIG" ] || cp "$app/appsettings.json" "$TAGWORKER_CONFIG" 2>/dev/null || say "cannot write $TAGWORKER_CONFIG; using the defaults"
[ -f "$TAGWORKER_CONFIG" ] || export TAGWORKER_CONFIG="$app/appsettings.json"

# Models: the manifest the image carries, and the files it names (from MODELS_SOURCE, else their download address).
cp -f "$app/models/manifest.json" "$TagWorker__Inference__ModelsDir/manifest.json"
TAGWORKER_MODELS_SOURCE=${TAGWORKER_MODELS_SOURCE:-$app/models} "$app/models/fetch" "$TagWorker__Inference__ModelsDir" \
  || say "some models are missing from $TagWorker__Inference__ModelsDir: put them there (see models/manifest.json) and restart"

# The image carries a self-contained publish (its own runtime); the tests' published app uses the machine's dotnet.
if [ -f "$app/libcoreclr.so" ]; then cmd=("$app/TagWorker" "${@:-serve}"); else cmd=(dotnet "$app/TagWorker.dll" "${@:-serve}"); fi
if [ "$(id -u)" = "0" ]; then
  uid=${PUID:-1000}
  gid=${PGID:-1000}
  chown -R "$uid:$gid" "$TagWorker__Data__Dir" "$TagWorker__Inference__ModelsDir" 2>/dev/null || true
  chown "$uid:$gid" "$config_dir" "$TAGWORKER_CONFIG" 2>/dev/null || true
  # The data folder (database, token, thumbnails, backups) is nobody else's business on a shared host.
  chmod 700 "$TagWorker__Data__Dir" 2>/dev/null || true
  say "running as $uid:$gid"
  exec setpriv --reuid="$uid" --regid="$gid" --clear-groups "${cmd[@]}"
fi
exec "${cmd[@]}"
