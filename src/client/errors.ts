/**
 * One error for every answer that is not a success, so a script can branch on `status` and `code` (the API's
 * `{ message, code }`) instead of on message text.
 *
 * @module
 */

export class OrchestratorApiError extends Error {
  override readonly name = 'OrchestratorApiError';
  /** The machine-readable code, e.g. `not_found`, `conflict`, `deleting`, `unauthorized`. */
  readonly code: string;
  /** The field a 400 names, when it names one. */
  readonly field: string | undefined;
  /** Seconds the server asked to wait (`Retry-After`), when it did. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly status: number,
    body: unknown,
    retryAfter?: string | null,
  ) {
    const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    super(typeof fields.message === 'string' ? fields.message : `the orchestrator answered ${status}`);
    this.code = typeof fields.code === 'string' ? fields.code : `http_${status}`;
    this.field = typeof fields.field === 'string' ? fields.field : undefined;
    const seconds = retryAfter ? Number(retryAfter) : Number.NaN;
    this.retryAfterSeconds = Number.isFinite(seconds) ? seconds : undefined;
  }
}

/** What every openapi-fetch call resolves to. */
interface FetchResult<Data> {
  data?: Data;
  error?: unknown;
  response: Response;
}

/**
 * The body of a successful answer, or an `OrchestratorApiError` thrown for any other.
 *
 * @example
 * const worker = unwrap(await client.GET('/workers/{name}', { params: { path: { name: 'alice' } } }));
 */
export function unwrap<Data>(result: FetchResult<Data>): Data {
  const { response } = result;
  if (!response.ok)
    throw new OrchestratorApiError(response.status, result.error, response.headers.get('retry-after'));
  // A 204 has no body: the caller gets undefined, which is what the generated types say for it.
  return result.data as Data;
}
