/**
 * Makes sure a worker image is on the engine: use the local one, else pull it within a bound.
 *
 * A pull that fails (unknown image, registry unreachable or refusing) is a `BackendRejectedError` on the `image`
 * field: retrying the same spec will not help. A pull that only runs out of time is `BackendUnavailableError`, so
 * the driver retries later instead of failing a worker whose image is merely large or whose registry is slow.
 *
 * @module
 */
import { BackendRejectedError, BackendUnavailableError } from '../../errors';
import { type DockerApi, type DockerReply, engineError, engineMessage, textOf } from './api';
import { pullParams } from './policy';

export const DEFAULT_PULL_TIMEOUT_MS = 60_000;

export const ensureImage = async (api: DockerApi, image: string, timeoutMs = DEFAULT_PULL_TIMEOUT_MS) => {
  // The reference was checked against IMAGE_PATTERN (docker-policy), so it is safe in a path as it stands.
  const found = await api.request(`/images/${image}/json`);
  if (found.status === 200) return;
  if (found.status !== 404) throw engineError(found, `inspecting image ${image}`, 'image');

  let reply: DockerReply;
  try {
    reply = await api.request('/images/create', { method: 'POST', query: pullParams(image), timeoutMs });
  } catch (error) {
    const cause = (error as { cause?: { name?: string } }).cause;
    if (cause?.name === 'TimeoutError' || cause?.name === 'AbortError') {
      throw new BackendUnavailableError(
        `pulling image ${image} did not finish within ${timeoutMs / 1000}s: the registry may be slow or unreachable`,
        { cause: error },
      );
    }
    throw error;
  }
  // The engine answers 200 and then streams progress; a failure mid-stream is an `error` line.
  const failure = reply.status === 200 ? pullStreamError(textOf(reply)) : engineMessage(reply);
  if (failure !== undefined) {
    throw new BackendRejectedError(
      `image ${image} is not available locally and could not be pulled: ${failure}`,
      'image',
      'image_not_found',
    );
  }
};

const pullStreamError = (stream: string): string | undefined => {
  for (const line of stream.split('\n')) {
    if (!line.trim()) continue;
    try {
      const event = JSON.parse(line) as { error?: string; errorDetail?: { message?: string } };
      if (event.error || event.errorDetail) {
        return (event.errorDetail?.message ?? event.error ?? 'pull failed').slice(0, 500);
      }
    } catch {
      // a progress line we cannot parse says nothing about failure
    }
  }
  return undefined;
};
