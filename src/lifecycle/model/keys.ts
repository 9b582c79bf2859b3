/**
 * Worker API keys: `<prefix>_<name>_<64 hex>`.
 *
 * 256 random bits make a slow KDF pointless, so keys are stored as plain SHA-256. The name inside the key lets auth
 * find the one record to check with a single read, and the prefix lets secret scanners and our own log redaction
 * recognise a leaked key. Only Web Crypto is used, so this runs on Lambda, FC and workerd alike.
 *
 * @module
 */

import { isWorkerName } from '../../names';

export const DEFAULT_KEY_PREFIX = 'wok';
const KEY_SHAPE = /^([a-z][a-z0-9]{1,15})_([a-z0-9-]{1,63})_([0-9a-f]{64})$/;

/** Every byte's two hex digits, built once: hashing a key runs on every authenticated request. */
const HEX_PAIRS = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
const hex = (bytes: ArrayBuffer | Uint8Array): string => {
  let out = '';
  for (const b of new Uint8Array(bytes)) out += HEX_PAIRS[b];
  return out;
};

export async function sha256Hex(value: string): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value)));
}

export function mintWorkerKey(name: string, prefix = DEFAULT_KEY_PREFIX): string {
  return `${prefix}_${name}_${hex(crypto.getRandomValues(new Uint8Array(32)))}`;
}

export interface ParsedWorkerKey {
  prefix: string;
  name: string;
}

/** Parses without I/O; `null` for anything that is not a well-formed worker key (→ 401 with no store read). */
export function parseWorkerKey(key: string, prefix = DEFAULT_KEY_PREFIX): ParsedWorkerKey | null {
  const match = KEY_SHAPE.exec(key);
  if (!match || match[1] !== prefix || !isWorkerName(match[2])) return null;
  return { prefix: match[1], name: match[2] };
}

/** Constant-time comparison of two equal-length hex digests. */
export function timingSafeEqualHex(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** HMAC-SHA256 of an env value, so a spec can be compared and fingerprinted without storing the value. */
export async function hmacHex(keyHex: string, value: string): Promise<string> {
  const raw = new Uint8Array(keyHex.match(/../g)!.map((byte) => Number.parseInt(byte, 16)));
  const key = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return hex(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(value)));
}

export const randomHex = (bytes: number): string => hex(crypto.getRandomValues(new Uint8Array(bytes)));

/**
 * Replaces anything shaped like a worker or team key in a string, for messages that might echo input. No word
 * boundaries: a key right after a word character (`%22wok_…` in a URL-encoded body, `=wok_…`) is still a key.
 */
export const redactKeys = (text: string): string =>
  text.replace(/[a-z][a-z0-9]{1,19}_[a-z0-9-]{1,63}_[0-9a-f]{64}/g, '[redacted-key]');
