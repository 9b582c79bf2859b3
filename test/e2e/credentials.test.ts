/**
 * A real worker container in the emulator obtains storage credentials with its own key and refreshes them before
 * they run out, through the Alibaba issuer (the real SDK) pointed at a protocol-level fake of STS. The issuer runs
 * in the emulator's Node process and the functions reach it through a binding; signing keys never reach them.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithDocker, probeDockerEngine, until, useTestEmulator } from '../support/emulator';
import { type FakeAliyunSts, startFakeAliyunSts } from '../support/fakes/aliyun-sts';

const probe = await probeDockerEngine();
const SIGNING = { id: 'LTAI-emulator-test', secret: 'emulator-signing-secret-value' };

describeWithDocker(
  'storage credentials for a real worker (Alibaba issuer, protocol-level STS fake)',
  probe,
  () => {
    let sts: FakeAliyunSts;

    beforeAll(async () => {
      sts = await startFakeAliyunSts({ keys: { [SIGNING.id]: { secret: SIGNING.secret } } });
    });
    afterAll(async () => {
      await sts?.close();
    });

    const emu = useTestEmulator(() => ({
      vars: {
        STS_PROVIDER: 'aliyun',
        STS_ROLE_ARN: 'acs:ram::1234567890123456:role/worker-data',
        STS_ENDPOINT: sts.url,
        STS_REGION: 'cn-hangzhou',
        OSS_BUCKET: 'agent-data',
        ALIBABA_CLOUD_ACCESS_KEY_ID: SIGNING.id,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: SIGNING.secret,
      },
    }));

    it('the container fetches credentials scoped to its prefix and refreshes them by their expiration', async () => {
      const created = await emu.call('POST', '/workers', {
        body: {
          name: 'keeper',
          env: {
            HEARTBEAT_INTERVAL_SECONDS: '1',
            WORKER_CREDENTIALS_FILE: '/tmp/storage-credentials.json',
            // The fake issues hour-long credentials; refreshing with 3,598 s left makes a refresh due every ~2 s.
            CREDENTIALS_REFRESH_SECONDS: '3598',
          },
        },
      });
      expect(created.status).toBe(201);
      const mine = () => sts.calls.filter((call) => call.params.RoleSessionName?.startsWith('w-keeper-'));
      await until(
        async () => mine().length,
        (count) => count >= 2,
        'the worker fetched credentials and then refreshed them',
        45_000,
      );
      const call = mine()[0]!;
      expect(call.action).toBe('AssumeRole');
      expect(call.accessKeyId).toBe(SIGNING.id);
      const policy = JSON.stringify(JSON.parse(call.params.Policy!));
      expect(policy).toContain('agent-data/agents/keeper/*');
      expect(policy).not.toContain('agents/keeper*');

      const events = await emu.call('GET', '/workers/keeper/events?limit=100');
      expect(
        events.json.events.filter((e: { reason: string }) => e.reason === 'credentials_issued').length,
      ).toBeGreaterThanOrEqual(2);
      const logs = await until(
        () => emu.call('GET', '/workers/keeper/logs?tail=200'),
        (reply) => (String(reply.json?.logs).match(/storage credentials refreshed/g) ?? []).length >= 2,
        'the worker logged two refreshes',
      );
      // Neither the signing secret nor an issued secret is ever printed.
      expect(String(logs.json.logs)).not.toContain(SIGNING.secret);
      expect(String(logs.json.logs)).not.toContain(sts.lastIssued!.accessKeySecret);
      expect(emu.logs.join('\n')).not.toContain(SIGNING.secret);
    });

    it('refuses a sleeping worker with 409 and a manager key with 403', async () => {
      const created = await emu.call('POST', '/workers', { body: { name: 'napper' } });
      const key = created.json.api_key as string;
      expect((await emu.call('POST', '/credentials/sts', { key: emu.managerKey })).status).toBe(403);
      await emu.call('POST', '/workers/napper/sleep');
      const refused = await emu.call('POST', '/credentials/sts', { key });
      expect(refused.status).toBe(409);
      expect(refused.json.code).toBe('not_awake');
    });
  },
);
