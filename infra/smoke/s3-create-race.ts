/**
 * `s3-create-race`: N creators race to create one new object with `If-None-Match: *` through the product's own
 * S3 store adapter, which is how the state store creates records. Exactly one may win, every other must lose
 * its precondition (412, or a 409 `ConditionalRequestConflict` the adapter retries into one), and the object
 * must hold the winner's bytes. Then the compare-and-swap's other half: a write with `If-Match` on the etag it
 * replaced must be refused.
 *
 * @module
 */
import { readS3Settings } from '../../src/config/cloud';
import { PreconditionFailedError } from '../../src/errors';
import { S3Store } from '../../src/store/s3';
import { awsCredentials, productSettings } from './settings';
import { describeError, type SmokeStepRunner } from './step';

export const s3CreateRace: SmokeStepRunner = {
  id: 's3-create-race',
  async run(ctx) {
    const s3 = productSettings(() => readS3Settings(ctx.env));
    const credentials = awsCredentials(ctx.env);
    const prefix = `smoke/${ctx.run}/`;
    const store = new S3Store({ ...s3, prefix, ...(credentials ? { credentials } : {}) });
    const key = 'race';
    ctx.cleanup(`s3://${s3.bucket}/${prefix}${key}`, () => store.delete(key));

    const creators = ctx.creators;
    const outcomes = await Promise.all(
      Array.from({ length: creators }, (_, i) =>
        store.put(key, `creator-${i}`, { ifNoneMatch: '*' }).then(
          (written) => ({ i, etag: written.etag, lost: false }),
          (error: unknown) => ({ i, etag: undefined, lost: error instanceof PreconditionFailedError }),
        ),
      ),
    );
    const winners = outcomes.filter((o) => o.etag !== undefined);
    const lost = outcomes.filter((o) => o.lost).length;
    const stored = await store.get(key);
    ctx.check(
      'create-only race',
      `1 winner, ${creators - 1} × lost precondition (412), object = winner`,
      `${winners.length} winner(s), ${lost} × lost precondition, object = ${stored?.body ?? 'missing'}`,
      winners.length === 1 && lost === creators - 1 && stored?.body === `creator-${winners[0]!.i}`,
    );

    const current = stored?.etag ?? winners[0]?.etag;
    if (!current) return;
    await store.put(key, 'replaced', { ifMatch: current });
    const stale = await store.put(key, 'stale writer', { ifMatch: current }).then(
      () => 'accepted',
      (error: unknown) => (error instanceof PreconditionFailedError ? 'refused (412)' : describeError(error)),
    );
    const after = await store.get(key);
    ctx.check(
      'stale If-Match',
      'refused (412); the object keeps the newer write',
      `${stale}; object = ${after?.body ?? 'missing'}`,
      stale === 'refused (412)' && after?.body === 'replaced',
    );
  },
};
