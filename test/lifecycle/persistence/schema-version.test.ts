/**
 * Schema versions on the memory store: the documents today's releases wrote (the fixtures beside this file, taken
 * byte for byte from what the code before `schema_version` stored) are read as version 1 and stored as version 1
 * on their next write; a document from a newer release is refused, and nothing is written over it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SchemaVersionError } from '../../../src/errors';
import { MANAGER } from '../../../src/lifecycle/model/actor';
import { isWorker } from '../../../src/lifecycle/model/record';
import { SCHEMA_VERSIONS, upgradeDocument } from '../../../src/lifecycle/model/schema';
import { WebhookEndpoints } from '../../../src/lifecycle/persistence/webhook-endpoints';
import { runSweep } from '../../../src/lifecycle/sweeper';
import { readTeam, updateTeam } from '../../../src/lifecycle/teams/records';
import { createReady, type Harness, makeHarness, recordOf } from '../../support/lifecycle-harness';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.unversioned.json`, import.meta.url), 'utf8'));

/** The fixtures were written at 10:00-10:02 on this day; the harness clock starts a little later. */
const AFTER_FIXTURES = Date.parse('2026-12-01T10:05:00.000Z');

async function stored(h: Harness, key: string): Promise<Record<string, unknown>> {
  const object = await h.store.get(key);
  if (!object) throw new Error(`${key} is not stored`);
  return JSON.parse(object.body);
}

async function seed(h: Harness, key: string, body: unknown): Promise<void> {
  await h.store.put(key, JSON.stringify(body));
}

describe('documents written before schema versions existed', () => {
  it('a worker record of today is read as version 1 with every field as stored, and written back as version 1', async () => {
    const h = makeHarness({ now: AFTER_FIXTURES });
    const today = fixture('worker-record');
    expect(today).not.toHaveProperty('schema_version');
    await seed(h, 'workers/alice.json', today);

    const read = await recordOf(h, 'alice');
    expect(read).toEqual({ ...today, schema_version: 1 });
    // Reading alone writes nothing: the bucket is migrated one record at a time, by the writes it gets anyway.
    expect(await stored(h, 'workers/alice.json')).not.toHaveProperty('schema_version');

    // The worker's key is not in the fixture, so a manager intent makes the next write: a sleep.
    await h.service.sleep('alice', MANAGER);
    const written = await stored(h, 'workers/alice.json');
    expect(written.schema_version).toBe(1);
    expect(written.uid).toBe(today.uid);
    expect(written.desired).toBe('sleeping');
  });

  it('a tombstone of today still answers a repeated delete, and is read as version 1', async () => {
    const h = makeHarness({ now: AFTER_FIXTURES });
    const today = fixture('worker-tombstone');
    await seed(h, 'workers/bob.json', today);

    expect((await h.repo.read('bob'))?.value).toEqual({ ...today, schema_version: 1 });
    await expect(h.service.delete('bob', MANAGER)).resolves.not.toThrow();
  });

  it('a team record of today keeps its keys and members, and its next update stores version 1', async () => {
    const h = makeHarness({ now: AFTER_FIXTURES });
    const today = fixture('team-record');
    await seed(h, 'teams/blue.json', today);

    expect(await readTeam(h.ctx, 'blue')).toEqual({ ...today, schema_version: 1 });
    await updateTeam(h.ctx, 'blue', { max_workers: 5 });
    const written = await stored(h, 'teams/blue.json');
    expect(written).toMatchObject({
      schema_version: 1,
      max_workers: 5,
      keys: today.keys,
      members: today.members,
    });
  });

  it("the sweeper takes over today's lease document and stores it as version 1", async () => {
    const h = makeHarness({ now: AFTER_FIXTURES });
    await seed(h, 'locks/sweeper', fixture('sweeper-lock'));

    const report = await runSweep(h.ctx);
    expect(report.skipped).toBeFalsy();
    expect((await stored(h, 'locks/sweeper')).schema_version).toBe(1);
  });

  it("an incarnation's env values of today keep resolving, and are stored as version 1 when next changed", async () => {
    const h = makeHarness({ now: AFTER_FIXTURES });
    const key = 'secrets/alice/bb9b58f9-9378-4a30-a946-bc2b8dcb0e5e.json';
    await seed(h, key, fixture('secrets'));
    const uid = 'bb9b58f9-9378-4a30-a946-bc2b8dcb0e5e';

    expect(await h.repo.readSecretCandidates('alice', uid)).toEqual({ TOKEN: ['value'] });
    await h.repo.addSecretCandidates('alice', uid, { OTHER: 'x' }, AFTER_FIXTURES);
    const written = await stored(h, key);
    expect(written.schema_version).toBe(1);
    expect(await h.repo.readSecretCandidates('alice', uid)).toEqual({ TOKEN: ['value'], OTHER: ['x'] });
  });

  it('env values stored as plain strings, before candidates carried a time, still read', async () => {
    const h = makeHarness({ now: AFTER_FIXTURES });
    await seed(h, 'secrets/alice/u1.json', { env: { TOKEN: ['older'] }, write_id: 'w' });
    expect(await h.repo.readSecretCandidates('alice', 'u1')).toEqual({ TOKEN: ['older'] });
  });

  it('a worker created now is stored with the current version from its first write', async () => {
    const h = makeHarness();
    await createReady(h, { name: 'carol' });
    expect((await stored(h, 'workers/carol.json')).schema_version).toBe(SCHEMA_VERSIONS.worker);
  });
});

