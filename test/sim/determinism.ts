/**
 * Makes the real code deterministic for the length of one simulated run.
 *
 * The lifecycle mints uids, lease ids, write ids and keys through the global `crypto` (randomUUID,
 * getRandomValues), and the CAS backoff draws from `Math.random`: those globals are replaced by the run's seeded
 * PRNG. Web Crypto's digest/HMAC are answered synchronously from node:crypto: the real ones finish on the libuv
 * thread pool, an asynchronous boundary the cooperative scheduler could not order. The CAS retry pause goes
 * through the `casPause` seam onto virtual time. Everything is restored when the run ends.
 */
import { createHash, createHmac } from 'node:crypto';
import { casPause } from '../../src/store/cas';
import type { Random } from './random';

interface FakeHmacKey {
  raw: Buffer;
}

const bytesOf = (data: BufferSource): Buffer =>
  ArrayBuffer.isView(data)
    ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    : Buffer.from(data as ArrayBuffer);

const toArrayBuffer = (buffer: Buffer): ArrayBuffer =>
  buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer;

/** The subset of SubtleCrypto the lifecycle uses (SHA-256 digests and HMAC-SHA256), without the thread pool. */
const syncSubtle = {
  async digest(algorithm: string, data: BufferSource) {
    if (algorithm !== 'SHA-256') throw new Error(`simulator: unsupported digest ${algorithm}`);
    return toArrayBuffer(createHash('sha256').update(bytesOf(data)).digest());
  },
  async importKey(_format: string, raw: BufferSource): Promise<FakeHmacKey> {
    return { raw: Buffer.from(bytesOf(raw)) };
  },
  async sign(_algorithm: string, key: FakeHmacKey, data: BufferSource) {
    return toArrayBuffer(createHmac('sha256', key.raw).update(bytesOf(data)).digest());
  },
};

export interface Determinism {
  restore(): void;
}

export function installDeterminism(random: Random, pause: (ms: number) => Promise<void>): Determinism {
  const cryptoDescriptor = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
  const mathRandom = Math.random;
  const casWait = casPause.wait;
  const seeded = {
    randomUUID: () => random.uuid(),
    getRandomValues: <T extends ArrayBufferView | null>(array: T): T => {
      if (array) random.fill(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
      return array;
    },
    subtle: syncSubtle,
  };
  Object.defineProperty(globalThis, 'crypto', { value: seeded, configurable: true, writable: true });
  Math.random = () => random.next();
  casPause.wait = pause;
  return {
    restore() {
      if (cryptoDescriptor) Object.defineProperty(globalThis, 'crypto', cryptoDescriptor);
      Math.random = mathRandom;
      casPause.wait = casWait;
    },
  };
}
