#!/usr/bin/env bash
# Starts a private Docker engine for the dev container tests and CI, and makes the local base image.
# Idempotent: a second run finds the engine answering and the image present, and only prints the env line.
#
#   eval "$(scripts/docker/start.sh)"     # exports DOCKER_HOST for this shell
#
# Everything lives under AGENT_OS_DOCKER_DIR (default /tmp/agent-os-docker): data root, exec root,
# socket, pidfile and log, so it never touches a system engine and stop.sh can undo it exactly.
# Progress goes to stderr; stdout carries only the `export DOCKER_HOST=…` line.
#
# Tests never call it (they skip without an engine, see test/support/requirements.ts); .ci/run does, after
# installing Debian's docker.io.
set -euo pipefail

dir="${AGENT_OS_DOCKER_DIR:-/tmp/agent-os-docker}"
image="${AGENT_OS_DOCKER_IMAGE:-agent-os-base:latest}"
sock="$dir/docker.sock"
pidfile="$dir/docker.pid"
log="$dir/dockerd.log"
export DOCKER_HOST="unix://$sock"

say() { echo "agent-os docker: $*" >&2; }

if ! command -v dockerd >/dev/null 2>&1; then
  say "dockerd is missing: install Debian's docker.io (.ci/run does)"
  exit 1
fi

# The test suite may call this from several files at once: one starter at a time.
mkdir -p "$dir"
exec 9>"$dir/start.lock"
flock 9

answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if ! answers; then
  # A stale pidfile or socket from a killed engine would make dockerd refuse to start.
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    say "engine pid $(cat "$pidfile") is alive but not answering; waiting for it"
  else
    rm -f "$pidfile" "$sock"
    say "starting dockerd (log: $log)"
    # setsid: the engine must outlive this script and not get the caller's terminal signals.
    setsid dockerd \
      --data-root "$dir/data" \
      --exec-root "$dir/exec" \
      --host "unix://$sock" \
      --pidfile "$pidfile" \
      >"$log" 2>&1 </dev/null 9>&- &
  fi
  for _ in $(seq 1 120); do
    answers && break
    sleep 0.5
  done
  if ! answers; then
    say "dockerd did not answer within 60 s; last log lines:"
    tail -n 20 "$log" >&2 || true
    exit 1
  fi
fi

if ! docker image inspect "$image" >/dev/null 2>&1; then
  say "importing $image from this machine's root file system"
  # Empty folders a Linux tool chain expects (tmp with its sticky bit); tar appends them from a stage.
  stage="$(mktemp -d)"
  trap 'rm -rf "$stage"' EXIT
  mkdir -p "$stage/tmp" "$stage/root" "$stage/home" "$stage/var/tmp" "$stage/run" "$stage/workspaces"
  chmod 1777 "$stage/tmp" "$stage/var/tmp"
  # Large folders nothing in a dev container test needs are left out to keep the import quick.
  tar -c \
    --exclude=usr/lib/google-cloud-sdk --exclude=usr/lib/jvm --exclude=usr/lib/chromium \
    --exclude='usr/local/cuda*' --exclude=usr/lib/llvm-14 --exclude=usr/share/doc \
    --exclude=usr/lib/postgresql \
    -C / bin lib lib64 usr etc sbin \
    -C "$stage" tmp root home var run workspaces 2>/dev/null \
    | docker import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$image" >/dev/null
  for check in 'node --version' 'git --version' 'bash -c "echo ok"'; do
    if ! docker run --rm --network=none "$image" sh -c "$check" >/dev/null 2>&1; then
      say "image $image cannot run: $check"
      exit 1
    fi
  done
  say "image $image ready"
fi

echo "export DOCKER_HOST=$DOCKER_HOST"
