import type { DeleteOptions, ListOptions, ObjectStore, PutOptions } from './port';

/** A store that counts the calls made through it. */
export interface CountedStore extends ObjectStore {
  /** Calls made through this wrapper so far (gets, puts, deletes and listings alike). */
  operations(): number;
}

/**
 * Counts the operations one piece of work makes, whatever the store. The sweeper wraps its run in one so that
 * what a run costs is known on S3, OSS and R2 too (only the memory store counted before), and counts only its
 * own calls, not those of requests that share the function instance (the emulator's isolate serves both).
 */
export function countOperations(store: ObjectStore): CountedStore {
  let count = 0;
  const counted = <T>(call: () => Promise<T>): Promise<T> => {
    count++;
    return call();
  };
  return {
    kind: store.kind,
    atomicConditionalDelete: store.atomicConditionalDelete,
    get: (key: string) => counted(() => store.get(key)),
    put: (key: string, body: string, options?: PutOptions) => counted(() => store.put(key, body, options)),
    delete: (key: string, options?: DeleteOptions) => counted(() => store.delete(key, options)),
    list: (prefix: string, options?: ListOptions) => counted(() => store.list(prefix, options)),
    operations: () => count,
  };
}
