/**
 * miniflare serves the emulator's outbound service (its only way to the Docker engine) and the `STS_ISSUER` binding
 * through an unauthenticated HTTP server on a random loopback port. Any local process can call it, worker
 * containers on the host network included, so these tests do exactly that: they find the port as an attacker
 * would (the listening sockets of the emulator's process) and prove that without the emulator's per-process token
 * neither the engine nor the issuer is reached, that no port of the emulator (or of its workerd) writes a file for
 * them — miniflare's own `/core/store-temp-file` would, anywhere — from this machine or from a worker container on
 * the host network, that even with the token the outbound refuses a create body that would escape the container,
 * and that the emulator's own calls still get through.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Request as MfRequest } from 'miniflare';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOutboundService } from '../../../infra/emulator/outbound';
import { PROXY_REFUSAL, requireProxyToken } from '../../../infra/emulator/proxy-token';
import { LABELS } from '../../../src/backends/port';
import type { CredentialIssuer } from '../../../src/credentials/port';
import { RemoteIssuer, serveIssuer } from '../../../src/credentials/remote';
import { BackendError } from '../../../src/errors';
import { PROXY_TOKEN_HEADER } from '../../../src/platforms/workerd';
import { dockerSocketPath, ensureWorkerImage, WORKER_IMAGE } from '../../support/docker-engine';
import {
  describeWithDocker,
  engine,
  inspectContainer,
  probeDockerEngine,
  startTestEmulator,
  type TestEmulator,
} from '../../support/emulator';
import { type FakeAliyunSts, startFakeAliyunSts } from '../../support/fakes/aliyun-sts';

const probe = await probeDockerEngine();
const SIGNING = { id: 'LTAI-security-test', secret: 'security-test-signing-secret' };
const MARKER = `security-${crypto.randomUUID().slice(0, 8)}`;

/** This process and every process it started (workerd), from /proc. */
async function thisProcessTree(): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid …; comm may hold spaces, so read after its closing parenthesis.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid) parents.set(Number(entry), ppid);
  }
  const tree = new Set([process.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (tree.has(ppid) && !tree.has(pid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return [...tree];
}

/** TCP ports the given processes listen on, from /proc: what `ss -ltnp` shows for them. */
async function listeningPortsOf(pids: number[]): Promise<number[]> {
  const inodes = new Set<string>();
  for (const pid of pids) {
    for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])) {
      const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const socket = /^socket:\[(\d+)\]$/.exec(link);
      if (socket) inodes.add(socket[1]!);
    }
  }
  const ports = new Set<number>();
  for (const table of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT, st 0A is LISTEN, field 9 the socket inode.
      if (fields[3] === '0A' && inodes.has(fields[9]!))
        ports.add(Number.parseInt(fields[1]!.split(':')[1]!, 16));
    }
  }
  return [...ports];
}

const listeningPortsOfThisProcess = async () => listeningPortsOf([process.pid]);

/**
 * miniflare's loopback server: the one listening port of this process that answers its `/core/public-url` with
 * the loopback guard's refusal (without the token, that is all it answers), or with its URL were it unguarded.
 */
async function findMiniflareLoopback(): Promise<number> {
  const found: number[] = [];
  for (const port of await listeningPortsOfThisProcess()) {
    const reply = await fetch(`http://127.0.0.1:${port}/core/public-url`).catch(() => undefined);
    const text = reply ? await reply.text() : '';
    // Unguarded (an older emulator), it would answer its URL: still the port an attacker would find.
    const refused = reply?.status === 403 && text === JSON.stringify({ message: PROXY_REFUSAL });
    if (refused || (reply?.status === 200 && text.startsWith('"http'))) found.push(port);
  }
  expect(found, 'exactly one miniflare loopback server in this process').toHaveLength(1);
  return found[0]!;
}

/** A request to a custom service through the loopback server, as workerd sends it (plus what the caller adds). */
const viaLoopback = (
  port: number,
  service: string,
  url: string,
  init: { method?: string; body?: string; headers?: Record<string, string> } = {},
) =>
  fetch(`http://127.0.0.1:${port}${new URL(url).pathname}`, {
    method: init.method ?? 'GET',
    headers: { 'MF-Custom-Fetch-Service': service, 'MF-Original-URL': url, ...init.headers },
    ...(init.body === undefined ? {} : { body: init.body }),
  });

