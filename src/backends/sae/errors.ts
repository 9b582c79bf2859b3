/**
 * SAE error codes → the orchestrator's error classes. Codes are SAE's documented ones (SAE's API reference and the
 * SAE error center); the offending parameter comes from the `{Param}` of `InvalidParameter.*` messages.
 *
 * @module
 */

import { BackendError, BackendRejectedError, BackendUnavailableError, OrchestratorError } from '../../errors';
import { SaeApiError } from './client';

// InvalidResourceId.NotFound: the tag service does not see a just-created application yet.
const NOT_FOUND = new Set([
  'InvalidAppId.NotFound',
  'InvalidApplication.NotFound',
  'InvalidResourceId.NotFound',
]);
/** Another change order is in flight, or the app is between states: retry later. */
const BUSY = new Set(['Application.ChangerOrderRunning', 'Application.InvalidStatus', 'System.Upgrading']);

export const isNotFound = (e: unknown): boolean => e instanceof SaeApiError && NOT_FOUND.has(e.code);
export const isBusy = (e: unknown): boolean => e instanceof SaeApiError && BUSY.has(e.code);

/** SAE's parameter names → the worker fields a manager sent. */
const FIELD: Record<string, string> = {
  ImageUrl: 'image',
  Cpu: 'resources',
  Memory: 'resources',
  Envs: 'env',
  CustomHostAlias: 'extra_hosts',
};

const isAuth = (code: string) =>
  /^(InvalidAccessKeyId|SignatureDoesNotMatch|IncompleteSignature|InvalidSecurityToken|Forbidden|NoPermission)/.test(
    code,
  ) || code === 'Resouce.no.permission';

/** Translate anything an SAE call threw; domain errors pass through untouched. */
export function translateSaeError(error: unknown, resourceName: string, image?: string): Error {
  if (error instanceof OrchestratorError) return error;
  if (!(error instanceof SaeApiError)) return new BackendError(`SAE call for ${resourceName} failed`);
  const retryLater = { cause: error };
  if (error.parameter === 'ImageUrl') {
    return new BackendRejectedError(
      `SAE cannot use image ${image ?? '(unknown)'} for ${resourceName}: ${error.code}`,
      'image',
      'image_not_found',
      retryLater,
    );
  }
  if (
    error.code.startsWith('InvalidParameter') ||
    error.code === 'InvalidInstanceSpecification.Unsupported'
  ) {
    const field = error.parameter
      ? FIELD[error.parameter]
      : error.code.startsWith('InvalidInstance')
        ? 'resources'
        : undefined;
    return new BackendRejectedError(
      `SAE rejected the spec of ${resourceName}: ${error.message}`,
      field,
      'backend_rejected',
      retryLater,
    );
  }
  if (error.code === 'InvalidHostnameIp.Invalid') {
    return new BackendRejectedError(
      `SAE rejected the extra hosts of ${resourceName}`,
      'extra_hosts',
      'backend_rejected',
      retryLater,
    );
  }
  if (isBusy(error)) {
    return new BackendUnavailableError(
      `SAE application ${resourceName} is busy (${error.code}); retry later`,
      retryLater,
    );
  }
  if (isAuth(error.code)) {
    return new BackendUnavailableError(
      `SAE refused the configured credentials or permissions (${error.code})`,
      retryLater,
    );
  }
  if ((error.statusCode ?? 0) >= 500) return new BackendUnavailableError(error.message, retryLater);
  return new BackendError(error.message, retryLater);
}
