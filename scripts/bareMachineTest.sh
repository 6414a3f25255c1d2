#!/usr/bin/env bash
# Proves the README's promise: `npm ci && npm test` passes on a machine with nothing but Node and npm —
# not root, no bubblewrap, no Docker, no browser — and says what it skipped. Runs the README's command in
# a fresh clone of this repository's HEAD, as a non-root user when started as root, with a PATH of
# symlinks to every program on this machine's PATH except the ones a bare machine lacks, a new HOME
# (so no e2e cache) and an environment that names no Docker engine. Prints the run and fails when it
# fails or when its skip summary is missing.
#
#   bash scripts/bareMachineTest.sh                  # .ci/run calls it after the full suite
#   bash scripts/bareMachineTest.sh npm run bench    # another command after npm ci, same bare machine
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
hidden=(bwrap docker dockerd containerd runc chromium chromium-browser google-chrome socat rg code-server go)
user="${AGENT_OS_BARE_USER:-agentosbare}"

say() { printf '[bare machine] %s\n' "$*"; }

work="$(mktemp -d /tmp/agent-os-bare-XXXXXX)"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
chmod 755 "$work"

# ---- a PATH without the tools a bare machine lacks ---------------------------------------------
bin="$work/bin"
mkdir -p "$bin"
IFS=: read -r -a dirs <<<"$PATH"
for dir in "${dirs[@]}"; do
  [ -d "$dir" ] || continue
  for prog in "$dir"/*; do
    name="$(basename "$prog")"
    [ -x "$prog" ] && [ ! -d "$prog" ] || continue
    [ -e "$bin/$name" ] && continue
    skip=no
    for h in "${hidden[@]}"; do [ "$name" = "$h" ] && skip=yes; done
    [ $skip = yes ] && continue
    # Resolved, so a PATH entry under a home the test user cannot read (e.g. /root/.pyenv) still works.
    ln -s "$(readlink -f "$prog")" "$bin/$name"
  done
done
for h in "${hidden[@]}"; do [ -e "$bin/$h" ] && { say "could not hide $h"; exit 1; }; done
say "PATH without: ${hidden[*]}"

# ---- a clean clone of what is committed --------------------------------------------------------
git clone --quiet --no-hardlinks "$repo" "$work/clone"
git -C "$work/clone" checkout --quiet "$(git -C "$repo" rev-parse HEAD)"
home="$work/home"
mkdir -p "$home"

run=(env -i "PATH=$bin" "HOME=$home" "LANG=C.UTF-8" "TERM=dumb" "npm_config_cache=$home/.npm" "npm_config_update_notifier=false")
if [ "$(id -u)" = 0 ]; then
  id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
  chown -R "$user" "$work/clone" "$home"
  # The npm cache of this machine, copied, so the clean clone installs without fetching every package again.
  if [ -d "${npm_config_cache:-$HOME/.npm}/_cacache" ]; then
    cp -r "${npm_config_cache:-$HOME/.npm}/_cacache" "$home/.npm-cacache" 2>/dev/null && mkdir -p "$home/.npm" && mv "$home/.npm-cacache" "$home/.npm/_cacache"
    chown -R "$user" "$home/.npm"
  fi
  run=(setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups "${run[@]}")
  say "as user $user (not root)"
else
  say "as $(id -un) (not root)"
fi

log="$work/run.log"
command="${*:-npm test}"
say "in a clean clone: npm ci && $command"
set +e
(cd "$work/clone" && "${run[@]}" bash -c "node --version && npm ci --no-audit --no-fund --prefer-offline && $command") 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
if [ "$status" != 0 ]; then say "failed (exit $status)"; exit "$status"; fi
if [ "$command" = "npm test" ] && ! grep -q '^Skipped here' "$log"; then say "the run printed no skip summary"; exit 1; fi
say "passed"
