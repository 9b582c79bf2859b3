/**
 * Paging cursors, opaque and scoped to the caller: the position (a worker name, an offset, an event key) is
 * encrypted with AES-GCM under a key derived from the deployment's HMAC key, and the caller's scope (manager, or
 * which team) is the additional authenticated data. So a team key's cursor tells it nothing about other tenants'
 * names, and a cursor made for one caller (or one worker's history) is refused for another, with the same 400 as
 * any cursor this API never returned.
 *
 * @module
 */

import { ValidationError } from '../errors';
import type { LifecycleContext } from './context';
import type { Actor } from './model';

/** Domain separation: the HMAC key also fingerprints env values; this derives a different key from it. */
const CURSOR_KEY_LABEL = 'orchestrator cursor key v1';
const IV_BYTES = 12;

const keys = new Map<string, Promise<CryptoKey>>();

async function cursorKey(hmacKeyHex: string): Promise<CryptoKey> {
  let key = keys.get(hmacKeyHex);
  if (!key) {
    key = (async () => {
      const raw = new Uint8Array(hmacKeyHex.match(/../g)!.map((byte) => Number.parseInt(byte, 16)));
      const hmac = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, [
        'sign',
      ]);
      const derived = await crypto.subtle.sign('HMAC', hmac, new TextEncoder().encode(CURSOR_KEY_LABEL));
      return crypto.subtle.importKey('raw', derived, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
    })();
    keys.set(hmacKeyHex, key);
  }
  return key;
}

const toBase64Url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]{1,4096}$/.test(text)) throw new Error('not base64url');
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** Who a cursor belongs to: the manager, or one team. */
export const cursorScope = (actor: Actor | { kind: 'team'; team: string } | undefined): string =>
  actor?.kind === 'team' ? `team:${actor.team}` : 'manager';

export async function sealCursor(ctx: LifecycleContext, scope: string, position: unknown): Promise<string> {
  const key = await cursorKey(await ctx.hmacKey());
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(scope) },
    key,
    new TextEncoder().encode(JSON.stringify(position)),
  );
  const out = new Uint8Array(IV_BYTES + sealed.byteLength);
  out.set(iv);
  out.set(new Uint8Array(sealed), IV_BYTES);
  return toBase64Url(out);
}

/** The position sealed in `cursor`, or a 400 naming `cursor` when it is not one this API returned to this caller. */
export async function openCursor(ctx: LifecycleContext, scope: string, cursor: string): Promise<unknown> {
  try {
    const bytes = fromBase64Url(cursor);
    const key = await cursorKey(await ctx.hmacKey());
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: bytes.slice(0, IV_BYTES), additionalData: new TextEncoder().encode(scope) },
      key,
      bytes.slice(IV_BYTES),
    );
    return JSON.parse(new TextDecoder().decode(plain));
  } catch {
    throw new ValidationError('cursor is not one this API returned', 'cursor');
  }
}
