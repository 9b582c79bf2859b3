#!/usr/bin/env bash
# Build the reference worker image `orchestrator-test-worker:latest` locally, without any registry.
#
# The image is a rootfs made of the static busybox (/bin/busybox and a link per applet) and entrypoint.sh,
# imported with `docker import`: nothing is pulled, so it works on machines that reach no registry.
# Idempotent and fast: the image carries a content hash of its inputs and is rebuilt only when they changed.
#
# Env: WORKER_IMAGE (default orchestrator-test-worker:latest), BUSYBOX (default /bin/busybox, must be static).
set -euo pipefail

IMAGE="${WORKER_IMAGE:-orchestrator-test-worker:latest}"
BUSYBOX="${BUSYBOX:-/bin/busybox}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
HASH_LABEL=orchestrator.test-worker.hash

die() {
  echo "build-image: $*" >&2
  exit 1
}

docker info >/dev/null 2>&1 || die "the Docker engine is not reachable (start it: infra/docker/start-engine.sh)"
[ -x "$BUSYBOX" ] || die "$BUSYBOX not found (apt-get install busybox-static)"
# A dynamically linked busybox would not run in an image that has no libc.
if ldd "$BUSYBOX" >/dev/null 2>&1; then die "$BUSYBOX is dynamically linked; install busybox-static"; fi

hash="$(cat "$BUSYBOX" "$HERE/entrypoint.sh" "${BASH_SOURCE[0]}" | sha256sum | cut -c1-32)"
current="$(docker image inspect -f "{{index .Config.Labels \"$HASH_LABEL\"}}" "$IMAGE" 2>/dev/null || true)"
previous_id="$(docker image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
if [ "$current" = "$hash" ]; then
  echo "build-image: $IMAGE is up to date"
  exit 0
fi

root="$(mktemp -d /tmp/worker-rootfs.XXXXXX)"
trap 'rm -rf "$root"' EXIT
chmod 0755 "$root"
mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/proc" "$root/sys" "$root/dev"
chmod 1777 "$root/tmp"
cp "$BUSYBOX" "$root/bin/busybox"
for applet in $("$BUSYBOX" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
install -m 0755 "$HERE/entrypoint.sh" "$root/entrypoint.sh"
# Name the unprivileged user the worker runs as, so `id` and `whoami` read well in logs.
printf 'root:x:0:0:root:/root:/bin/sh\nworker:x:65534:65534:worker:/tmp:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nworker:x:65534:\n' >"$root/etc/group"

tar --numeric-owner --owner=0 --group=0 -C "$root" -c . |
  docker import \
    --change 'ENTRYPOINT ["/bin/sh", "/entrypoint.sh"]' \
    --change 'ENV PATH=/bin' \
    --change 'USER 65534:65534' \
    --change 'WORKDIR /tmp' \
    --change "LABEL $HASH_LABEL=$hash" \
    --message 'orchestrator reference worker (busybox)' \
    - "$IMAGE" >/dev/null
# The replaced image is now untagged; remove it unless a container still uses it.
if [ -n "$previous_id" ]; then docker image rm "$previous_id" >/dev/null 2>&1 || true; fi
echo "build-image: built $IMAGE"
