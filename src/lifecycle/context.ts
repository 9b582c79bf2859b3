/**
 * What every lifecycle component needs, wired once per function instance by a composition root.
 *
 * @module
 */

import type { WorkerBackend } from '../backends/port';
import { BackendUnavailableError, ValidationError } from '../errors';
import type { Clock, LifecycleSettings } from './model';
import type { EventFiler, Webhooks } from './outbox';
import type { DeploymentMeta, WorkerRepository } from './persistence';

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** The configured backends by name; a backend that could not be set up carries the reason instead. */
export class BackendRegistry {
  constructor(
    private readonly available: Map<string, WorkerBackend>,
    private readonly unavailable: Map<string, string> = new Map(),
  ) {}

  names(): string[] {
    return [...this.available.keys(), ...this.unavailable.keys()];
  }

  has(name: string): boolean {
    return this.available.has(name) || this.unavailable.has(name);
  }

  /** Throws 400 for a backend that is not configured, 503 (with the reason) for one that could not start. */
  get(name: string): WorkerBackend {
    const backend = this.available.get(name);
    if (backend) return backend;
    const why = this.unavailable.get(name);
    if (why) throw new BackendUnavailableError(`backend ${name} is not available: ${why}`);
    throw new ValidationError(
      `backend must be one of: ${this.names().join(', ') || '(none configured)'}`,
      'backend',
    );
  }

  all(): WorkerBackend[] {
    return [...this.available.values()];
  }

  problems(): [string, string][] {
    return [...this.unavailable.entries()];
  }
}

export interface LifecycleContext {
  repo: WorkerRepository;
  backends: BackendRegistry;
  settings: LifecycleSettings;
  clock: Clock;
  /** Identifies this function instance in operation leases. */
  owner: string;
  log: Logger;
  deployment(): Promise<DeploymentMeta>;
  hmacKey(): Promise<string>;
  /** Events out (webhooks); absent where nothing leaves (a function that cannot read secrets, some tests). */
  webhooks?: Webhooks;
  /**
   * Files events that report no record write (credentials issued) for the sweeper to deliver: what a function
   * that cannot read the signing secrets has instead of `webhooks`. Absent: such events are not filed (tests).
   */
  eventFiler?: EventFiler;
}

/** Memoises a promise-returning function; a rejection is not cached. */
export function once<T>(load: () => Promise<T>): () => Promise<T> {
  let cached: Promise<T> | undefined;
  return () => {
    cached ??= load().catch((error) => {
      cached = undefined;
      throw error;
    });
    return cached;
  };
}
