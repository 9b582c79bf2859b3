#!/bin/sh
# Reference worker entrypoint: reports readiness to the orchestrator and keeps heartbeating.
#
# POSIX sh + busybox applets only (sh, nc, httpd, timeout, sleep; curl when the image has it). See README.md beside it.
#
# Env (the HiClaw names, injected by the orchestrator):
#   HICLAW_ORCHESTRATOR_URL   base URL; unset = do not report (the worker just runs)
#   HICLAW_WORKER_NAME        this worker's name
#   HICLAW_WORKER_API_KEY     this worker's key; sent as a Bearer token, never printed nor put in a command line
# Optional:
#   WORKER_HEALTH_CMD                 shell command that succeeds when the worker is healthy (default: true)
#   HEARTBEAT_INTERVAL_SECONDS        seconds between heartbeats (default 60)
#   READY_BACKOFF_MAX_SECONDS         cap of the retry backoff (default 30)
#   READY_REQUEST_TIMEOUT_SECONDS     timeout of one report (default 15)
#   WORKER_CONSOLE_PORT               serve a tiny console with `busybox httpd` on this port
#   WORKER_CONSOLE_BIND               address the console binds (default 0.0.0.0)
#   WORKER_CREDENTIALS_FILE           fetch storage credentials from /credentials/sts into this file (mode 600)
#                                     and keep them fresh; unset = do not fetch
#   CREDENTIALS_REFRESH_SECONDS       refresh when fewer than this many seconds remain (default 600)
#   WORKER_REPORT_CONTRACT            `orchestrator` (POST /workers/<name>/ready with HICLAW_WORKER_API_KEY),
#                                     `controller` (POST /api/v1/workers/<HICLAW_WORKER_CR_NAME>/ready with
#                                     HICLAW_AUTH_TOKEN to HICLAW_CONTROLLER_URL, as `hiclaw worker report-ready`
#                                     does), or `auto` (default: controller when HICLAW_WORKER_SPEC is set, i.e. the
#                                     worker was created through /api/v1)
# Arguments: a command to run as the worker's main process; the reporter then runs beside it.
#
# Unlike the original HiClaw entrypoint (which gave up after 120 s, defect 7 in the contract), this one never
# stops trying: an orchestrator that is down or answers an error is retried forever with a capped backoff.

set -u

log() { echo "[worker ${HICLAW_WORKER_NAME:-unnamed}] $*"; }

# Accept only positive integers; anything else falls back to the default.
int_or() {
  case "$1" in '' | *[!0-9]*) echo "$2" ;; *) if [ "$1" -ge 1 ]; then echo "$1"; else echo "$2"; fi ;; esac
}

INTERVAL=$(int_or "${HEARTBEAT_INTERVAL_SECONDS:-}" 60)
BACKOFF_MAX=$(int_or "${READY_BACKOFF_MAX_SECONDS:-}" 30)
REQUEST_TIMEOUT=$(int_or "${READY_REQUEST_TIMEOUT_SECONDS:-}" 15)
HEALTH_CMD="${WORKER_HEALTH_CMD:-true}"
case "${WORKER_REPORT_CONTRACT:-auto}" in
controller) CONTRACT=controller ;;
orchestrator) CONTRACT=orchestrator ;;
*) if [ -n "${HICLAW_WORKER_SPEC+set}" ]; then CONTRACT=controller; else CONTRACT=orchestrator; fi ;;
esac
if [ "$CONTRACT" = controller ]; then
  BASE="${HICLAW_CONTROLLER_URL:-}"
  KEY="${HICLAW_AUTH_TOKEN:-}"
  READY_PATH="/api/v1/workers/${HICLAW_WORKER_CR_NAME:-${HICLAW_WORKER_NAME:-}}/ready"
  STS_PATH=/api/v1/credentials/sts
else
  BASE="${HICLAW_ORCHESTRATOR_URL:-}"
  KEY="${HICLAW_WORKER_API_KEY:-}"
  READY_PATH="/workers/${HICLAW_WORKER_NAME:-}/ready"
  STS_PATH=/credentials/sts
fi
console_pid=""

# `sleep & wait` rather than a plain sleep: a signal interrupts `wait` at once, so `docker stop` is quick.
nap() {
  sleep "$1" &
  wait $!
}

# busybox nc and wget have no overall timeout; `timeout` (busybox or coreutils) bounds every call when present.
bounded() {
  if command -v timeout >/dev/null 2>&1; then timeout "$REQUEST_TIMEOUT" "$@"; else "$@"; fi
}

shutdown() {
  log "stopping"
  [ -n "$console_pid" ] && kill "$console_pid" 2>/dev/null
  exit 0
}
trap shutdown TERM INT

