/** Assertions that an error carries no secret anywhere a log line could show it. */
import { inspect } from 'node:util';
import { expect } from 'vitest';
import type { OrchestratorError } from '../../src/errors';

/** The rejection of `promise` (fails the test if it resolves). */
export const caught = async (promise: Promise<unknown>): Promise<OrchestratorError> => {
  try {
    await promise;
  } catch (error) {
    return error as OrchestratorError;
  }
  throw new Error('expected a rejection');
};

/**
 * Everything a log line could show: JSON body, inspected form (hidden fields too: the AWS SDK keeps the raw body
 * in a hidden `$responseBodyText`), and each cause's message and stack.
 */
export const surfacesOf = (error: OrchestratorError): string[] => {
  const surfaces = [JSON.stringify(error.toJSON()), inspect(error, { depth: 10, showHidden: true })];
  for (let e: unknown = error; e instanceof Error; e = e.cause) surfaces.push(e.message, String(e.stack));
  return surfaces;
};

export const expectNoSecrets = (error: OrchestratorError, secrets: (string | undefined)[]) => {
  const surfaces = surfacesOf(error);
  for (const secret of secrets.filter((s): s is string => Boolean(s))) {
    for (const surface of surfaces) expect(surface).not.toContain(secret);
  }
};
