import type { DeleteOptions, ListOptions, ObjectStore, PutOptions } from '../../src/store/port';

/**
 * Wraps a real store and, when armed, loses the response of the next `put`: the write reaches the store and is
 * applied, then the caller sees a plain network error, as when a socket dies after the server committed.
 * `casUpdate` must recognise its own `write_id` on re-read instead of applying the mutation a second time.
 */
export class LossyStore implements ObjectStore {
  readonly kind: string;
  /** Puts that reached the inner store (including the one whose response was lost). */
  putsDelivered = 0;
  private loseNext = false;

  constructor(private readonly inner: ObjectStore) {
    this.kind = inner.kind;
  }

  get atomicConditionalDelete(): boolean {
    return this.inner.atomicConditionalDelete;
  }

  /** The next put is applied by the inner store, then its response is replaced by a network error. */
  loseNextPutResponse(): void {
    this.loseNext = true;
  }

  get(key: string) {
    return this.inner.get(key);
  }

  async put(key: string, body: string, options?: PutOptions) {
    const result = await this.inner.put(key, body, options);
    this.putsDelivered++;
    if (this.loseNext) {
      this.loseNext = false;
      // A plain Error, not an OrchestratorError: this is what an SDK surfaces for a reset connection.
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    }
    return result;
  }

  delete(key: string, options?: DeleteOptions) {
    return this.inner.delete(key, options);
  }

  list(prefix: string, options?: ListOptions) {
    return this.inner.list(prefix, options);
  }
}
