/**
 * The backend's reference to a resource, as the record keeps it.
 *
 * @module
 */

import type { BackendRef } from '../../../backends/port';
import type { BackendRefRecord } from '../../model';

export const refRecord = (ref: BackendRef, consoleHostPort?: number): BackendRefRecord => ({
  resource_name: ref.resourceName,
  ...(ref.id ? { id: ref.id } : {}),
  ...(consoleHostPort ? { console_host_port: consoleHostPort } : {}),
});
