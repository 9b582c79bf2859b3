#!/usr/bin/env bash
# Start a local Docker engine for the Docker backend and its tests (run as root).
#
# Idempotent: exits 0 at once when `docker info` already answers (each `docker info` is cut off after 5 s); waits
# for a dockerd that is starting; otherwise installs docker.io + busybox-static (Debian) when missing and starts
# dockerd in the background.
#
# The flags match this kind of machine: no overlay filesystem (vfs), no iptables and no default
# bridge, so containers run with `--network host`. Fails loudly with the dockerd log tail when the engine cannot
# start, so a CI run says why instead of silently skipping the Docker suites.
#
# `--stop` stops the dockerd this script started, and only that one: the one whose pid it recorded in
# $ORCHESTRATOR_STARTED_DIR/dockerd.pid when it started it (an engine that was already running, or that someone
# else was starting, is never recorded, so never stopped). Without that record it does nothing. .ci/run uses it.
#
# Env: DOCKERD_LOG (default /tmp/dockerd.log), DOCKER_START_TIMEOUT_SECONDS (default 60),
#      ORCHESTRATOR_STARTED_DIR (where to record a dockerd this script starts; unset: nothing is recorded).
set -euo pipefail

LOG="${DOCKERD_LOG:-/tmp/dockerd.log}"
TIMEOUT="${DOCKER_START_TIMEOUT_SECONDS:-60}"
PIDFILE=/var/run/docker.pid
MARKER="${ORCHESTRATOR_STARTED_DIR:+$ORCHESTRATOR_STARTED_DIR/dockerd.pid}"

# Bounded: a wedged daemon that accepts the connection but never answers must not hang CI.
engine_up() { timeout 5 docker info >/dev/null 2>&1; }

# A zombie (exited, not yet reaped: this machine's init may never reap it) counts as gone.
alive() { [ -r "/proc/$1/stat" ] && ! awk '{exit ($3 == "Z") ? 0 : 1}' "/proc/$1/stat" 2>/dev/null; }

stop_started() {
  if [ -z "$MARKER" ] || [ ! -f "$MARKER" ]; then
    echo "start-engine: no dockerd was started by this run; leaving the engine as it is"
    return 0
  fi
  local pid
  pid="$(cat "$MARKER")"
  # The recorded pid must still be a dockerd: a pid reused by something else is never signalled.
  if [[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid" && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ]; then
    echo "start-engine: stopping the dockerd this run started (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    # dockerd stops its containers and its containerd first; give it time, then insist.
    for _ in $(seq 1 60); do
      alive "$pid" || break
      sleep 0.5
    done
    if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  else
    echo "start-engine: the dockerd this run started (pid $pid) is no longer running; nothing to stop"
  fi
  rm -f "$MARKER"
}

if [ "${1:-}" = --stop ]; then
  stop_started
  exit 0
fi

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
  # Recorded at once, so a run that fails below still stops what it started.
  if [ -n "$MARKER" ]; then
    mkdir -p "$ORCHESTRATOR_STARTED_DIR"
    echo "$running_pid" >"$MARKER"
  fi
fi

# A deadline rather than a count of tries: each try may itself take up to 5 s.
deadline=$((SECONDS + TIMEOUT))
while [ "$SECONDS" -lt "$deadline" ]; do
  if engine_up; then
    echo "start-engine: Docker engine is up ($(timeout 5 docker version --format '{{.Server.Version}}' 2>/dev/null))"
    exit 0
  fi
  alive "$running_pid" || fail "dockerd exited before answering"
  sleep 1
done
fail "dockerd did not answer \`docker info\` within ${TIMEOUT}s"
