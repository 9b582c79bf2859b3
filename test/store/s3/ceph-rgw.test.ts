import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { withPrefix } from '../../../src/store/prefixed';
import { S3Store } from '../../../src/store/s3/adapter';
import { runStoreConformance } from '../../conformance/store.case';
import { CEPH_S3, rgwAvailability } from '../../support/ceph';

/**
 * The S3 adapter against a real S3 implementation: Ceph RADOS Gateway 16 on 127.0.0.1 (`infra/ceph/start-rgw.sh`),
 * path-style, through the real SDK. This is where conditional writes and both races are proved on a server we do
 * not control; the fault cases live in `protocol-fake.test.ts`, where faults can be injected.
 */

const availability = await rgwAvailability();
const bucket = `orchestrator-test-${Date.now().toString(36)}`;

const rawClient = () =>
  new S3Client({
    endpoint: CEPH_S3.endpoint,
    region: CEPH_S3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: CEPH_S3.accessKeyId, secretAccessKey: CEPH_S3.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

const rgwStore = () =>
  new S3Store({
    bucket,
    endpoint: CEPH_S3.endpoint,
    region: CEPH_S3.region,
    credentials: { accessKeyId: CEPH_S3.accessKeyId, secretAccessKey: CEPH_S3.secretAccessKey },
    dialect: 'ceph-rgw',
  });

if (!availability.reachable && availability.required) {
  describe('S3Store against Ceph RGW', () => {
    it('needs a reachable Ceph RGW because CI or REQUIRE_CEPH=1 requires it', () => {
      throw new Error(availability.reason);
    });
  });
} else {
  describe.skipIf(!availability.reachable)(
    `S3Store against a real S3 implementation (Ceph RGW)${availability.reachable ? '' : ` — skipped: ${availability.reason}`}`,
    () => {
      beforeAll(async () => {
        await rawClient().send(new CreateBucketCommand({ Bucket: bucket }));
      });

      let prefixes = 0;
      runStoreConformance('S3Store on Ceph RGW (dialect ceph-rgw)', () =>
        withPrefix(rgwStore(), `c-${++prefixes}`),
      );

      // Why the `ceph-rgw` dialect exists. If RGW changes, these fail and the dialect can be revisited.
      describe('RGW 16 differs from AWS in ways the ceph-rgw dialect handles', () => {
        it('compares If-Match on PutObject with the unquoted ETag, refusing the quoted form AWS documents', async () => {
          const client = rawClient();
          const first = await client.send(
            new PutObjectCommand({ Bucket: bucket, Key: 'facts/quoted', Body: 'a' }),
          );
          await expect(
            client.send(
              new PutObjectCommand({ Bucket: bucket, Key: 'facts/quoted', Body: 'b', IfMatch: first.ETag }),
            ),
          ).rejects.toMatchObject({ name: 'PreconditionFailed' });
          const bare = first.ETag!.replace(/"/g, '');
          await expect(
            client.send(
              new PutObjectCommand({ Bucket: bucket, Key: 'facts/quoted', Body: 'b', IfMatch: bare }),
            ),
          ).resolves.toBeDefined();
        });

        it('ignores If-Match on DeleteObject, so the adapter emulates conditional delete', async () => {
          const client = rawClient();
          await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'facts/delete', Body: 'a' }));
          await client.send(
            new DeleteObjectCommand({ Bucket: bucket, Key: 'facts/delete', IfMatch: 'not-the-etag' }),
          );
          expect(await rgwStore().get('facts/delete')).toBeNull();
        });
      });
    },
  );
}
