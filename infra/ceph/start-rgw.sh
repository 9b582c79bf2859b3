#!/usr/bin/env bash
# Start a single-node Ceph cluster with the RADOS Gateway: a real S3 implementation for the S3 store tests
# (run as root). It relies on Debian's ceph packages and a loopback-only single-node cluster.
#
# Idempotent: exits 0 at once when the gateway already answers (after making sure the test user exists);
# otherwise installs the Debian packages when missing, (re)builds the cluster under $CEPH_DIR from scratch and
# starts one mon, one memstore OSD and radosgw (beast on 127.0.0.1:7480). No mgr: nothing here needs one.
#
# Why the unusual settings:
# - `auth ... = none` keeps a throwaway cluster keyless; with it, `ms mon client mode` / `ms client mode` must
#   allow `crc`, or radosgw waits five minutes and then fails to fetch the mon config.
# - one OSD: pool size 1 (`mon allow pool size one`) and `osd crush chooseleaf type = 0` so placement groups can
#   go active on a single host; memstore keeps data in memory (tests only, lost on restart).
#
# Fails loudly (exit 1, log tails on stderr) when the gateway does not answer, so CI says why instead of skipping.
# Prints the test access key, never the secret.
#
# `--stop` stops the cluster this script started, and only that one: when it (re)builds a cluster it records the
# cluster's directory in $ORCHESTRATOR_STARTED_DIR/ceph.dir, and `--stop` stops the daemons named by that
# directory's pid files (a gateway that was already answering is never recorded, so never stopped). Without the
# record it does nothing. .ci/run uses it.
#
# Env: CEPH_DIR (default /var/lib/orchestrator-ceph), RGW_PORT (7480), RGW_START_TIMEOUT_SECONDS (120),
#      CEPH_S3_ACCESS_KEY / CEPH_S3_SECRET_KEY (the test user's keys; defaults match test/support/ceph.ts),
#      ORCHESTRATOR_STARTED_DIR (where to record a cluster this script starts; unset: nothing is recorded).
set -euo pipefail

DIR="${CEPH_DIR:-/var/lib/orchestrator-ceph}"
PORT="${RGW_PORT:-7480}"
TIMEOUT="${RGW_START_TIMEOUT_SECONDS:-120}"
ACCESS_KEY="${CEPH_S3_ACCESS_KEY:-ORCHESTRATORTESTKEY1}"
SECRET_KEY="${CEPH_S3_SECRET_KEY:-orchestrator-test-secret-0000000000000000}"
USER_ID=orchestrator-test
CONF="$DIR/ceph.conf"
MARKER="${ORCHESTRATOR_STARTED_DIR:+$ORCHESTRATOR_STARTED_DIR/ceph.dir}"

log() { echo "start-rgw: $*"; }

