#!/usr/bin/env bash
# HiClaw's manager client for the hiclaw-controller contract, written from our reading of
# manager/scripts/lib/container-api.sh at HiClaw HEAD: the same functions, the same calls, the same parsing
# (`curl -s`, no `-f`; phase lowercased; 404 → not_found). Only the wait's poll interval can be shortened
# (HICLAW_WAIT_POLL_SECONDS, default HiClaw's 5 s) so a test does not idle.
#
# Env: HICLAW_CONTROLLER_URL (default http://localhost:8090); HICLAW_AUTH_TOKEN, else the file at
# HICLAW_AUTH_TOKEN_FILE, re-read on every call.

_orch_base() { echo "${HICLAW_CONTROLLER_URL:-http://localhost:8090}"; }

_orch_token() {
  if [ -n "${HICLAW_AUTH_TOKEN:-}" ]; then
    echo "$HICLAW_AUTH_TOKEN"
  elif [ -n "${HICLAW_AUTH_TOKEN_FILE:-}" ] && [ -r "$HICLAW_AUTH_TOKEN_FILE" ]; then
    cat "$HICLAW_AUTH_TOKEN_FILE"
  fi
}

# _orch_curl METHOD PATH [BODY] [extra curl args...]
_orch_curl() {
  local method="$1" path="$2" body="${3:-}"
  shift 3 2>/dev/null || shift $#
  local args=(-s -X "$method")
  local token
  token="$(_orch_token)"
  [ -n "$token" ] && args+=(-H "Authorization: Bearer ${token}")
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' -d "$body")
  curl "${args[@]}" "$@" "$(_orch_base)${path}"
}

_orch_api() { _orch_curl "$1" "$2" "${3:-}"; }
_orch_api_code() { _orch_curl "$1" "$2" "${3:-}" -o /dev/null -w '%{http_code}'; }
_orch_api_full() { _orch_curl "$1" "$2" "${3:-}" -w '\n%{http_code}'; }

worker_backend_create() { _orch_api POST /api/v1/workers "$1"; }

worker_backend_delete() { _orch_api DELETE "/api/v1/workers/$1"; }

worker_backend_start() {
  local code
  code="$(_orch_api_code POST "/api/v1/workers/$1/wake")"
  [[ "$code" == 2* ]]
}

worker_backend_stop() {
  local code
  code="$(_orch_api_code POST "/api/v1/workers/$1/sleep")"
  [[ "$code" == 2* ]]
}

worker_backend_status() {
  local full code body
  full="$(_orch_api_full GET "/api/v1/workers/$1/status")"
  code="${full##*$'\n'}"
  body="${full%$'\n'*}"
  case "$code" in
  2*) echo "$body" | jq -r '.phase // "unknown"' 2>/dev/null | tr '[:upper:]' '[:lower:]' || echo unknown ;;
  404) echo not_found ;;
  *) echo unknown ;;
  esac
}

worker_backend_list() {
  local full code
  full="$(_orch_api_full GET /api/v1/workers)"
  code="${full##*$'\n'}"
  [ "$code" = 200 ] || return 1
  echo "${full%$'\n'*}" | jq -c '.workers'
}

container_api_available() { [ "$(_orch_api_code GET /api/v1/workers)" = 200 ]; }

# worker_backend_wait_ready NAME [TIMEOUT_SECONDS=120]: ready → 0; not_found|stopped|sleeping|unknown → 1.
worker_backend_wait_ready() {
  local name="$1" timeout="${2:-120}" interval="${HICLAW_WAIT_POLL_SECONDS:-5}" waited=0 status
  while [ "$waited" -lt "$timeout" ]; do
    status="$(worker_backend_status "$name")"
    case "$status" in
    ready) return 0 ;;
    not_found | stopped | sleeping | unknown) return 1 ;;
    esac
    sleep "$interval"
    waited=$((waited + interval))
  done
  return 1
}
