/**
 * A thin SAE (2019-05-06) transport over the generic `@alicloud/openapi-client` (the generated
 * `@alicloud/sae20190506` SDK is not published): ROA params per action, throttling retries, and vendor errors
 * reduced to a sanitized `SaeApiError` (code, HTTP status, request id, offending parameter). Nothing here ever
 * puts a credential, a request header or an env value into an error.
 *
 * @module
 */

import OpenApiModule, * as $OpenApi from '@alicloud/openapi-client';
import { BackendUnavailableError } from '../../errors';
import { NOT_CONNECTED } from '../port';

// CJS with `exports.default`: in native ESM (tsx, vitest) the default import is the exports object, with a
// bundler or CJS output it is the class itself (the SDK is compiled CommonJS with a `default` export).
const OpenApiClient = ((OpenApiModule as unknown as { default?: typeof OpenApiModule }).default ??
  OpenApiModule) as typeof OpenApiModule;
type Runtime = Parameters<InstanceType<typeof OpenApiClient>['callApi']>[2];

export interface SaeCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export interface SaeClientOptions {
  regionId: string;
  /** Host (optionally `host:port`). Default `sae.<regionId>.aliyuncs.com`. */
  endpoint?: string;
  /** Default `https`; `http` only for a local fake. */
  protocol?: 'https' | 'http';
  credentials: SaeCredentials | (() => Promise<SaeCredentials>);
  /** Attempts per call while SAE answers `Throttling*` or 503 (default 4), then `BackendUnavailableError`. */
  maxAttempts?: number;
  /** First backoff between throttled attempts (default 500 ms, doubling, capped at 4 s). */
  retryBaseMs?: number;
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
}

export type SaeMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
type Flat = Record<string, string | number | boolean | object | undefined>;

export interface SaeRequest {
  action: string;
  method: SaeMethod;
  pathname: string;
  query?: Flat;
  /** Sent as `application/x-www-form-urlencoded` (CreateApplication, DeployApplication, TagResources). */
  form?: Flat;
}

/** The sanitized shape of a failed SAE call: never the raw SDK error, which carries the signed request. */
export class SaeApiError extends Error {
  override readonly name = 'SaeApiError';
  constructor(
    readonly action: string,
    readonly code: string,
    readonly statusCode: number | undefined,
    readonly requestId: string | undefined,
    /** The `{Param}` named by `InvalidParameter.*` messages ("The parameter is invalid {%s}: %s"). */
    readonly parameter: string | undefined,
  ) {
    super(
      `SAE ${action} failed: ${code}${statusCode ? ` (HTTP ${statusCode})` : ''}` +
        `${parameter ? ` on parameter ${parameter}` : ''}${requestId ? `, request ${requestId}` : ''}`,
    );
  }
}

export const isThrottling = (e: SaeApiError): boolean =>
  e.code.startsWith('Throttling') || e.code === 'ServiceUnavailable' || e.statusCode === 503;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Query and form values are flat strings on the wire; objects (Envs, Tags, ResourceIds...) go as JSON text.
const flatten = (values: Flat | undefined): Record<string, string> | undefined =>
  values &&
  Object.fromEntries(
    Object.entries(values)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]),
  );

export class SaeClient {
  private readonly client: InstanceType<typeof OpenApiClient>;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;

  constructor(options: SaeClientOptions) {
    const creds = options.credentials;
    this.client = new OpenApiClient(
      new $OpenApi.Config({
        ...(typeof creds === 'function'
          ? // Rotating credentials (FC/Lambda hand a function temporary ones): read on every signature.
            { credential: { getCredential: async () => credentialModel(await creds()) } }
          : creds),
        endpoint: options.endpoint ?? `sae.${options.regionId}.aliyuncs.com`,
        protocol: options.protocol ?? 'https',
        regionId: options.regionId,
        connectTimeout: options.connectTimeoutMs ?? 5_000,
        readTimeout: options.readTimeoutMs ?? 15_000,
      }),
    );
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    this.retryBaseMs = options.retryBaseMs ?? 500;
  }