fail() {
  echo "start-rgw: $*" >&2
  for f in "$DIR"/log/*.log; do
    [ -f "$f" ] || continue
    echo "start-rgw: last lines of $f:" >&2
    tail -n 25 "$f" >&2 || true
  done
  exit 1
}

s3_up() { curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$PORT/" 2>/dev/null | grep -q '^[0-9]'; }

ensure_user() {
  if radosgw-admin -c "$CONF" user info --uid="$USER_ID" >/dev/null 2>&1; then return 0; fi
  radosgw-admin -c "$CONF" user create --uid="$USER_ID" --display-name="orchestrator tests" \
    --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >/dev/null || fail "radosgw-admin user create failed"
}

# A zombie (exited, not yet reaped: this machine's init may never reap it) counts as gone.
alive() { [ -r "/proc/$1/stat" ] && ! awk '{exit ($3 == "Z") ? 0 : 1}' "/proc/$1/stat" 2>/dev/null; }

# Stops only the daemons this script started (pid files under <dir>/run, each still a Ceph daemon: a reused pid
# is never signalled), never anything by name, and waits until they are gone: a memstore OSD that is still
# shutting down writes its old store into the new data dir.
stop_ours() {
  local dir="${1:-$DIR}" pids=() pid
  for pidfile in "$dir"/run/*.pid; do
    [ -f "$pidfile" ] || continue
    pid="$(cat "$pidfile")"
    [[ "$pid" =~ ^[0-9]+$ ]] || continue
    case "$(cat "/proc/$pid/comm" 2>/dev/null)" in ceph-mon | ceph-osd | radosgw) ;; *) continue ;; esac
    if alive "$pid"; then
      kill "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  for _ in $(seq 1 30); do
    local left=0
    for pid in "${pids[@]}"; do alive "$pid" && left=1; done
    [ "$left" = 0 ] && return 0
    sleep 0.5
  done
  for pid in "${pids[@]}"; do alive "$pid" && kill -9 "$pid" 2>/dev/null; done
  sleep 1
}

if [ "${1:-}" = --stop ]; then
  if [ -z "$MARKER" ] || [ ! -f "$MARKER" ]; then
    log "no Ceph cluster was started by this run; leaving it as it is"
    exit 0
  fi
  started="$(cat "$MARKER")"
  log "stopping the Ceph daemons this run started (under $started)"
  stop_ours "$started"
  rm -f "$MARKER"
  exit 0
fi

if [ -f "$CONF" ] && s3_up; then
  ensure_user
  log "RADOS Gateway already answering on 127.0.0.1:$PORT (access key $ACCESS_KEY)"
  exit 0
fi

[ "$(id -u)" = 0 ] || fail "the gateway is not running and starting it needs root"

missing=()
for pkg in ceph-mon ceph-osd radosgw ceph-common curl; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || fail "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || fail "apt-get install failed"
fi

# A half-started or stale cluster (memstore loses everything when its OSD stops) is rebuilt, not repaired.
stop_ours
rm -rf "$DIR"
mkdir -p "$DIR"/{run,log,mon/ceph-a,osd/ceph-0,rgw}
# Recorded before any daemon starts, so a run that fails below still stops what it started.
if [ -n "$MARKER" ]; then
  mkdir -p "$ORCHESTRATOR_STARTED_DIR"
  echo "$DIR" >"$MARKER"
fi
FSID="$(cat /proc/sys/kernel/random/uuid)"

cat >"$CONF" <<EOF
[global]
fsid = $FSID
mon initial members = a
mon host = v1:127.0.0.1:6789
public network = 127.0.0.0/8
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc secure
ms client mode = crc secure
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
osd crush chooseleaf type = 0
run dir = $DIR/run
pid file = $DIR/run/\$name.pid
admin socket = $DIR/run/\$name.asok
log file = $DIR/log/\$name.log
keyring = $DIR/keyring

[mon]
mon data = $DIR/mon/ceph-\$id

[osd]
osd data = $DIR/osd/ceph-\$id
osd objectstore = memstore
memstore device bytes = 1073741824
osd max object name len = 256
osd max object namespace len = 64
# The OSD's own crush/class updates at start race its first monmap (sent with a zero fsid, refused as
# 'wrong fsid'); this script places the OSD in the crush map itself instead.
osd crush update on start = false
osd class update on start = false

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$PORT
rgw data = $DIR/rgw
rgw dns name = 127.0.0.1
EOF

log "creating the monitor"
ceph-authtool --create-keyring "$DIR/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
monmaptool --create --fsid "$FSID" --add a 127.0.0.1:6789 "$DIR/monmap" >/dev/null
ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/keyring" || fail "ceph-mon --mkfs failed"
ceph-mon -c "$CONF" -i a || fail "ceph-mon did not start"

log "creating the memstore OSD"
OSD_UUID="$(cat /proc/sys/kernel/random/uuid)"
OSD_ID="$(timeout 60 ceph -c "$CONF" osd new "$OSD_UUID")" || fail "ceph osd new failed (is the mon up?)"
ceph-osd -c "$CONF" -i "$OSD_ID" --mkfs --osd-uuid "$OSD_UUID" >/dev/null 2>&1 || fail "ceph-osd --mkfs failed"
ceph -c "$CONF" osd crush add "osd.$OSD_ID" 1.0 root=default >/dev/null 2>&1 || fail "ceph osd crush add failed"
ceph-osd -c "$CONF" -i "$OSD_ID" 2>>"$DIR/log/osd-start.log" || fail "ceph-osd did not start"

log "starting radosgw on 127.0.0.1:$PORT"
radosgw -c "$CONF" -n client.rgw.a || fail "radosgw did not start"

for _ in $(seq 1 "$TIMEOUT"); do
  if s3_up; then
    ensure_user
    log "RADOS Gateway is up on http://127.0.0.1:$PORT (path-style; access key $ACCESS_KEY)"
    exit 0
  fi
  sleep 1
done
fail "radosgw did not answer on 127.0.0.1:$PORT within ${TIMEOUT}s"