const OUTBOUND = '0/$outbound';
const ISSUER = '0/#STS_ISSUER';

describe("miniflare's loopback server, called directly by a local process", () => {
  let emu: TestEmulator;
  let sts: FakeAliyunSts;
  let loopback: number;

  beforeAll(async () => {
    sts = await startFakeAliyunSts({ keys: { [SIGNING.id]: { secret: SIGNING.secret } } });
    emu = await startTestEmulator({
      // The real engine when there is one, so a refused call is seen not to have reached it.
      socketPath: dockerSocketPath(),
      vars: {
        BACKENDS: 'docker,fake',
        STS_PROVIDER: 'aliyun',
        STS_ROLE_ARN: 'acs:ram::1234567890123456:role/worker-data',
        STS_ENDPOINT: sts.url,
        STS_REGION: 'cn-hangzhou',
        OSS_BUCKET: 'agent-data',
        ALIBABA_CLOUD_ACCESS_KEY_ID: SIGNING.id,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: SIGNING.secret,
      },
    });
    loopback = await findMiniflareLoopback();
  });

  afterAll(async () => {
    await emu?.stop();
    await sts?.close();
  });

  /** Every port the emulator and its workerd listen on (the test's fake STS server aside). */
  const emulatorPorts = async () =>
    (await listeningPortsOf(await thisProcessTree())).filter(
      (port) => String(port) !== new URL(sts.url).port,
    );

  it('refuses a docker.sock call without the token, or with a wrong one, before it reaches the engine', async () => {
    const version = await viaLoopback(loopback, OUTBOUND, 'http://docker.sock/version');
    expect(version.status).toBe(403);
    expect(await version.json()).toEqual({ message: PROXY_REFUSAL });
    const guessed = await viaLoopback(loopback, OUTBOUND, 'http://docker.sock/version', {
      headers: { [PROXY_TOKEN_HEADER]: 'f'.repeat(64) },
    });
    expect(guessed.status).toBe(403);

    const name = `${MARKER}-root`;
    const created = await viaLoopback(
      loopback,
      OUTBOUND,
      `http://docker.sock/containers/create?name=${name}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ Image: WORKER_IMAGE, HostConfig: { Privileged: true, Binds: ['/:/host'] } }),
      },
    );
    expect(created.status).toBe(403);
    if (probe.reachable) expect(await inspectContainer(name)).toBeNull();
  });

  it('refuses an STS_ISSUER call without the token, and no credentials are minted', async () => {
    const before = sts.calls.length;
    const body = JSON.stringify({ workerName: 'victim', uid: '0123456789abcdef', durationSeconds: 3600 });
    const bare = await viaLoopback(loopback, ISSUER, 'http://issuer/issue', { method: 'POST', body });
    expect(bare.status).toBe(403);
    expect(await bare.json()).toEqual({ message: PROXY_REFUSAL });
    const guessed = await viaLoopback(loopback, ISSUER, 'http://issuer/issue', {
      method: 'POST',
      body,
      headers: { [PROXY_TOKEN_HEADER]: '' },
    });
    expect(guessed.status).toBe(403);
    expect(sts.calls.length).toBe(before);
  });

  it('no port of the emulator or its workerd writes a file for a caller without the token, from this machine', async () => {
    // Bug: miniflare's loopback answered POST /core/store-temp-file without a token and joined `extension` into
    // the path unchecked, so any local process could write any file the emulator's user may write.
    const target = await mkdtemp(join(tmpdir(), 'loopback-target-'));
    const escapingPath = `/${'../'.repeat(24)}${target.slice(1)}/written-by-a-stranger`;
    const ports = await emulatorPorts();
    expect(ports).toContain(loopback);
    const query = `prefix=x&extension=${encodeURIComponent(escapingPath)}`;
    const answers: string[] = [];
    for (const port of ports) {
      for (const headers of [
        {} as Record<string, string>,
        { 'MF-Original-URL': `http://localhost/core/store-temp-file?${query}` },
      ]) {
        const reply = await fetch(`http://127.0.0.1:${port}/core/store-temp-file?${query}`, {
          method: 'POST',
          body: 'owned',
          headers,
        }).catch(() => undefined);
        if (reply) answers.push(`${port} ${reply.status} ${(await reply.text()).slice(0, 80)}`);
      }
      // The other file handlers behind the same server: reading and deleting storage.
      for (const path of ['/core/workflow-storage/x', '/core/do-storage/x', '/core/dev-registry']) {
        const reply = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'DELETE' }).catch(
          () => undefined,
        );
        if (reply && port === loopback) expect(reply.status, `${port} ${path}`).toBe(403);
      }
    }
    expect(await readdir(target), answers.join('\n')).toEqual([]);
    expect(answers.filter((line) => / 200 /.test(line))).toEqual([]);
    await rm(target, { recursive: true, force: true });
  });

  it.skipIf(!probe.reachable)(
    'a worker container on the host network reaches neither a file write, the engine nor the issuer through any emulator port',
    async () => {
      // Host-network workers share the host's loopback: they can scan for these ports as any local process can.
      await ensureWorkerImage();
      const target = await mkdtemp(join(tmpdir(), 'loopback-target-'));
      await chmod(target, 0o777);
      const escapingPath = `/${'../'.repeat(24)}${target.slice(1)}/written-by-a-worker`;
      const ports = await emulatorPorts();
      const front = new URL(emu.url).port;
      const name = `${MARKER}-from-worker`;
      const before = sts.calls.length;
      const script = [
        'wget -q -O /dev/null "http://127.0.0.1:$FRONT/healthz" && echo reached-front-door',
        'for p in $PORTS; do',
        '  wget -q -O /dev/null --post-data owned "http://127.0.0.1:$p/core/store-temp-file?prefix=x&extension=$ESCAPE" && echo "wrote via $p"',
        '  wget -q -O /dev/null --header "MF-Custom-Fetch-Service: $OUTBOUND" --header "MF-Original-URL: http://docker.sock/containers/create?name=$NAME" --header "content-type: application/json" --post-data "{\\"Image\\":\\"$IMAGE\\"}" "http://127.0.0.1:$p/containers/create" && echo "engine via $p"',
        '  wget -q -O /dev/null --header "MF-Custom-Fetch-Service: $ISSUER" --header "MF-Original-URL: http://issuer/issue" --post-data "{\\"workerName\\":\\"victim\\",\\"uid\\":\\"0123456789abcdef\\",\\"durationSeconds\\":3600}" "http://127.0.0.1:$p/issue" && echo "issuer via $p"',
        'done',
        'echo finished',
      ].join('\n');
      const env = {
        PORTS: ports.join(' '),
        FRONT: front,
        ESCAPE: encodeURIComponent(escapingPath),
        OUTBOUND,
        ISSUER,
        NAME: name,
        IMAGE: WORKER_IMAGE,
      };
      const { stdout } = await promisify(execFile)(
        'docker',
        [
          'run',
          '--rm',
          '--network',
          'host',
          '--entrypoint',
          '/bin/sh',
          ...Object.entries(env).flatMap(([key, value]) => ['-e', `${key}=${value}`]),
          WORKER_IMAGE,
          '-c',
          script,
        ],
        { timeout: 60_000 },
      );
      expect(stdout).toContain('reached-front-door');
      expect(stdout).toContain('finished');
      expect(stdout).not.toMatch(/wrote via|engine via|issuer via/);
      expect(await readdir(target)).toEqual([]);
      expect(await inspectContainer(name)).toBeNull();
      expect(sts.calls.length).toBe(before);
      await rm(target, { recursive: true, force: true });
    },
    90_000,
  );

  it("still issues credentials through the binding for the emulator's own functions, which hold the token", async () => {
    const created = await emu.call('POST', '/workers', { body: { name: 'holder', backend: 'fake' } });
    expect(created.status).toBe(201);
    const before = sts.calls.length;
    const issued = await emu.call('POST', '/credentials/sts', { key: created.json.api_key });
    expect(issued.status, JSON.stringify(issued.json)).toBe(200);
    expect(issued.json.access_key_id).toBe(sts.lastIssued!.accessKeyId);
    expect(sts.calls.length).toBe(before + 1);
    expect(sts.calls.at(-1)!.params.RoleSessionName).toMatch(/^w-holder-/);
  });
});

