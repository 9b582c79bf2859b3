#!/usr/bin/env bash
# Start a local Docker engine for the Docker backend and its tests (run as root).
#
# Idempotent: exits 0 at once when `docker info` already answers; waits for a dockerd that is starting; otherwise
# installs docker.io + busybox-static (Debian) when missing and starts dockerd in the background.
#
# The flags match this kind of machine (DESIGN.md §10): no overlay filesystem (vfs), no iptables and no default
# bridge, so containers run with `--network host`. Fails loudly with the dockerd log tail when the engine cannot
# start, so a CI run says why instead of silently skipping the Docker suites.
#
# Env: DOCKERD_LOG (default /tmp/dockerd.log), DOCKER_START_TIMEOUT_SECONDS (default 60).
set -euo pipefail

LOG="${DOCKERD_LOG:-/tmp/dockerd.log}"
TIMEOUT="${DOCKER_START_TIMEOUT_SECONDS:-60}"
PIDFILE=/var/run/docker.pid

engine_up() { docker info >/dev/null 2>&1; }

fail() {
  echo "start-engine: $*" >&2
  if [ -f "$LOG" ]; then
    echo "start-engine: last lines of $LOG:" >&2
    tail -n 40 "$LOG" >&2 || true
  fi
  exit 1
}

if engine_up; then
  echo "start-engine: Docker engine already running"
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  fail "the engine is not running and starting it needs root"
fi

# docker.io brings dockerd, containerd and runc; busybox-static is the base of the test worker image.
missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' ||
  missing+=(busybox-static)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "start-engine: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || fail "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || fail "apt-get install ${missing[*]} failed"
fi
command -v docker >/dev/null 2>&1 || fail "no docker CLI on PATH after installing docker.io"

# A dockerd that is already starting (pidfile names a live process) is waited for, not doubled.
running_pid=""
if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
  running_pid="$(cat "$PIDFILE")"
  echo "start-engine: dockerd (pid $running_pid) is starting; waiting for it"
else
  rm -f "$PIDFILE"
  echo "start-engine: starting dockerd (log: $LOG)"
  nohup dockerd --storage-driver=vfs --iptables=false --ip6tables=false --bridge=none >"$LOG" 2>&1 &
  running_pid=$!
fi

for _ in $(seq 1 "$TIMEOUT"); do
  if engine_up; then
    echo "start-engine: Docker engine is up ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"
    exit 0
  fi
  kill -0 "$running_pid" 2>/dev/null || fail "dockerd exited before answering"
  sleep 1
done
fail "dockerd did not answer \`docker info\` within ${TIMEOUT}s"