start_console() {
  [ -n "${WORKER_CONSOLE_PORT:-}" ] || return 0
  dir="${TMPDIR:-/tmp}/worker-console"
  mkdir -p "$dir"
  printf '<!doctype html><title>%s</title><h1>worker %s</h1><p>started %s</p>\n' \
    "${HICLAW_WORKER_NAME:-unnamed}" "${HICLAW_WORKER_NAME:-unnamed}" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    >"$dir/index.html"
  httpd -f -p "${WORKER_CONSOLE_BIND:-0.0.0.0}:${WORKER_CONSOLE_PORT}" -h "$dir" &
  console_pid=$!
  log "console on port ${WORKER_CONSOLE_PORT}"
}

healthy() { bounded sh -c "$HEALTH_CMD" >/dev/null 2>&1; }

# What an error answer means, in one line: the status, the orchestrator's own `code` and `message` from its JSON
# body, and for the answers a worker can expect, what they mean. A 409 is what a first boot usually sees: the
# container runs and reports before the orchestrator has finished recording that it started it.
describe_answer() {
  code=$(sed -n 's/.*"code" *: *"\([^"]*\)".*/\1/p' "$2")
  message=$(sed -n 's/.*"message" *: *"\([^"]*\)".*/\1/p' "$2")
  text="the orchestrator answered $1${code:+ $code}${message:+ ($message)}"
  case "$1" in
  409) text="$text: not accepted yet, the orchestrator is still starting, stopping or rolling this worker (normal in the first seconds of a boot)" ;;
  401 | 403) text="$text: this worker's key was refused (rotated, or the worker was deleted)" ;;
  404) text="$text: the orchestrator has no worker of this name (deleted, or a wrong HICLAW_WORKER_NAME)" ;;
  429 | 5??) text="$text: the orchestrator is overloaded or failing" ;;
  esac
  echo "$text"
}

# POST $2 to $1 with the key as a Bearer token, the answer's body into file $3; 0 on a 2xx answer, else prints why.
# The key never goes on a command line (where the host's `ps` shows it): shell builtins write it to a child's
# stdin, read by `curl -H @-` where curl exists, else by busybox `nc` carrying a plain HTTP/1.0 request.
# Without curl only http:// URLs can be reached this way, and https:// is refused rather than leak the key.
# The answer is kept in a private directory, never beside `$3` (which may be /dev/null).
post_with_key() {
  url=$1 body=$2 out=$3
  dir=$(mktemp -d "${TMPDIR:-/tmp}/report.XXXXXX") || return 1
  # curl writes no file for an answer without a body (204).
  : >"$dir/answer"
  if command -v curl >/dev/null 2>&1; then
    status=$(printf 'Authorization: Bearer %s\n' "$KEY" |
      bounded curl -sS -o "$dir/answer" -w '%{http_code}' -H @- -H 'Content-Type: application/json' \
        --data-binary "$body" "$url" 2>"$dir/error") || status=""
    if [ -z "$status" ] || [ "$status" = 000 ]; then
      cat "$dir/error"
      rm -rf "$dir"
      return 1
    fi
  else
    case "$url" in
    http://*) ;;
    *)
      echo "${url%%://*} needs curl in the image: busybox wget would put the key on its command line"
      rm -rf "$dir"
      return 1
      ;;
    esac
    rest=${url#http://}
    hostport=${rest%%/*}
    path=${rest#"$hostport"}
    path=/${path#/}
    case "$hostport" in
    \[*\]:*) host=${hostport%]:*} host=${host#[} port=${hostport##*]:} ;;
    \[*\]) host=${hostport#[} host=${host%]} port=80 ;;
    *:*) host=${hostport%:*} port=${hostport##*:} ;;
    *) host=$hostport port=80 ;;
    esac
    # busybox nc exits as soon as its input ends, before a slow answer arrives: its input is a FIFO held open until
    # nc is done (the answer read or the timeout). A subshell writes it, so a closed pipe can only end that subshell.
    mkfifo -m 600 "$dir/in"
    bounded nc "$host" "$port" <"$dir/in" >"$dir/raw" 2>/dev/null &
    nc_pid=$!
    (
      printf 'POST %s HTTP/1.0\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %s\r\nConnection: close\r\n\r\n%s' \
        "$path" "$hostport" "$KEY" "${#body}" "$body"
      while kill -0 "$nc_pid" 2>/dev/null; do sleep 0.1; done
    ) >"$dir/in"
    wait "$nc_pid"
    status=$(sed -n '1s/^HTTP\/[0-9.]* \([0-9][0-9][0-9]\).*/\1/p' "$dir/raw")
    # The body is everything after the first empty line.
    sed '1,/^\r\{0,1\}$/d' "$dir/raw" >"$dir/answer"
    if [ -z "$status" ]; then
      echo "no HTTP answer from ${hostport}"
      rm -rf "$dir"
      return 1
    fi
  fi
  case "$status" in
  2??)
    cat "$dir/answer" >"$out"
    rm -rf "$dir"
    return 0
    ;;
  esac
  describe_answer "$status" "$dir/answer"
  rm -rf "$dir"
  return 1
}

