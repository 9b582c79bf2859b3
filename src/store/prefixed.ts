import type { DeleteOptions, ListOptions, ObjectStore, PutOptions } from './port';

/**
 * Scopes a store to a key prefix (the configured state prefix), so the rest of the code writes `workers/a.json`
 * and never has to remember where the orchestrator's state lives inside a shared bucket.
 */
export const withPrefix = (store: ObjectStore, prefix: string): ObjectStore => {
  if (prefix === '') return store;
  const normalized = prefix.endsWith('/') ? prefix : `${prefix}/`;
  const strip = (key: string) => key.slice(normalized.length);
  return {
    kind: store.kind,
    atomicConditionalDelete: store.atomicConditionalDelete,
    get: (key: string) => store.get(normalized + key),
    put: (key: string, body: string, options?: PutOptions) => store.put(normalized + key, body, options),
    delete: (key: string, options?: DeleteOptions) => store.delete(normalized + key, options),
    async list(listPrefix: string, options: ListOptions = {}) {
      const page = await store.list(normalized + listPrefix, {
        ...options,
        ...(options.startAfter === undefined ? {} : { startAfter: normalized + options.startAfter }),
      });
      return {
        keys: page.keys.map((entry) => ({ ...entry, key: strip(entry.key) })),
        ...(page.cursor === undefined ? {} : { cursor: strip(page.cursor) }),
      };
    },
  };
};