describe('the issuer binding behind the token', () => {
  // Behind the guard sits the protocol's host half; the issuer itself is a stand-in that mints fixed values.
  const minted = {
    provider: 'aws' as const,
    accessKeyId: 'ASIAEXAMPLE',
    accessKeySecret: 'example-secret',
    securityToken: 'example-token',
    expiration: '2030-01-01T00:00:00Z',
  };
  const standIn = { provider: 'aws', issue: async () => minted } as unknown as CredentialIssuer;
  const token = 'd'.repeat(64);
  const guarded = requireProxyToken(token, serveIssuer(standIn));
  const request = { workerName: 'alice', uid: '0123456789abcdef', durationSeconds: 3600 };

  it('reads a refusal in front of the issuer as an error, never as credentials', async () => {
    const unsigned = new RemoteIssuer('aws', guarded);
    await expect(unsigned.issue(request)).rejects.toThrow(BackendError);
    await expect(unsigned.issue(request)).rejects.toThrow(/refused the request \(HTTP 403\)/);
  });

  it('issues through the guard when the request carries the token, which goes no further', async () => {
    let seen: string | null = 'unset';
    const signed = new RemoteIssuer('aws', (req) => {
      req.headers.set(PROXY_TOKEN_HEADER, token);
      return guarded(req).finally(() => {
        seen = req.headers.get(PROXY_TOKEN_HEADER);
      });
    });
    await expect(signed.issue(request)).resolves.toEqual(minted);
    expect(seen).toBeNull();
  });
});

