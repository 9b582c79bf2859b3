/**
 * One page of the ECS inventory: a ListServices page (ARNs only), described with their tags in batches of 10
 * (DescribeServices' limit) and filtered by our deployment tag. The cursor is ECS's nextToken; a page may be
 * short, and only a missing cursor means the end.
 *
 * @module
 */

import {
  DescribeServicesCommand,
  type ECSClient,
  ListServicesCommand,
  type Service,
} from '@aws-sdk/client-ecs';
import { type InventoryItem, type InventoryPage, LABELS } from '../port';
import { translateEcsError } from './errors';
import { tagsToMap } from './task-definition';

const DESCRIBE_BATCH = 10;

export async function listEcsInventory(
  client: ECSClient,
  options: { cluster: string; deploymentId: string; cursor?: string; limit: number },
): Promise<InventoryPage> {
  try {
    const page = await client.send(
      new ListServicesCommand({
        cluster: options.cluster,
        maxResults: options.limit,
        ...(options.cursor ? { nextToken: options.cursor } : {}),
      }),
    );
    const arns = page.serviceArns ?? [];
    const services: Service[] = [];
    for (let i = 0; i < arns.length; i += DESCRIBE_BATCH) {
      const described = await client.send(
        new DescribeServicesCommand({
          cluster: options.cluster,
          services: arns.slice(i, i + DESCRIBE_BATCH),
          include: ['TAGS'],
        }),
      );
      services.push(...(described.services ?? []));
    }
    const items: InventoryItem[] = [];
    for (const service of services) {
      const tags = tagsToMap(service.tags);
      // Only ACTIVE services are inventory: DRAINING ones are being deleted.
      if (tags[LABELS.deployment] !== options.deploymentId || service.status !== 'ACTIVE') continue;
      const running = service.runningCount ?? 0;
      items.push({
        ref: { resourceName: service.serviceName ?? '', id: service.serviceArn ?? service.serviceName ?? '' },
        deploymentId: options.deploymentId,
        workerName: tags[LABELS.worker] ?? '',
        uid: tags[LABELS.uid] ?? '',
        state: (service.desiredCount ?? 0) === 0 ? 'stopped' : running > 0 ? 'running' : 'starting',
        raw: `desired=${service.desiredCount ?? 0} running=${running}`,
      });
    }
    return { items, ...(page.nextToken ? { cursor: page.nextToken } : {}) };
  } catch (error) {
    throw translateEcsError(error, 'ListServices', 'inventory');
  }
}
