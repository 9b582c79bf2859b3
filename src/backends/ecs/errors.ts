/**
 * ECS (AWS JSON 1.1) error names → the orchestrator's error classes. The SDK has already retried throttling
 * (its standard retry strategy, `maxAttempts`); what reaches here is final for this request.
 *
 * @module
 */

import { BackendError, BackendRejectedError, BackendUnavailableError, OrchestratorError } from '../../errors';
import { NOT_CONNECTED } from '../port';

const THROTTLED = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ServerException',
]);
const CREDENTIALS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'AccessDeniedException',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'MissingAuthenticationTokenException',
]);
const REJECTED = new Set(['ClientException', 'InvalidParameterException', 'PlatformUnknownException']);

export const errorName = (e: unknown): string | undefined =>
  e && typeof e === 'object' && 'name' in e && typeof e.name === 'string' ? e.name : undefined;

export const isServiceGone = (e: unknown): boolean =>
  errorName(e) === 'ServiceNotFoundException' || errorName(e) === 'ServiceNotActiveException';

/** Remove every env value from a vendor message before it can reach a caller (values are secrets). */
function redact(message: string, secrets: Record<string, string> | undefined): string {
  let out = message;
  for (const value of Object.values(secrets ?? {}))
    if (value.length >= 4) out = out.split(value).join('[redacted]');
  return out.slice(0, 300);
}

/** Translate anything an ECS call threw; domain errors pass through untouched. */
export function translateEcsError(
  error: unknown,
  action: string,
  resourceName: string,
  env?: Record<string, string>,
): Error {
  if (error instanceof OrchestratorError) return error;
  const name = errorName(error) ?? 'Error';
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const cause = { cause: { name, status } };
  // Refused before acting (throttled, bad credentials, no such cluster): ECS did nothing. A 5xx may follow work.
  const refused = { ...cause, nothingSent: true };
  if (THROTTLED.has(name)) {
    return new BackendUnavailableError(`ECS is throttling ${action} (${name}); retry later`, refused);
  }
  if ((status ?? 0) >= 500) {
    return new BackendUnavailableError(`ECS is failing ${action} (${name}); retry later`, cause);
  }
  if (CREDENTIALS.has(name)) {
    return new BackendUnavailableError(
      `ECS refused the configured credentials or permissions (${name})`,
      refused,
    );
  }
  if (name === 'ClusterNotFoundException') {
    return new BackendUnavailableError(
      'the configured ECS cluster does not exist (ClusterNotFoundException)',
      refused,
    );
  }
  if (status === undefined) {
    // No HTTP answer: only a connection that was never made proves the request did not reach ECS.
    const code = (error as { code?: unknown }).code;
    const notConnected = typeof code === 'string' && NOT_CONNECTED.has(code);
    return new BackendUnavailableError(`ECS could not be reached for ${action}; retry later`, {
      ...cause,
      nothingSent: notConnected,
    });
  }
  const message = redact(String((error as Error).message ?? ''), env);
  if (REJECTED.has(name)) {
    return new BackendRejectedError(
      `ECS rejected ${action} for ${resourceName}: ${name}: ${message}`,
      undefined,
      'backend_rejected',
      cause,
    );
  }
  return new BackendError(`ECS ${action} for ${resourceName} failed: ${name}`, cause);
}
