/**
 * An issuer reached over a fetch binding. The local emulator runs its functions inside workerd, where the Node-only
 * STS SDKs cannot load; it hosts the real issuer in the Node process that runs miniflare and hands the worker a
 * service binding to it. The protocol is private to the two halves: one JSON POST per issuance.
 *
 * @module
 */

import { BackendError, BackendUnavailableError, OrchestratorError } from '../errors';
import type { CredentialIssuer, CredentialProvider, IssuedCredentials, IssueRequest } from './port';

export type IssuerFetch = (request: Request) => Promise<Response>;

export class RemoteIssuer implements CredentialIssuer {
  constructor(
    readonly provider: CredentialProvider,
    private readonly send: IssuerFetch,
  ) {}

  async issue(req: IssueRequest): Promise<IssuedCredentials> {
    const response = await this.send(
      new Request('http://issuer/issue', {
        method: 'POST',
        body: JSON.stringify(req),
        headers: { 'content-type': 'application/json' },
      }),
    ).catch(() => {
      throw new BackendUnavailableError('the credential issuer could not be reached');
    });
    const body = (await response.json().catch(() => null)) as
      | (IssuedCredentials & {
          error?: { status: number; code: string; message: string; retryAfterSeconds?: number };
        })
      | null;
    if (!body) throw new BackendError('the credential issuer answered something that is not JSON');
    if (body.error) throw rebuild(body.error);
    // The protocol answers 200 with `error` for the issuer's own failures; any other status (the emulator's
    // proxy-token refusal, 403) is a refusal in front of the issuer, never credentials.
    if (!response.ok)
      throw new BackendError(`the credential issuer refused the request (HTTP ${response.status})`);
    return body;
  }

  async health() {
    return { ok: true, message: `${this.provider} issuer in the emulator host` };
  }
}

function rebuild(error: {
  status: number;
  code: string;
  message: string;
  retryAfterSeconds?: number;
}): OrchestratorError {
  if (error.status === 503) {
    return new BackendUnavailableError(
      error.message,
      error.retryAfterSeconds ? { retryAfterSeconds: error.retryAfterSeconds } : {},
    );
  }
  return new BackendError(error.message);
}

/** The host half: answers the binding's requests with a real issuer. Errors carry only their safe message. */
export function serveIssuer(issuer: CredentialIssuer): IssuerFetch {
  return async (request) => {
    try {
      const req = (await request.json()) as IssueRequest;
      return Response.json(await issuer.issue(req));
    } catch (error) {
      const known = error instanceof OrchestratorError;
      return Response.json({
        error: {
          status: known ? error.status : 502,
          code: known ? error.code : 'backend_error',
          message: known ? error.message : 'the credential issuer failed',
          ...(known && error.retryAfterSeconds ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
        },
      });
    }
  };
}
