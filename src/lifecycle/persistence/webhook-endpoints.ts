/**
 * Webhook endpoints: `webhooks/endpoints.json` (URLs, event types, filters; no secret) and their signing secrets
 * in `secrets/_webhooks.json`, under `secrets/` like every other secret, so only the functions allowed to read
 * secrets can sign. Both are small versioned documents (`schema_version`) changed by compare-and-swap.
 *
 * @module
 */

import type { Versioned } from '../../store/cas';
import type { ObjectStore } from '../../store/port';
import { readDocument, updateDocument } from './document';

const ENDPOINTS_KEY = 'webhooks/endpoints.json';
/** `_` cannot start a worker name, so the secrets sweep never mistakes this for a worker's secrets. */
const SECRETS_KEY = 'secrets/_webhooks.json';

export interface WebhookEndpoint {
  id: string;
  url: string;
  /** Event types delivered; `credentials.issued` only when listed. */
  types: string[];
  filter?: { labels?: Record<string, string>; team?: string };
  description?: string;
  created_at: string;
}

export interface EndpointSecret {
  current: string;
  /** When it was made (epoch ms): a secret whose endpoint never got listed is removed once it is this old. */
  created_ms?: number;
  /** Still signed with after a rotation until `previous_until_ms`, so receivers can switch without a gap. */
  previous?: string;
  previous_until_ms?: number;
}

interface EndpointsDoc extends Versioned {
  endpoints: WebhookEndpoint[];
}

interface SecretsDoc extends Versioned {
  secrets: Record<string, EndpointSecret>;
}

export class WebhookEndpoints {
  constructor(private readonly store: ObjectStore) {}

  async list(): Promise<WebhookEndpoint[]> {
    return (
      (await readDocument<EndpointsDoc>(this.store, 'webhook_endpoints', ENDPOINTS_KEY))?.value.endpoints ??
      []
    );
  }

  async update(change: (endpoints: WebhookEndpoint[]) => WebhookEndpoint[] | undefined): Promise<void> {
    await updateDocument<EndpointsDoc>(this.store, 'webhook_endpoints', ENDPOINTS_KEY, (current) => {
      const next = change(current?.endpoints ?? []);
      return next ? { endpoints: next } : undefined;
    });
  }

  async secrets(): Promise<Record<string, EndpointSecret>> {
    return (await readDocument<SecretsDoc>(this.store, 'webhook_secrets', SECRETS_KEY))?.value.secrets ?? {};
  }

  async updateSecrets(change: (secrets: Map<string, EndpointSecret>) => boolean): Promise<void> {
    await updateDocument<SecretsDoc>(this.store, 'webhook_secrets', SECRETS_KEY, (current) => {
      // A Map, not an object: ids are ours, but the habit keeps `__proto__` a plain key.
      const secrets = new Map(Object.entries(current?.secrets ?? {}));
      return change(secrets) ? { secrets: Object.fromEntries(secrets) } : undefined;
    });
  }
}
