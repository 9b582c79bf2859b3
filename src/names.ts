import { ValidationError } from './errors';

/**
 * Worker names are DNS-label-like (they become container, app and task names): 1–63 characters of `[a-z0-9-]`, starting with a letter.
 * Nothing from a request reaches a store key, a path, a policy or a backend name without passing this check.
 */
export const WORKER_NAME_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;

export const isWorkerName = (value: unknown): value is string =>
  typeof value === 'string' && WORKER_NAME_PATTERN.test(value);

export function assertWorkerName(value: unknown, field = 'name'): string {
  if (!isWorkerName(value)) {
    throw new ValidationError(
      `${field} must be 1-63 lowercase letters, digits or '-', starting with a letter`,
      field,
    );
  }
  return value;
}

/** Team names follow the same rule, so they can be store keys too. */
export const assertTeamName = (value: unknown, field = 'team'): string => assertWorkerName(value, field);
