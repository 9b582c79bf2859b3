/**
 * `If-Match` on HiClaw's `/api/v1` routes, where one request may make several writes (a PUT: a state, then the
 * fields, then a wake) or none. The first write is conditional on the caller's ETag and each later one on the
 * version the one before it produced, so nothing another client writes in between is overridden; a request that
 * writes nothing compares the ETag with a read (there is no write to race).
 *
 * @module
 */

import { VersionMismatchError } from '../../errors';
import type { Actor, WorkerService, WorkerView } from '../../lifecycle';
import { asV1NotFound } from './not-found';

export class VersionChain {
  private version: string | undefined;

  constructor(private ifMatch: readonly string[] | undefined) {}

  /** The condition for the next write. */
  get options(): { ifMatch?: readonly string[] } {
    return this.ifMatch ? { ifMatch: this.ifMatch } : {};
  }

  /** Takes a write's result: its version conditions the next write and is the answer's ETag. */
  wrote(result: { worker: WorkerView; version?: string }): WorkerView {
    if (result.version !== undefined) {
      this.version = result.version;
      if (this.ifMatch) this.ifMatch = [result.version];
    }
    return result.worker;
  }

  /** The version to answer with; when nothing was written, `If-Match` is compared here (412 when stale). */
  async settle(service: WorkerService, name: string, actor: Actor, op: string): Promise<string> {
    if (this.version !== undefined) return this.version;
    const { version } = await asV1NotFound(op, () => service.getVersioned(name, actor));
    if (this.ifMatch && !this.ifMatch.includes(version)) {
      throw new VersionMismatchError(`worker ${name} changed since the version given in If-Match`, {
        details: { name },
      });
    }
    return version;
  }
}
