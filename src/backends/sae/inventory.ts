/**
 * One page of the SAE inventory: ListApplications filtered by our deployment tag. The cursor is SAE's next page
 * number; a page may be short (filtered on our side too), and only a missing cursor means the end.
 *
 * @module
 */

import { type InventoryItem, type InventoryPage, LABELS } from '../port';
import type { SaeClient } from './client';
import { translateSaeError } from './errors';
import { APP_PATH, type AppSummary } from './queries';
import { tagMap } from './spec';

export async function listSaeInventory(
  api: SaeClient,
  options: { deploymentId: string; namespaceId?: string; cursor?: string; limit: number },
): Promise<InventoryPage> {
  const page = Math.max(1, Number(options.cursor ?? '1') || 1);
  let data: { Applications?: AppSummary[]; TotalSize?: number } | undefined;
  try {
    ({ data } = await api.call<typeof data>({
      action: 'ListApplications',
      method: 'GET',
      pathname: `${APP_PATH}/listApplications`,
      query: {
        CurrentPage: page,
        PageSize: options.limit,
        NamespaceId: options.namespaceId,
        Tags: [{ key: LABELS.deployment, value: options.deploymentId }],
      },
    }));
  } catch (error) {
    throw translateSaeError(error, 'inventory');
  }
  const apps = data?.Applications ?? [];
  const items: InventoryItem[] = [];
  for (const app of apps) {
    const tags = tagMap(app.Tags);
    // The server-side tag filter is only an optimisation; an application being deleted is no longer inventory.
    if (tags[LABELS.deployment] !== options.deploymentId || app.AppDeletingStatus) continue;
    const running = app.RunningInstances ?? 0;
    items.push({
      ref: { resourceName: app.AppName, id: app.AppId },
      deploymentId: options.deploymentId,
      workerName: tags[LABELS.worker] ?? '',
      uid: tags[LABELS.uid] ?? '',
      state: running > 0 ? 'running' : 'stopped',
      raw: `${running}/${app.Instances ?? 0} running`,
    });
  }
  const more = apps.length > 0 && page * options.limit < (data?.TotalSize ?? 0);
  return { items, ...(more ? { cursor: String(page + 1) } : {}) };
}
