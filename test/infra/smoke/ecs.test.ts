/**
 * The `ecs-lifecycle` smoke step through the real ECS adapter and `@aws-sdk/client-ecs` against the
 * protocol-level ECS fake: a run that passes and leaves no service and no task definition behind, and one where
 * DeregisterTaskDefinition is denied (a lifecycle role whose tag condition does not match, the failure the
 * update row exists to show): old revisions stay ACTIVE, the update row fails, and the clean-up says what it
 * could not remove.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../infra/smoke/smoke';
import { FakeEcsServer } from '../../support/fakes/ecs';

let ecs: FakeEcsServer | undefined;
afterEach(async () => {
  await ecs?.close();
  ecs = undefined;
});

async function smoke(before: (fake: FakeEcsServer) => void = () => {}) {
  ecs = await FakeEcsServer.start({ taskStartMs: 40, taskStopMs: 30 });
  const image = ecs.image('smoke/echo:1');
  ecs.pushImage(image);
  before(ecs);
  const output: string[] = [];
  const code = await main(
    ['--cloud', 'aws', '--yes'],
    {
      AWS_ACCESS_KEY_ID: ecs.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ecs.credentials.secretAccessKey,
      ECS_REGION: 'us-east-1',
      ECS_CLUSTER: 'agents',
      ECS_SUBNETS: 'subnet-0smoke',
      ECS_ENDPOINT: ecs.endpoint,
      SMOKE_ECS_IMAGE: image,
      SMOKE_POLL_MS: '10',
      SMOKE_TIMEOUT_MS: '5000',
    },
    { out: (line) => output.push(line), run: 'smoke-ecs' },
  );
  const family = String(ecs.requestsFor('RegisterTaskDefinition')[0]?.body.family ?? '');
  return { code, text: output.join('\n'), family };
}

const row = (text: string, id: string) => text.split('\n').find((line) => line.startsWith(`${id} `)) ?? '';

describe('smoke: ecs-lifecycle', () => {
  it('creates, updates (old revision deregistered), scales to 0 and 1, deletes; nothing is left', async () => {
    const { code, text, family } = await smoke();
    expect(code, text).toBe(0);
    expect(row(text, 'ecs-lifecycle: create')).toMatch(/running \(RUNNING\), 1 instance\(s\).*\| PASS/);
    expect(row(text, 'ecs-lifecycle: update')).toMatch(
      /serving :2; ACTIVE: :2; at most 1 alive at once +\| PASS/,
    );
    expect(row(text, 'ecs-lifecycle: scale to 0')).toMatch(/stopped \(STOPPED\), 0 instance\(s\).*\| PASS/);
    expect(row(text, 'ecs-lifecycle: scale to 1')).toMatch(/running \(RUNNING\), 1 instance\(s\).*\| PASS/);
    expect(row(text, 'ecs-lifecycle: delete')).toMatch(/(DRAINING|INACTIVE), not listed +\| PASS/);
    expect(row(text, 'ecs-lifecycle: cleanup')).toMatch(
      /removed ECS service .*ECS task definition family .*\| PASS/,
    );
    // Named and tagged for the run; the service is gone and no revision of the family is left ACTIVE.
    expect(family).toMatch(/^smokee-smoke-[0-9a-f]{8}$/);
    const service = ecs!.service(family)!;
    expect(service.tags).toContainEqual({ key: 'orchestrator.deployment', value: 'smoke-ecs' });
    expect(service.status).not.toBe('ACTIVE');
    expect(ecs!.activeRevisions(family)).toEqual([]);
    expect(ecs!.requestsFor('DeleteTaskDefinitions').map((r) => r.status)).toEqual([200]);
  });

  it('fails the update row when old revisions cannot be deregistered, and says what the clean-up left', async () => {
    const { code, text, family } = await smoke((fake) => fake.deny('DeregisterTaskDefinition'));
    expect(code, text).toBe(1);
    expect(row(text, 'ecs-lifecycle: update')).toMatch(/ACTIVE: :1, :2;.*\| FAIL/);
    expect(row(text, 'ecs-lifecycle: cleanup')).toMatch(
      /LEFT BEHIND: ECS task definition family .*AccessDeniedException.*\| FAIL/,
    );
    // The service itself was still removed.
    expect(ecs!.service(family)!.status).not.toBe('ACTIVE');
  });
});
