/**
 * Filing an event that reports no record write (credentials issued, an orphan found): it is confirmed as it is
 * filed, since there is no write to wait for, and goes to the endpoints that want it. Filing reads only
 * `webhooks/endpoints.json` and writes only the event's queue in `outbox/`, never `secrets/`: the credentials
 * function, which may not read the signing secrets, files `credentials.issued` this way (in its own queue,
 * `outbox/_issued/<name>/`, the one place it may write) and leaves the delivery to the sweeper.
 *
 * @module
 */

import type { ObjectStore } from '../../store/port';
import type { Clock } from '../model';
import {
  type DeliveryTarget,
  type OutboxEvent,
  OutboxStorage,
  outboxLayout,
  type WebhookEndpoint,
  WebhookEndpoints,
} from '../persistence';
import type { EventType } from './events';

/** Which workers' events an endpoint takes: its types, then its label and team filter. */
export interface EventMatch {
  labels?: Record<string, string>;
  team?: string;
}

export interface EventFilerOptions {
  /**
   * How long one read of the endpoint list is reused (0: read it every time). A hot path that files events
   * nobody may want (every credentials request) then pays one read per instance per period, not one per call;
   * an endpoint registered meanwhile gets the events filed after the period ends.
   */
  endpointsCacheMs?: number;
}

export class EventFiler {
  private readonly endpoints: WebhookEndpoints;
  private readonly outbox: OutboxStorage;
  private readonly cacheMs: number;
  private cached: { until: number; endpoints: Promise<WebhookEndpoint[]> } | undefined;

  constructor(
    store: ObjectStore,
    private readonly clock: Clock,
    options: EventFilerOptions = {},
  ) {
    this.endpoints = new WebhookEndpoints(store);
    this.outbox = new OutboxStorage(store);
    this.cacheMs = options.endpointsCacheMs ?? 0;
  }

  /** Files the event for every endpoint that wants it; null (and nothing written) when none does. */
  async file(
    name: string,
    type: EventType,
    data: Record<string, unknown>,
    match: EventMatch = {},
  ): Promise<OutboxEvent | null> {
    const targets = await this.targetsFor(type, match);
    if (Object.keys(targets).length === 0) return null;
    const now = this.clock.now();
    const id = `evt_${crypto.randomUUID().replace(/-/g, '')}`;
    const event: OutboxEvent = { id, type, timestamp: new Date(now).toISOString(), data: { name, ...data } };
    await this.outbox.file(outboxLayout.entry(outboxLayout.queueFor(type, name), now, 0, id), {
      event,
      name,
      confirmed: true,
      created_ms: now,
      targets,
    });
    return event;
  }

  private async targetsFor(type: EventType, match: EventMatch): Promise<Record<string, DeliveryTarget>> {
    const endpoints = await this.list();
    return Object.fromEntries(
      endpoints.filter((e) => endpointWants(e, type, match)).map((e) => [e.id, { attempts: 0 }]),
    );
  }

  private list(): Promise<WebhookEndpoint[]> {
    if (this.cacheMs <= 0) return this.endpoints.list();
    const now = this.clock.now();
    if (this.cached && this.cached.until > now) return this.cached.endpoints;
    const endpoints = this.endpoints.list();
    const entry = { until: now + this.cacheMs, endpoints };
    this.cached = entry;
    // A failed read is not reused: the next call reads again.
    endpoints.catch(() => {
      if (this.cached === entry) this.cached = undefined;
    });
    return endpoints;
  }
}

/** Whether `endpoint` takes an event of `type` about a worker with these labels and team. */
export function endpointWants(endpoint: WebhookEndpoint, type: EventType, match: EventMatch): boolean {
  if (!endpoint.types.includes(type)) return false;
  const filter = endpoint.filter;
  if (filter?.team !== undefined && filter.team !== match.team) return false;
  const labels = match.labels ?? {};
  return Object.entries(filter?.labels ?? {}).every(([k, v]) => labels[k] === v);
}
