import { ValidationError } from '../errors';

/**
 * Worker names are DNS labels: 1–63 characters of `[a-z0-9-]`, starting with a letter and not ending with `-`.
 * Nothing from a request reaches a store key, a path or a backend name without passing this check.
 */
const DNS_LABEL = /^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export const isWorkerName = (value: unknown): value is string =>
  typeof value === 'string' && DNS_LABEL.test(value);

export function assertWorkerName(value: unknown, field = 'name'): string {
  if (!isWorkerName(value)) {
    throw new ValidationError(
      `${field} must be a DNS label: 1-63 lowercase letters, digits or '-', starting with a letter`,
      field,
    );
  }
  return value;
}

/** Team names follow the same rule, so they can be store keys too. */
export const assertTeamName = (value: unknown, field = 'team'): string => assertWorkerName(value, field);
