/**
 * The STS role session name of a worker (it names the worker in the cloud's audit log): `w-<name[:40]>-<uid[:8]>`.
 *
 * It shows up in ActionTrail / CloudTrail as the assumed-role identity, so it names the worker and its
 * incarnation. Both STS services accept 2–64 characters of `[A-Za-z0-9.@_-]` (AWS also allows `+=,`); a DNS-label
 * name cut at 40 plus 8 uid characters is at most 51.
 *
 * @example
 * sessionNameFor('alice', '3f2a9c1e-…') // 'w-alice-3f2a9c1e'
 *
 * @module
 */

import { ValidationError } from '../errors';
import { assertWorkerName } from './policy';

export const SESSION_NAME = /^[A-Za-z0-9.@_-]{2,64}$/;

export const sessionNameFor = (name: string, uid: string): string => {
  assertWorkerName(name);
  // Dashes are dropped like in `resourceNameFor`, so a UUID contributes 8 hex digits, not 7 and a dash.
  const uidPart = uid.replace(/-/g, '').slice(0, 8);
  if (!/^[A-Za-z0-9]+$/.test(uidPart)) {
    throw new ValidationError('uid must start with letters or digits', 'uid');
  }
  return `w-${name.slice(0, 40)}-${uidPart}`;
};
