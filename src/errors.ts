/**
 * The one typed error hierarchy of the orchestrator.
 *
 * Every layer throws these (adapters translate vendor failures into them), and `src/api/error-handler.ts` maps
 * them to HTTP in exactly one place. Messages are written for the caller: they name the field or the state that
 * is wrong and never contain a key, a secret or an env value.
 *
 * @module
 */

export interface ErrorOptions {
  cause?: unknown;
  /** Seconds the caller should wait before retrying; becomes a `Retry-After` header. */
  retryAfterSeconds?: number;
  /** Extra JSON fields for the response body (never secrets). */
  details?: Record<string, unknown>;
}

export class OrchestratorError extends Error {
  override readonly name: string = 'OrchestratorError';
  readonly status: number = 500;
  readonly code: string = 'internal';
  readonly retryAfterSeconds: number | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.details = options.details;
  }

  toJSON(): Record<string, unknown> {
    return { ...this.details, message: this.message, code: this.code };
  }
}

/** Bad input: always names the offending field. */
export class ValidationError extends OrchestratorError {
  override readonly name = 'ValidationError';
  override readonly status = 400;
  override readonly code: string;
  readonly field: string | undefined;
  constructor(message: string, field?: string, options: ErrorOptions & { code?: string } = {}) {
    super(message, { ...options, details: { ...options.details, ...(field ? { field } : {}) } });
    this.field = field;
    this.code = options.code ?? 'invalid_request';
  }
}

export class PayloadTooLargeError extends OrchestratorError {
  override readonly name = 'PayloadTooLargeError';
  override readonly status = 413;
  override readonly code = 'payload_too_large';
}

/** A request body in a format the API does not read (only JSON is). */
export class UnsupportedMediaTypeError extends OrchestratorError {
  override readonly name = 'UnsupportedMediaTypeError';
  override readonly status = 415;
  override readonly code = 'unsupported_media_type';
}

export class UnauthorizedError extends OrchestratorError {
  override readonly name = 'UnauthorizedError';
  override readonly status = 401;
  override readonly code: string;
  constructor(message = 'missing or unknown API key', code = 'unauthorized') {
    super(message);
    this.code = code;
  }
}

export class ForbiddenError extends OrchestratorError {
  override readonly name = 'ForbiddenError';
  override readonly status = 403;
  override readonly code = 'forbidden';
}

export class NotFoundError extends OrchestratorError {
  override readonly name = 'NotFoundError';
  override readonly status = 404;
  override readonly code = 'not_found';
}

/** The request is valid but the worker's state does not allow it (phase, protection, a different spec...). */
export class ConflictError extends OrchestratorError {
  override readonly name = 'ConflictError';
  override readonly status = 409;
  override readonly code: string;
  constructor(message: string, code = 'conflict', options: ErrorOptions = {}) {
    super(message, options);
    this.code = code;
  }
}

/**
 * `If-Match` named a version of the worker that is no longer the stored one (or the worker is gone): the caller
 * acted on a stale read. Checked inside the conditional write that would have acted, never before it.
 */
export class VersionMismatchError extends OrchestratorError {
  override readonly name = 'VersionMismatchError';
  override readonly status = 412;
  override readonly code = 'precondition_failed';
}

/** An `Idempotency-Key` re-used with another request (another body, method or path): never replayed. */
export class IdempotencyKeyReusedError extends OrchestratorError {
  override readonly name = 'IdempotencyKeyReusedError';
  override readonly status = 422;
  override readonly code = 'idempotency_key_reused';
}

export class NotImplementedError extends OrchestratorError {
  override readonly name = 'NotImplementedError';
  override readonly status = 501;
  override readonly code = 'not_implemented';
}

/**
 * A conditional write lost: the object changed (or exists, for create-only) since it was read.
 * Internal to the store layer and its callers; reaching HTTP means retries were exhausted (503).
 */
export class PreconditionFailedError extends OrchestratorError {
  override readonly name = 'PreconditionFailedError';
  override readonly status = 503;
  override readonly code = 'contention';
  constructor(key: string, options: ErrorOptions = {}) {
    super(`conditional write on ${key} lost to a concurrent writer`, { retryAfterSeconds: 1, ...options });
  }
}

/** The state store is throttling or unreachable. Retryable. */
export class StoreUnavailableError extends OrchestratorError {
  override readonly name = 'StoreUnavailableError';
  override readonly status = 503;
  override readonly code = 'store_unavailable';
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { retryAfterSeconds: 2, ...options });
  }
}

/**
 * The compute backend is not configured, unreachable or throttling. Retryable.
 *
 * By itself it does NOT say the backend did nothing: a timeout or a reset connection may follow a request the
 * backend carried out. An adapter sets `nothingSent` only where it knows the request never reached the backend
 * (connection refused, checks before the call, a throttle answered before acting); only then may a caller treat
 * the call as never made (a create rolls back only on such failures).
 */
export class BackendUnavailableError extends OrchestratorError {
  override readonly name = 'BackendUnavailableError';
  override readonly status = 503;
  override readonly code = 'backend_unavailable';
  readonly nothingSent: boolean;
  constructor(message: string, options: ErrorOptions & { nothingSent?: boolean } = {}) {
    const { nothingSent, ...rest } = options;
    super(message, { retryAfterSeconds: 5, ...rest });
    this.nothingSent = nothingSent ?? false;
  }
}

/**
 * The backend refused the worker's spec for a reason retrying will not fix (a missing image, a name it rejects).
 * Reported as 400 naming the field when the spec came from this request.
 */
export class BackendRejectedError extends OrchestratorError {
  override readonly name = 'BackendRejectedError';
  override readonly status = 400;
  override readonly code: string;
  readonly field: string | undefined;
  constructor(message: string, field?: string, code = 'backend_rejected', options: ErrorOptions = {}) {
    super(message, { ...options, details: { ...options.details, ...(field ? { field } : {}) } });
    this.field = field;
    this.code = code;
  }
}

/** Any other backend failure: retryable by the driver, 502 if it reaches a caller. */
export class BackendError extends OrchestratorError {
  override readonly name = 'BackendError';
  override readonly status = 502;
  override readonly code = 'backend_error';
}

/**
 * A stored document this release cannot read: written by a newer release (its `schema_version` is past what this
 * code knows, as after a rollback), or not written by the orchestrator at all. Never retried: reading on would
 * misread it, and writing it back would destroy what the newer release stored.
 */
export class SchemaVersionError extends OrchestratorError {
  override readonly name = 'SchemaVersionError';
  override readonly code = 'schema_version_unsupported';
}

/** Configuration that cannot work; thrown at start, naming the setting. */
export class ConfigError extends OrchestratorError {
  override readonly name = 'ConfigError';
  override readonly code = 'config';
}

/**
 * True only when a failed backend call provably changed nothing: the backend refused the spec, or the request
 * never left (see `BackendUnavailableError.nothingSent`). Anything else may have been carried out.
 */
export const provablyNotApplied = (error: unknown): boolean =>
  error instanceof BackendRejectedError || (error instanceof BackendUnavailableError && error.nothingSent);

export const isRetryable = (error: unknown): boolean =>
  error instanceof StoreUnavailableError ||
  error instanceof BackendUnavailableError ||
  error instanceof BackendError ||
  error instanceof PreconditionFailedError ||
  !(error instanceof OrchestratorError);