# One report. On failure sets $report_error to the reason, withheld if it could contain the key.
report_error=""
post_ready() {
  url="${BASE%/}${READY_PATH}"
  if report_error=$(post_with_key "$url" '{}' /dev/null); then
    return 0
  fi
  [ -n "$report_error" ] || report_error="no answer within ${REQUEST_TIMEOUT}s"
  if [ -n "$KEY" ]; then
    case "$report_error" in *"$KEY"*) report_error="(message withheld: it contained the key)" ;; esac
  fi
  return 1
}

# Storage credentials: fetched after the first successful report, refreshed when under
# CREDENTIALS_REFRESH_SECONDS remain, judged by the token's own `expiration` (not an assumed hour).
CREDS_FILE="${WORKER_CREDENTIALS_FILE:-}"
CREDS_REFRESH=$(int_or "${CREDENTIALS_REFRESH_SECONDS:-}" 600)
creds_refresh_at=0

# ISO-8601 UTC (2026-01-01T00:00:00Z) → epoch seconds, with busybox or GNU date.
iso_to_epoch() {
  date -u -D '%Y-%m-%dT%H:%M:%SZ' -d "$1" +%s 2>/dev/null || date -u -d "$1" +%s 2>/dev/null
}

refresh_credentials() {
  [ -n "$CREDS_FILE" ] || return 0
  now=$(date -u +%s)
  [ "$now" -ge "$creds_refresh_at" ] || return 0
  tmp="${CREDS_FILE}.tmp"
  if ! (umask 077 && post_with_key "${BASE%/}${STS_PATH}" '' "$tmp" >/dev/null 2>&1); then
    rm -f "$tmp"
    log "could not fetch storage credentials; keeping the current ones and retrying at the next heartbeat"
    return 0
  fi
  expiration=$(sed -n 's/.*"expiration":"\([^"]*\)".*/\1/p' "$tmp")
  expires=$(iso_to_epoch "$expiration")
  if [ -z "$expires" ]; then
    rm -f "$tmp"
    log "storage credentials came without a readable expiration; retrying at the next heartbeat"
    return 0
  fi
  mv -f "$tmp" "$CREDS_FILE"
  creds_refresh_at=$((expires - CREDS_REFRESH))
  log "storage credentials refreshed; they expire at ${expiration}"
}

next_delay() {
  d=$(($1 * 2))
  [ "$d" -le "$BACKOFF_MAX" ] || d=$BACKOFF_MAX
  echo "$d"
}

# A 409 before the first accepted report: the container runs before its record says it was started.
first_boot_conflict() {
  case "$report_error" in *"answered 409"*) return 0 ;; *) return 1 ;; esac
}

report_loop() {
  if [ -z "$BASE" ] || [ -z "${HICLAW_WORKER_NAME:-}" ]; then
    log "no ${CONTRACT} URL or HICLAW_WORKER_NAME is set: not reporting readiness"
    while :; do nap 3600; done
  fi

  delay=1
  waited=0
  until healthy; do
    # Say so once a minute, not on every probe, and keep waiting: a slow start is not a reason to give up.
    [ $((waited % 60)) -lt "$delay" ] && log "waiting for the health check to pass (${waited}s)"
    nap "$delay"
    waited=$((waited + delay))
    delay=$(next_delay "$delay")
  done
  log "healthy"

  reported=0
  failing=0
  delay=1
  quick_retries=0
  while :; do
    if ! healthy; then
      # A heartbeat claims liveness: an unhealthy worker stays silent so the orchestrator notices.
      log "health check failing: not reporting; retrying in ${delay}s"
    elif post_ready; then
      if [ "$reported" = 0 ]; then
        log "reported ready"
      elif [ "$failing" = 1 ]; then
        log "heartbeat delivered again"
      fi
      reported=1
      failing=0
      delay=1
      refresh_credentials
      nap "$INTERVAL"
      continue
    elif [ "$reported" = 0 ] && [ "$quick_retries" -lt 10 ] && first_boot_conflict; then
      # The orchestrator records the start it made within moments: retry soon, not after a second of backoff.
      quick_retries=$((quick_retries + 1))
      log "ready report not accepted: ${report_error}; retrying in 0.2s"
      nap 0.2
      continue
    else
      log "ready report not accepted: ${report_error}; retrying in ${delay}s"
    fi
    failing=1
    nap "$delay"
    delay=$(next_delay "$delay")
  done
}

log "starting (${CONTRACT}: ${BASE:-none})"
start_console

if [ "$#" -gt 0 ]; then
  # The reporter runs beside the real worker process, which becomes PID 1's successor via exec.
  report_loop &
  exec "$@"
fi
report_loop
