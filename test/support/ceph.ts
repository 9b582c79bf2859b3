/**
 * Where the real S3 implementation for tests lives: Ceph RADOS Gateway started by `infra/ceph/start-rgw.sh`
 * (defaults match that script; override with the env names below).
 *
 * A suite that needs RGW asks `rgwAvailability()` once. When RGW does not answer, the suite fails if CI runs it
 * (`CI` set) or `REQUIRE_CEPH=1`, and is skipped with the reason otherwise, so a developer without Ceph still
 * gets a green run that says what it did not cover.
 */

export const CEPH_S3 = {
  endpoint: process.env.CEPH_S3_ENDPOINT ?? 'http://127.0.0.1:7480',
  accessKeyId: process.env.CEPH_S3_ACCESS_KEY ?? 'ORCHESTRATORTESTKEY1',
  secretAccessKey: process.env.CEPH_S3_SECRET_KEY ?? 'orchestrator-test-secret-0000000000000000',
  region: 'us-east-1',
} as const;

export type RgwAvailability = { reachable: true } | { reachable: false; required: boolean; reason: string };

const PROBE_TIMEOUT_MS = 3_000;

export const cephRequired = (): boolean => Boolean(process.env.CI) || process.env.REQUIRE_CEPH === '1';

/** Any HTTP answer from the endpoint counts: an anonymous `GET /` is a bucket listing (or AccessDenied). */
export async function rgwAvailability(): Promise<RgwAvailability> {
  try {
    const response = await fetch(`${CEPH_S3.endpoint}/`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await response.arrayBuffer();
    return { reachable: true };
  } catch (error) {
    const cause =
      error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : 'unknown';
    return {
      reachable: false,
      required: cephRequired(),
      reason: `Ceph RGW is not reachable at ${CEPH_S3.endpoint} (${cause}); start it with infra/ceph/start-rgw.sh (root)`,
    };
  }
}
