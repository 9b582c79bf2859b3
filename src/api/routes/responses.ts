/**
 * The error answers every per-worker route can give, declared once for the OpenAPI document.
 *
 * @module
 */

import { errorResponse, notFoundWorkerResponse } from '../schemas';

export const errors = {
  400: { description: 'Bad input', schema: errorResponse },
  401: { description: 'Missing or unknown key', schema: errorResponse },
  403: { description: 'Known key, wrong route', schema: errorResponse },
  404: { description: 'Unknown worker', schema: notFoundWorkerResponse },
};
