/**
 * The read side of the SAE adapter: name lookup, application status, the change order in flight and the
 * instances. Absence is `undefined`, never an exception.
 *
 * @module
 */

import type { BackendInstance } from '../port';
import type { SaeClient } from './client';
import { isNotFound, translateSaeError } from './errors';

export const APP_PATH = '/pop/v1/sam/app';

/** Instance states whose container may still be running (and heartbeating). */
const ALIVE = new Set(['Running', 'Terminating']);

export interface AppSummary {
  AppId: string;
  AppName: string;
  Tags?: unknown;
  AppDeletingStatus?: boolean;
  RunningInstances?: number;
  Instances?: number;
}

export interface AppStatus {
  CurrentStatus?: string;
  LastChangeOrderId?: string;
  LastChangeOrderRunning?: boolean;
  LastChangeOrderStatus?: string;
  RunningInstances?: number;
}

export interface AppInstances {
  alive: BackendInstance[];
  /** The first container state that is neither running nor terminating (ErrImagePull, CrashLoopBackOff...). */
  trouble: string | undefined;
}

export class SaeQueries {
  constructor(
    private readonly api: SaeClient,
    private readonly namespaceId: string | undefined,
  ) {}

  /** Exact-name lookup (FieldValue matches by substring, so the name is compared again here). */
  async findByName(name: string): Promise<AppSummary | undefined> {
    try {
      const { data } = await this.api.call<{ Applications?: AppSummary[] }>({
        action: 'ListApplications',
        method: 'GET',
        pathname: `${APP_PATH}/listApplications`,
        query: { FieldType: 'appName', FieldValue: name, NamespaceId: this.namespaceId, PageSize: 100 },
      });
      return (data?.Applications ?? []).find((app) => app.AppName === name);
    } catch (error) {
      throw translateSaeError(error, name);
    }
  }

  /** DescribeApplicationStatus; `undefined` when SAE does not know the app (yet, or any more). */
  async status(appId: string, resourceName: string): Promise<AppStatus | undefined> {
    try {
      const { data } = await this.api.call<AppStatus>({
        action: 'DescribeApplicationStatus',
        method: 'GET',
        pathname: `${APP_PATH}/describeApplicationStatus`,
        query: { AppId: appId },
      });
      return data ?? {};
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw translateSaeError(error, resourceName);
    }
  }

  /** CoTypeCode (CoStart, CoStop, CoDeploy, CoDeleteApp...) of the order running on the app, if any. */
  async runningOrder(status: AppStatus | undefined): Promise<string | undefined> {
    if (!status?.LastChangeOrderRunning || !status.LastChangeOrderId) return undefined;
    try {
      const { data } = await this.api.call<{ CoTypeCode?: string }>({
        action: 'DescribeChangeOrder',
        method: 'GET',
        pathname: '/pop/v1/sam/changeorder/DescribeChangeOrder',
        query: { ChangeOrderId: status.LastChangeOrderId },
      });
      return data?.CoTypeCode ?? 'Unknown';
    } catch {
      // The order type only refines decisions; not knowing it is safe (callers then wait or report starting).
      return 'Unknown';
    }
  }

  /** Instances across the app's groups (DescribeApplicationInstances needs a GroupId). */
  async instances(appId: string, resourceName: string): Promise<AppInstances | undefined> {
    const alive: BackendInstance[] = [];
    let trouble: string | undefined;
    try {
      const groups = await this.api.call<{ GroupId: string }[]>({
        action: 'DescribeApplicationGroups',
        method: 'GET',
        pathname: `${APP_PATH}/describeApplicationGroups`,
        query: { AppId: appId },
      });
      for (const group of groups.data ?? []) {
        const { data } = await this.api.call<{
          Instances?: { InstanceId: string; CreateTimeStamp?: number; InstanceContainerStatus?: string }[];
        }>({
          action: 'DescribeApplicationInstances',
          method: 'GET',
          pathname: `${APP_PATH}/describeApplicationInstances`,
          query: { AppId: appId, GroupId: group.GroupId, CurrentPage: 1, PageSize: 100 },
        });
        for (const instance of data?.Instances ?? []) {
          const state = instance.InstanceContainerStatus ?? 'Unknown';
          if (ALIVE.has(state))
            alive.push({ id: instance.InstanceId, startedAt: Number(instance.CreateTimeStamp ?? 0) });
          else trouble ??= state;
        }
      }
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw translateSaeError(error, resourceName);
    }
    return { alive, trouble };
  }
}
