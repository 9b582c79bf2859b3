/**
 * `sae-lifecycle`: one SAE application taken through create → deploy → stop → start → delete by the product's
 * own adapter (`SaeBackend`), reading its status until each change order settles.
 *
 * What it checks that the SAE fake only assumes:
 * - a deploy with `MinReadyInstances: 0` (what the adapter sends) replaces the one instance without ever running
 *   two: the step reads the instances all through the deploy and counts the most alive at once (Running or
 *   Terminating: a terminating container may still heartbeat). Reads are `SMOKE_POLL_MS` apart, so an overlap
 *   shorter than that can be missed: two seen is a certain failure, one is strong evidence, not proof;
 * - a second change while an order runs is refused with `Application.ChangerOrderRunning`;
 * - a new application is tagged for the run and listed under its tags once SAE catches up.
 *
 * @module
 */
import { SaeApiError, SaeBackend, SaeClient } from '../../src/backends/sae';
import { readSaeSettings } from '../../src/config/cloud';
import { BackendUnavailableError } from '../../src/errors';
import { describeStatus, runningOne, stoppedNone, waitFor } from './backend-status';
import { pollUntil } from './poll';
import { aliyunCredentials, productSettings, smokeSetting } from './settings';
import { describeError, type SmokeStepRunner } from './step';
import { nextRevision, smokeWorker } from './worker-spec';

export const saeLifecycle: SmokeStepRunner = {
  id: 'sae-lifecycle',
  async run(ctx) {
    const sae = productSettings(() => readSaeSettings(ctx.env));
    const credentials = aliyunCredentials(ctx.env);
    const image = smokeSetting(ctx.env, 'SMOKE_SAE_IMAGE', 'an image SAE can pull, e.g. one in your ACR');
    const backend = new SaeBackend({ ...sae, ...credentials, deploymentId: ctx.run });
    const api = new SaeClient({ ...sae, credentials });
    const spec = smokeWorker(ctx.run, image);

    ctx.log(`sae-lifecycle: creating ${spec.resourceName}`);
    const { ref } = await backend.create(spec);
    ctx.cleanup(`SAE application ${spec.resourceName}`, async () => {
      // Retried within the wait: SAE refuses a delete while another change order runs.
      const gone = await pollUntil(
        async () => {
          await backend.delete(ref).catch((error: unknown) => {
            if (!(error instanceof BackendUnavailableError)) throw error;
          });
          return backend.status(ref);
        },
        (s) => s.state === 'not_found' && s.raw === 'NOT_FOUND',
        ctx.polling,
      );
      if (!gone.met) throw new Error(`still ${gone.value.raw}`);
    });
    const created = await waitFor(backend, ref, ctx.polling, runningOne);
    const listed = await pollUntil(
      () => backend.list(),
      (page) => page.items.some((item) => item.ref.resourceName === spec.resourceName),
      ctx.polling,
    );
    ctx.check(
      'create',
      'RUNNING with 1 instance; listed under the run tag',
      `${describeStatus(created)}; ${listed.met ? 'listed under the run tag' : 'not listed under the run tag'}`,
      created.met && listed.met,
    );

    const before = new Set(created.value.instances.map((i) => i.id));
    ctx.log('sae-lifecycle: deploying a new revision');
    await backend.update(ref, nextRevision(spec));
    // Sent at once, while the deploy's change order runs: SAE must refuse it rather than queue or run it.
    const second = await api
      .call({
        action: 'StopApplication',
        method: 'PUT',
        pathname: '/pop/v1/sam/app/stopApplication',
        query: { AppId: ref.id },
      })
      .then(
        () => 'accepted',
        (error: unknown) => (error instanceof SaeApiError ? error.code : describeError(error)),
      );
    ctx.check(
      'second change during deploy',
      'refused: Application.ChangerOrderRunning',
      second === 'accepted' ? 'accepted' : `refused: ${second}`,
      second === 'Application.ChangerOrderRunning',
    );
    let most = 0;
    const deployed = await waitFor(
      backend,
      ref,
      ctx.polling,
      (s) => runningOne(s) && s.instances.every((i) => !before.has(i.id)),
      (s) => {
        most = Math.max(most, s.instances.length);
      },
    );
    ctx.check(
      'deploy',
      'the instance replaced, never more than 1 alive at once (MinReadyInstances 0)',
      `${describeStatus(deployed)}; at most ${most} alive at once`,
      deployed.met && most <= 1,
    );

    await backend.stop(ref);
    const stopped = await waitFor(backend, ref, ctx.polling, stoppedNone);
    ctx.check('stop', 'STOPPED with 0 instances', describeStatus(stopped), stopped.met);

    await backend.start(ref);
    const started = await waitFor(backend, ref, ctx.polling, runningOne);
    ctx.check('start', 'RUNNING with 1 instance', describeStatus(started), started.met);

    await backend.delete(ref);
    const deleted = await waitFor(backend, ref, ctx.polling, (s) => s.raw === 'NOT_FOUND');
    ctx.check(
      'delete',
      'the application is gone (DescribeApplicationStatus: not found)',
      describeStatus(deleted),
      deleted.met,
    );
  },
};
