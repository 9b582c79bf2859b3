/**
 * What the engine is (its OS, whether it has a `bridge` network), read once per backend and shared by every
 * create; a failed read is forgotten so the next create asks again.
 *
 * @module
 */
import { type DockerApi, engineError, jsonOf } from './api';
import type { EngineFacts } from './container';

export class EngineFactsCache {
  private facts: Promise<EngineFacts> | undefined;

  constructor(private readonly api: DockerApi) {}

  get(): Promise<EngineFacts> {
    this.facts ??= this.load().catch((error: unknown) => {
      this.facts = undefined;
      throw error;
    });
    return this.facts;
  }

  private async load(): Promise<EngineFacts> {
    const version = await this.api.request('/version');
    if (version.status !== 200) throw engineError(version, 'reading the engine version');
    const networks = await this.api.request('/networks', {
      query: { filters: JSON.stringify({ name: ['bridge'] }) },
    });
    if (networks.status !== 200) throw engineError(networks, 'listing networks');
    return {
      os: jsonOf<{ Os?: string }>(version).Os ?? 'linux',
      hasBridge: jsonOf<{ Name: string }[]>(networks).some((network) => network.Name === 'bridge'),
    };
  }
}