  /** Calls one action and returns the envelope's `Data` (and the whole body for paged listings). */
  async call<T = Record<string, unknown>>(
    req: SaeRequest,
    signal?: AbortSignal,
  ): Promise<{ data: T; body: Record<string, unknown> }> {
    for (let attempt = 1; ; attempt++) {
      // The SDK takes no signal, so an abandoned round is honoured between requests: nothing new is sent.
      if (signal?.aborted) throw notSentAborted(req.action, signal);
      try {
        return await this.once<T>(req);
      } catch (error) {
        if (!(error instanceof SaeApiError) || !isThrottling(error)) throw error;
        if (attempt >= this.maxAttempts) {
          // Every attempt was refused as throttled: SAE did nothing.
          throw new BackendUnavailableError(`SAE is throttling ${req.action} (${error.code}); retry later`, {
            cause: error,
            nothingSent: true,
          });
        }
        await sleep(Math.min(this.retryBaseMs * 2 ** (attempt - 1), 4_000));
      }
    }
  }

  private async once<T>(req: SaeRequest): Promise<{ data: T; body: Record<string, unknown> }> {
    const params = new $OpenApi.Params({
      action: req.action,
      version: '2019-05-06',
      protocol: 'HTTPS',
      pathname: req.pathname,
      method: req.method,
      authType: 'AK',
      style: 'ROA',
      reqBodyType: req.form ? 'formData' : 'json',
      bodyType: 'json',
    });
    const request = new $OpenApi.OpenApiRequest({ query: flatten(req.query), body: flatten(req.form) });
    let body: Record<string, unknown>;
    try {
      // Retries are ours (throttling only); the SDK's own retry is off by default.
      const res = await this.client.callApi(params, request, {} as Runtime);
      body = (res.body ?? {}) as Record<string, unknown>;
    } catch (error) {
      throw sanitize(req.action, error);
    }
    // A 200 can still carry a failure (the Terraform provider checks this too).
    if (body.Success === false) {
      throw new SaeApiError(
        req.action,
        String(body.Code ?? body.ErrorCode ?? 'Unknown'),
        200,
        str(body.RequestId),
        parameterOf(body.Message),
      );
    }
    return { data: body.Data as T, body };
  }
}

function credentialModel(c: SaeCredentials) {
  return c.securityToken
    ? {
        accessKeyId: c.accessKeyId,
        accessKeySecret: c.accessKeySecret,
        securityToken: c.securityToken,
        type: 'sts',
      }
    : { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, type: 'access_key' };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** A round abandoned at its deadline: the request was not sent. */
export const notSentAborted = (action: string, signal: AbortSignal) =>
  new BackendUnavailableError(`SAE ${action} was not sent: the operation was abandoned`, {
    cause: signal.reason,
    nothingSent: true,
  });

/** `The parameter is invalid {ImageUrl}: ...` → `ImageUrl`: SAE's documented InvalidParameter message format. */
const parameterOf = (message: unknown): string | undefined =>
  typeof message === 'string' ? /\{([A-Za-z][A-Za-z0-9]*)\}/.exec(message)?.[1] : undefined;

/**
 * Reduce whatever the SDK threw to code/status/request id. HTTP failures carry `.code`, `.statusCode` and `.data`
 * (the parsed body); transport failures (refused, timed out) have no status and become `BackendUnavailableError`.
 */
function sanitize(action: string, error: unknown): Error {
  const e = error as { code?: unknown; statusCode?: unknown; data?: Record<string, unknown> } | undefined;
  const status =
    typeof e?.data?.statusCode === 'number' ? e.data.statusCode : Number(e?.statusCode) || undefined;
  if (status === undefined) {
    const code = typeof e?.code === 'string' ? e.code : 'network error';
    // Refused or unresolvable: the request never reached SAE. A timeout or a reset may follow one that did.
    return new BackendUnavailableError(`SAE ${action} could not be reached (${code}); retry later`, {
      nothingSent: NOT_CONNECTED.has(code),
    });
  }
  return new SaeApiError(
    action,
    String(e?.code ?? e?.data?.Code ?? 'Unknown'),
    status,
    str(e?.data?.RequestId),
    parameterOf(e?.data?.Message),
  );
}
