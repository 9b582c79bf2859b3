/**
 * `Idempotency-Key` over HTTP: a retried request gets the first answer instead of acting twice, per caller, for
 * 24 h; a key re-used with another request is refused; secrets are never stored or replayed.
 */
import { describe, expect, it } from 'vitest';
import { registerCredentialRoutes } from '../../src/api/routes/credentials';
import type { CredentialIssuer, IssuedCredentials, IssueRequest } from '../../src/credentials/port';
import { StoreUnavailableError } from '../../src/errors';
import { MemoryStore } from '../../src/store/memory';
import type { PutOptions } from '../../src/store/port';
import { MANAGER_KEY, makeApp, reportReady } from '../support/app-harness';

type Harness = Awaited<ReturnType<typeof makeApp>>;

/** A request with an Idempotency-Key (the harness's `call` sends no extra headers). */
async function send(
  h: Pick<Harness, 'app'>,
  method: string,
  path: string,
  options: { key?: string; idempotencyKey?: string; body?: unknown; auth?: string } = {},
) {
  const headers: Record<string, string> = { authorization: `Bearer ${options.auth ?? MANAGER_KEY}` };
  if (options.key !== undefined) headers['idempotency-key'] = options.key;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await h.app.request(path, {
    method,
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

describe('Idempotency-Key on create', () => {
  it('a sequential retry replays the first 201 without the api_key and creates nothing more', async () => {
    const h = await makeApp();
    const first = await send(h, 'POST', '/workers', { key: 'k-1', body: { name: 'one' } });
    expect(first.status).toBe(201);
    expect(first.json.api_key).toMatch(/^wok_one_/);
    const again = await send(h, 'POST', '/workers', { key: 'k-1', body: { name: 'one' } });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('idempotency-omitted')).toBe('api_key');
    expect(again.json.uid).toBe(first.json.uid);
    expect(again.json.api_key).toBeUndefined();
    expect(h.backend.allResources()).toHaveLength(1);
    // The stored answer holds no key, in any form.
    const stored = await h.store.list('idempotency/keys/');
    for (const { key } of stored.keys) {
      expect((await h.store.get(key))!.body).not.toContain(first.json.api_key);
    }
  });

  it('concurrent retries with one key create one worker: one runs, the others answer 409 in_progress or replay', async () => {
    const h = await makeApp();
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => send(h, 'POST', '/workers', { key: 'same', body: { name: 'race' } })),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    for (const busy of answers.filter((a) => a.status === 409)) {
      expect(busy.json.code).toBe('in_progress');
      expect(Number(busy.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    // Exactly one answer carries a key: the attempt that ran.
    expect(answers.filter((a) => a.json.api_key).length).toBe(1);
    expect(h.backend.allResources()).toHaveLength(1);
    const retried = await send(h, 'POST', '/workers', { key: 'same', body: { name: 'race' } });
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
  });

  it('the same key with another body, method or path is 422 idempotency_key_reused and does nothing', async () => {
    const h = await makeApp();
    expect((await send(h, 'POST', '/workers', { key: 'k', body: { name: 'a' } })).status).toBe(201);
    const other = await send(h, 'POST', '/workers', { key: 'k', body: { name: 'b' } });
    expect(other.status).toBe(422);
    expect(other.json.code).toBe('idempotency_key_reused');
    expect(other.json.field).toBe('Idempotency-Key');
    expect((await send(h, 'POST', '/workers/a/sleep', { key: 'k' })).status).toBe(422);
    expect(h.backend.allResources()).toHaveLength(1);
    expect((await send(h, 'GET', '/workers/b')).status).toBe(404);
  });

  it('refuses an empty or over-long key with 400 naming the header', async () => {
    const h = await makeApp();
    for (const key of ['', '""', 'x'.repeat(256), 'has space']) {
      const answer = await send(h, 'POST', '/workers', { key, body: { name: 'never' } });
      expect(answer.status).toBe(400);
      expect(answer.json.field).toBe('Idempotency-Key');
    }
    expect(h.backend.allResources()).toHaveLength(0);
    // 255 characters, and the draft's quoted form, are fine.
    expect((await send(h, 'POST', '/workers', { key: 'x'.repeat(255), body: { name: 'w1' } })).status).toBe(
      201,
    );
    expect((await send(h, 'POST', '/workers', { key: '"quoted-1"', body: { name: 'w2' } })).status).toBe(201);
  });

  it("keys are per caller: a worker or a team using the manager's key gets its own answer, never the manager's", async () => {
    const h = await makeApp();
    const created = await send(h, 'POST', '/workers', { key: 'shared', body: { name: 'own' } });
    const workerKey = created.json.api_key as string;
    // The worker's own POST with the same key runs (204), it does not replay the manager's 201.
    const ready = await send(h, 'POST', '/workers/own/ready', { key: 'shared', auth: workerKey, body: {} });
    expect(ready.status).toBe(204);
    expect(ready.headers.get('idempotent-replayed')).toBeNull();
    await send(h, 'POST', '/teams', { body: { name: 'red', max_workers: 3 } });
    const teamKey = (await send(h, 'POST', '/teams/red/keys')).json.key as string;
    const team = await send(h, 'POST', '/workers', { key: 'shared', auth: teamKey, body: { name: 'own' } });
    expect(team.headers.get('idempotent-replayed')).toBeNull();
    // The team cannot see the manager's worker: not a replay of its 201.
    expect(team.status).not.toBe(201);
  });

  it("a team recreated under the same name is another caller: it never gets the old team's answers", async () => {
    const h = await makeApp();
    await send(h, 'POST', '/teams', { body: { name: 'blue', max_workers: 3 } });
    const oldKey = (await send(h, 'POST', '/teams/blue/keys')).json.key as string;
    const first = await send(h, 'POST', '/workers', { key: 'team-k', auth: oldKey, body: { name: 'tw' } });
    expect(first.status).toBe(201);
    await send(h, 'DELETE', '/workers/tw?force=true');
    // There is no route that deletes a team: an operator removes its record from the bucket, then recreates it.
    await h.store.delete('teams/blue.json');
    h.clock.advance(1000);
    await send(h, 'POST', '/teams', { body: { name: 'blue', max_workers: 3 } });
    const newKey = (await send(h, 'POST', '/teams/blue/keys')).json.key as string;
    const again = await send(h, 'POST', '/workers', { key: 'team-k', auth: newKey, body: { name: 'tw' } });
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(again.status).toBe(201);
    expect(again.json.uid).not.toBe(first.json.uid);
  });

  it('a failed answer is not stored: the retry with the same key is carried out afresh', async () => {
    const h = await makeApp();
    const refused = await send(h, 'POST', '/workers/ghost/wake', { key: 'retry-me' });
    expect(refused.status).toBe(404);
    await send(h, 'POST', '/workers', { body: { name: 'ghost' } });
    await send(h, 'POST', '/workers/ghost/sleep');
    const woke = await send(h, 'POST', '/workers/ghost/wake', { key: 'retry-me' });
    expect(woke.status).toBe(202);
  });

  it('a refused request frees its key entirely: the retry with the same key and a corrected body runs (not 422)', async () => {
    const h = await makeApp();
    const refused = await send(h, 'POST', '/workers', { key: 'fix-me', body: { name: 'Not_A_Label' } });
    expect(refused.status).toBe(400);
    const corrected = await send(h, 'POST', '/workers', { key: 'fix-me', body: { name: 'fixed' } });
    expect(corrected.status).toBe(201);
    expect(corrected.headers.get('idempotent-replayed')).toBeNull();
    // The key now belongs to the corrected request.
    expect((await send(h, 'POST', '/workers', { key: 'fix-me', body: { name: 'fixed' } })).status).toBe(201);
    expect(
      (await send(h, 'POST', '/workers', { key: 'fix-me', body: { name: 'Not_A_Label' } })).json.code,
    ).toBe('idempotency_key_reused');
  });

  it('DELETE with a key replays its 204', async () => {
    const h = await makeApp();
    await send(h, 'POST', '/workers', { body: { name: 'gone' } });
    expect((await send(h, 'DELETE', '/workers/gone', { key: 'del' })).status).toBe(204);
    const again = await send(h, 'DELETE', '/workers/gone', { key: 'del' });
    expect(again.status).toBe(204);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });
});

/** An in-process issuer standing in for STS (what it issues is not under test here): counts its calls. */
class CountingIssuer implements CredentialIssuer {
  readonly provider = 'aws' as const;
  issued = 0;
  async issue(req: IssueRequest): Promise<IssuedCredentials> {
    this.issued++;
    return {
      provider: 'aws',
      accessKeyId: `ASIA${this.issued}`,
      accessKeySecret: 'issued-secret',
      securityToken: 'issued-token',
      expiration: new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      endpoint: 'https://s3.example.test',
      bucket: 'agent-data',
      prefixes: [`agents/${req.workerName}/`, 'shared/'],
    };
  }
  async health() {
    return { ok: true, message: 'in-process' };
  }
}

describe('Idempotency-Key on the credentials routes', () => {
  it('/credentials/sts and /api/v1/credentials/sts ignore the key: each call issues afresh and no key state is kept', async () => {
    const h = await makeApp();
    const issuer = new CountingIssuer();
    registerCredentialRoutes(h.app.routeTable, h.service, issuer, 3600);
    const created = await send(h, 'POST', '/workers', { body: { name: 'creds' } });
    await reportReady(h, 'creds', created.json.api_key);
    for (const path of ['/credentials/sts', '/api/v1/credentials/sts']) {
      const before = issuer.issued;
      for (let i = 0; i < 2; i++) {
        const answer = await send(h, 'POST', path, { key: `sts-${path}`, auth: created.json.api_key });
        expect(answer.status, path).toBe(200);
        expect(answer.headers.get('idempotent-replayed'), path).toBeNull();
        expect(answer.json.access_key_secret, path).toBe('issued-secret');
      }
      // Issued twice: the second call was not a replay of credentials that may since have expired.
      expect(issuer.issued - before, path).toBe(2);
    }
    // The credentials function may read no more of the state than the records it authenticates with.
    expect((await h.store.list('idempotency/')).keys).toEqual([]);
  });
});

describe('Idempotency-Key on the HiClaw /api/v1 routes', () => {
  it('a retried /api/v1 create replays its 201 where a plain retry is 409 already exists', async () => {
    const h = await makeApp();
    const first = await send(h, 'POST', '/api/v1/workers', { key: 'v1-create', body: { name: 'hc1' } });
    expect(first.status).toBe(201);
    const replayed = await send(h, 'POST', '/api/v1/workers', { key: 'v1-create', body: { name: 'hc1' } });
    expect(replayed.status).toBe(201);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(replayed.json).toEqual(first.json);
    expect((await send(h, 'POST', '/api/v1/workers', { body: { name: 'hc1' } })).status).toBe(409);
    expect(h.backend.allResources()).toHaveLength(1);
  });
});

const pause = () => new Promise((resolve) => setTimeout(resolve, 20));

/** A memory store whose writes of stored answers never return while `freeze` is set: the function stops there. */
class FreezingStore extends MemoryStore {
  freeze = true;
  frozen = false;
  override async put(key: string, body: string, options?: PutOptions) {
    if (this.freeze && key.startsWith('idempotency/keys/') && body.includes('"state":"done"')) {
      this.frozen = true;
      return new Promise<never>(() => {});
    }
    return super.put(key, body, options);
  }
}

describe('Idempotency-Key when the function is killed after the create, before its answer is stored or sent', () => {
  it('retries get 409 in_progress during its lease, then re-run the create and find the one worker it made', async () => {
    const store = new FreezingStore();
    const h = await makeApp({ store });
    // Never answered: the caller sees a dropped connection.
    void send(h, 'POST', '/workers', { key: 'killed', body: { name: 'orphaned-answer' } });
    // It stops at the write of its answer: by then the worker exists.
    for (let i = 0; i < 250 && !store.frozen; i++) await pause();
    expect(store.frozen).toBe(true);
    expect(h.backend.allResources()).toHaveLength(1);
    store.freeze = false;
    const during = await send(h, 'POST', '/workers', { key: 'killed', body: { name: 'orphaned-answer' } });
    expect(during.status).toBe(409);
    expect(during.json.code).toBe('in_progress');
    h.clock.advance((h.settings.functionTimeoutSeconds + 31) * 1000);
    const after = await send(h, 'POST', '/workers', { key: 'killed', body: { name: 'orphaned-answer' } });
    expect(after.status).toBe(200);
    expect(after.json.api_key).toBeUndefined();
    expect(h.backend.calls.filter((c) => c.step === 'create')).toHaveLength(1);
  });
});

/** A memory store whose writes of stored answers fail while `failAnswers` is set: the function "dies" there. */
class AnswerLosingStore extends MemoryStore {
  failAnswers = true;
  override async put(key: string, body: string, options?: PutOptions) {
    if (this.failAnswers && key.startsWith('idempotency/keys/') && body.includes('"state":"done"')) {
      throw new StoreUnavailableError('injected: the function died before storing its answer');
    }
    return super.put(key, body, options);
  }
}

describe('Idempotency-Key when storing the first answer fails (the state a function killed after the create leaves)', () => {
  it("a retry within the attempt's lease is 409 in_progress; after it, the create runs again and finds the same worker", async () => {
    const store = new AnswerLosingStore();
    const h = await makeApp({ store });
    // The answer (with its key) still goes out; what is stored is what a function killed at that point leaves.
    const first = await send(h, 'POST', '/workers', { key: 'crash', body: { name: 'survivor' } });
    expect(first.status).toBe(201);
    expect(h.backend.allResources()).toHaveLength(1);
    store.failAnswers = false;

    const early = await send(h, 'POST', '/workers', { key: 'crash', body: { name: 'survivor' } });
    expect(early.status).toBe(409);
    expect(early.json.code).toBe('in_progress');

    h.clock.advance((h.settings.functionTimeoutSeconds + 31) * 1000);
    const late = await send(h, 'POST', '/workers', { key: 'crash', body: { name: 'survivor' } });
    expect(late.status).toBe(200);
    expect(late.json.name).toBe('survivor');
    expect(h.backend.allResources()).toHaveLength(1);
    const replayed = await send(h, 'POST', '/workers', { key: 'crash', body: { name: 'survivor' } });
    expect(replayed.status).toBe(200);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    // The worker the first attempt made is the one the retry answered with: same incarnation, no second create.
    expect(h.backend.calls.filter((c) => c.step === 'create')).toHaveLength(1);
  });
});