describe('documents from a newer release', () => {
  const newer = (body: Record<string, unknown>) => ({ ...body, schema_version: SCHEMA_VERSIONS.worker + 1 });

  it('reading a worker record of a newer version fails naming the key and both versions', async () => {
    const h = makeHarness({ now: AFTER_FIXTURES });
    await seed(h, 'workers/alice.json', newer(fixture('worker-record')));

    const reading = h.repo.read('alice');
    await expect(reading).rejects.toBeInstanceOf(SchemaVersionError);
    await expect(h.repo.read('alice')).rejects.toThrow(
      /workers\/alice\.json has schema_version 2, but this release reads worker documents up to version 1/,
    );
  });

  it('an intent on a record of a newer version fails, and the stored record is left exactly as it was', async () => {
    const h = makeHarness({ now: AFTER_FIXTURES });
    const future = newer(fixture('worker-record'));
    await seed(h, 'workers/alice.json', future);
    const before = await h.store.get('workers/alice.json');

    await expect(h.service.sleep('alice', MANAGER)).rejects.toBeInstanceOf(SchemaVersionError);
    await expect(h.repo.mutate('alice', (r) => (isWorker(r) ? r : undefined))).rejects.toBeInstanceOf(
      SchemaVersionError,
    );
    expect(await h.store.get('workers/alice.json')).toEqual(before);
  });

  it('the sweeper passes over a record of a newer version, reports it, and still sweeps the others', async () => {
    const h = makeHarness({ now: AFTER_FIXTURES });
    await createReady(h, { name: 'carol', idle_timeout_seconds: 60 });
    await seed(h, 'workers/alice.json', newer(fixture('worker-record')));
    const before = await h.store.get('workers/alice.json');
    h.clock.advance(10 * 60_000);

    // A full pass in one run, so the scan reads alice's record (she has no due hint).
    const report = await runSweep(h.ctx, { settings: { fullScanIntervalSeconds: 60 } });
    expect(report.slept).toBe(1);
    expect((await recordOf(h, 'carol')).desired).toBe('sleeping');
    expect(JSON.stringify(report)).toContain('schema_version');
    expect(await h.store.get('workers/alice.json')).toEqual(before);
  });

  it('a team record of a newer version is refused too', async () => {
    const h = makeHarness({ now: AFTER_FIXTURES });
    await seed(h, 'teams/blue.json', { ...fixture('team-record'), schema_version: SCHEMA_VERSIONS.team + 1 });
    await expect(readTeam(h.ctx, 'blue')).rejects.toBeInstanceOf(SchemaVersionError);
  });
});

describe('upgradeDocument', () => {
  it('refuses a version that is not a whole number, and a body that is not an object', () => {
    expect(() => upgradeDocument('worker', 'workers/x.json', { schema_version: '1' })).toThrow(
      /workers\/x\.json has schema_version "1", not a version number/,
    );
    expect(() => upgradeDocument('worker', 'workers/x.json', [1, 2])).toThrow(/not a JSON object/);
  });

  it('leaves a document of the current version as it is', () => {
    const current = { ...fixture('team-record'), schema_version: SCHEMA_VERSIONS.team };
    expect(upgradeDocument('team', 'teams/blue.json', current)).toEqual(current);
  });
});

describe('webhook endpoint documents', () => {
  const endpoint = {
    id: 'ep_0123456789abcdef0123',
    url: 'https://manager.example.com/hooks',
    types: ['worker.ready'],
    created_at: '2026-12-05T10:00:00.000Z',
  };

  it("today's unversioned endpoint list still reads, and its next change stores version 1", async () => {
    const h = makeHarness({ now: AFTER_FIXTURES });
    await seed(h, 'webhooks/endpoints.json', { endpoints: [endpoint], write_id: 'w1' });
    const endpoints = new WebhookEndpoints(h.store);
    expect(await endpoints.list()).toEqual([endpoint]);
    await endpoints.update((list) => [...list, { ...endpoint, id: 'ep_1111111111abcdef0123' }]);
    const written = await stored(h, 'webhooks/endpoints.json');
    expect(written.schema_version).toBe(SCHEMA_VERSIONS.webhook_endpoints);
    expect((written.endpoints as unknown[]).length).toBe(2);
  });

  it('an endpoint list or secrets document of a newer version is refused and left exactly as it was', async () => {
    const h = makeHarness({ now: AFTER_FIXTURES });
    const newer = { endpoints: [endpoint], schema_version: 99, added_later: true, write_id: 'w1' };
    await seed(h, 'webhooks/endpoints.json', newer);
    await seed(h, 'secrets/_webhooks.json', { secrets: {}, schema_version: 99, write_id: 'w2' });
    const endpoints = new WebhookEndpoints(h.store);
    await expect(endpoints.list()).rejects.toBeInstanceOf(SchemaVersionError);
    await expect(endpoints.update(() => [])).rejects.toBeInstanceOf(SchemaVersionError);
    await expect(endpoints.updateSecrets(() => true)).rejects.toBeInstanceOf(SchemaVersionError);
    expect(await stored(h, 'webhooks/endpoints.json')).toEqual(newer);
  });
});
