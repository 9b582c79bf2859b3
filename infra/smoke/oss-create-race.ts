/**
 * `oss-create-race`: N creators race to create one new object with `x-oss-forbid-overwrite: true`, the
 * primitive the OSS store's compare-and-swap is built on. Exactly one may win; every other must get 409
 * `FileAlreadyExists`, and the object must hold the winner's bytes. OSS does not document whether the header is
 * atomic between concurrent creators, which is why this runs against a real bucket.
 *
 * @module
 */
import { isFileAlreadyExists } from '../../src/store/oss';
import { ossSmokeClient } from './oss-client';
import type { SmokeStepRunner } from './step';

export const ossCreateRace: SmokeStepRunner = {
  id: 'oss-create-race',
  async run(ctx) {
    const { client, bucket } = ossSmokeClient(ctx.env);
    const creators = ctx.creators;
    const name = `smoke/${ctx.run}/race`;
    ctx.cleanup(`oss://${bucket}/${name}`, async () => {
      await client.deleteMulti([name], { quiet: true });
    });
    const outcomes = await Promise.all(
      Array.from({ length: creators }, (_, i) =>
        client.put(name, Buffer.from(`creator-${i}`), { headers: { 'x-oss-forbid-overwrite': 'true' } }).then(
          () => ({ i, won: true, refused: false }),
          (error: unknown) => ({ i, won: false, refused: isFileAlreadyExists(error) }),
        ),
      ),
    );
    const winners = outcomes.filter((o) => o.won);
    const refused = outcomes.filter((o) => o.refused).length;
    const stored = (await client.get(name)).content.toString('utf8');
    const holdsWinner = winners.length === 1 && stored === `creator-${winners[0]!.i}`;
    ctx.check(
      undefined,
      `1 winner, ${creators - 1} × 409 FileAlreadyExists, object = winner`,
      `${winners.length} winner(s), ${refused} × 409, object = ${stored}`,
      holdsWinner && refused === creators - 1,
    );
  },
};
