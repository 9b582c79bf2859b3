/**
 * HiClaw words a 404 by the operation that failed (`get worker: not found`) and nothing else. Wording every v1 404
 * this way also makes "not yours" and "not there" one answer: no name, no detail that differs between them.
 *
 * @module
 */

import { NotFoundError } from '../../errors';

export async function asV1NotFound<T>(op: string, run: () => Promise<T> | T): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof NotFoundError) throw new NotFoundError(`${op}: not found`);
    throw error;
  }
}
