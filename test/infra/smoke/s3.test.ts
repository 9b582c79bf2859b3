/**
 * The `s3-create-race` smoke step through the real S3 store adapter and `@aws-sdk/client-s3` against the
 * protocol-level S3 fake: a race with exactly one winner and a refused stale `If-Match`, and the same against a
 * store that ignores conditional writes (the failure the step exists to catch): every creator wins, the stale
 * write lands, both rows fail. Either way the object is removed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../infra/smoke/smoke';
import { FakeS3Server } from '../../support/fakes/s3';

let s3: FakeS3Server | undefined;
afterEach(async () => {
  await s3?.close();
  s3 = undefined;
});

async function smoke(options: { ignoreConditionalWrites?: boolean } = {}) {
  s3 = new FakeS3Server(['smoke-state'], options);
  const endpoint = await s3.start();
  const output: string[] = [];
  const code = await main(
    ['--cloud', 'aws', '--yes', '--creators', '6'],
    {
      AWS_ACCESS_KEY_ID: 'AKIASMOKE',
      AWS_SECRET_ACCESS_KEY: 'smoke-secret',
      S3_BUCKET: 'smoke-state',
      S3_REGION: 'us-east-1',
      S3_ENDPOINT: endpoint,
    },
    { out: (line) => output.push(line), run: 'smoke-s3' },
  );
  return { code, text: output.join('\n') };
}

const row = (text: string, id: string) => text.split('\n').find((line) => line.startsWith(`${id} `)) ?? '';

describe('smoke: s3-create-race', () => {
  it('sees exactly one of N creators win and a stale If-Match refused; removes the object', async () => {
    const { code, text } = await smoke();
    expect(code, text).toBe(0);
    expect(row(text, 's3-create-race: create-only race')).toMatch(
      /1 winner\(s\), 5 × lost precondition, object = creator-\d +\| PASS/,
    );
    expect(row(text, 's3-create-race: stale If-Match')).toMatch(
      /refused \(412\); object = replaced +\| PASS/,
    );
    expect(row(text, 's3-create-race: cleanup')).toMatch(
      /removed s3:\/\/smoke-state\/smoke\/smoke-s3\/race +\| PASS/,
    );
    expect([...s3!.objects.keys()]).toEqual([]);
    // The race really was N conditional PUTs of one key.
    const puts = s3!.requests.filter(
      (r) => r.method === 'PUT' && r.path === 'smoke-state/smoke/smoke-s3/race',
    );
    expect(puts.length).toBe(8);
  });

  it('fails both rows on a store that ignores If-None-Match and If-Match', async () => {
    const { code, text } = await smoke({ ignoreConditionalWrites: true });
    expect(code, text).toBe(1);
    expect(row(text, 's3-create-race: create-only race')).toMatch(
      /6 winner\(s\), 0 × lost precondition.*\| FAIL/,
    );
    expect(row(text, 's3-create-race: stale If-Match')).toMatch(/accepted; object = stale writer +\| FAIL/);
    expect([...s3!.objects.keys()]).toEqual([]);
  });
});