describeWithDocker('the outbound service, holding the token, in front of the real engine', probe, () => {
  const token = 'c'.repeat(64);
  const outbound = createOutboundService({ socketPath: dockerSocketPath(), token });
  const send = (path: string, init: { method?: string; body?: string } = {}) =>
    outbound(
      new MfRequest(`http://docker.sock${path}`, {
        method: init.method ?? 'GET',
        headers: { [PROXY_TOKEN_HEADER]: token, 'content-type': 'application/json' },
        ...(init.body === undefined ? {} : { body: init.body }),
      }),
    );
  const made: string[] = [];

  beforeAll(() => ensureWorkerImage(), 120_000);
  afterEach(async () => {
    for (const id of made.splice(0)) await engine(`/containers/${id}?force=1`, { method: 'DELETE' });
  });

  it('refuses a privileged or host-binding create body even with the token, and the engine makes nothing', async () => {
    for (const [suffix, hostConfig] of [
      ['priv', { Privileged: true }],
      ['binds', { Binds: ['/:/host'] }],
      ['mounts', { Mounts: [{ Type: 'bind', Source: '/', Target: '/host' }] }],
      ['pid', { PidMode: 'host' }],
    ] as const) {
      const name = `${MARKER}-${suffix}`;
      const reply = await send(`/containers/create?name=${name}`, {
        method: 'POST',
        body: JSON.stringify({ Image: WORKER_IMAGE, HostConfig: hostConfig }),
      });
      expect(reply.status, suffix).toBe(403);
      expect(((await reply.json()) as { message: string }).message).toMatch(/^the emulator refused: /);
      expect(await inspectContainer(name)).toBeNull();
    }
    expect((await send('/info')).status).toBe(403);
  });

  it('forwards a hardened create, and what it forwards is the body it checked', async () => {
    // The engine merges a duplicated HostConfig; the outbound forwards its own serialisation, which has only one.
    const name = `${MARKER}-plain`;
    const reply = await send(`/containers/create?name=${name}`, {
      method: 'POST',
      body: `{"Image":"${WORKER_IMAGE}","Labels":{"${LABELS.deployment}":"${MARKER}"},"HostConfig":{"Privileged":true},"HostConfig":{"NetworkMode":"host"}}`,
    });
    expect(reply.status).toBe(201);
    const { Id } = (await reply.json()) as { Id: string };
    made.push(Id);
    const inspected = (await (await engine(`/containers/${Id}/json`)).json()) as {
      HostConfig: { Privileged: boolean; NetworkMode: string };
    };
    expect(inspected.HostConfig).toMatchObject({ Privileged: false, NetworkMode: 'host' });
  });
});
