#!/usr/bin/env bash
# Stops the private engine started by start.sh: removes the containers Agent OS made (label
# agent-os.session), then ends dockerd by its pid. Idempotent; keeps the data root (and so the imported
# image) unless --purge is given.
set -uo pipefail

dir="${AGENT_OS_DOCKER_DIR:-/tmp/agent-os-docker}"
sock="$dir/docker.sock"
pidfile="$dir/docker.pid"
export DOCKER_HOST="unix://$sock"

say() { echo "agent-os docker: $*" >&2; }

if docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
  ids="$(docker ps -aq --filter label=agent-os.session)"
  if [ -n "$ids" ]; then
    # shellcheck disable=SC2086
    docker rm -f $ids >/dev/null 2>&1 || true
    say "removed $(echo "$ids" | wc -l) container(s)"
  fi
fi

if [ -f "$pidfile" ]; then
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 60); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
      say "dockerd $pid did not stop in 30 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    say "stopped dockerd $pid"
  fi
  rm -f "$pidfile"
fi
rm -f "$sock"

if [ "${1:-}" = "--purge" ]; then
  # Container layers can hold mounts until the engine is gone; only now is the data root free.
  rm -rf "$dir"
  say "removed $dir"
fi
