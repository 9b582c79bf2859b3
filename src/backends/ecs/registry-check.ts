/**
 * Does an image exist? Asked of its registry over the OCI distribution API (`HEAD /v2/<repo>/manifests/<ref>`,
 * with the anonymous Bearer-token challenge most registries use), before ECS is told to run it.
 *
 * Why: ECS accepts any image name and only fails when a task tries to pull it, minutes later and as a failed
 * rollout. Checking first turns a typo into an immediate `BackendRejectedError` naming the image. Only
 * registries listed by the operator are contacted (a user-supplied image must never make the orchestrator call
 * an arbitrary host), and any answer other than a clear "present" or "not found" lets the create proceed.
 *
 * @module
 */

import { BackendRejectedError } from '../../errors';

export type ImagePresence = 'present' | 'missing' | 'unknown';

export interface ImageReference {
  /** Host[:port] as written in the image, `docker.io` when none is. */
  registry: string;
  repository: string;
  reference: string;
}

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** Docker's reference grammar, reduced to what picks the registry, repository and tag/digest. */
export function parseImage(image: string): ImageReference {
  const slash = image.indexOf('/');
  const first = slash < 0 ? '' : image.slice(0, slash);
  const hasRegistry = first.includes('.') || first.includes(':') || first === 'localhost';
  const registry = hasRegistry ? first : 'docker.io';
  let rest = hasRegistry ? image.slice(slash + 1) : image;
  let reference = 'latest';
  const at = rest.indexOf('@');
  if (at >= 0) {
    reference = rest.slice(at + 1);
    rest = rest.slice(0, at);
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      reference = rest.slice(colon + 1);
      rest = rest.slice(0, colon);
    }
  }
  const repository = registry === 'docker.io' && !rest.includes('/') ? `library/${rest}` : rest;
  return { registry, repository, reference };
}

const isLoopback = (host: string) => /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/.test(host);

export async function checkImage(
  image: string,
  options: { registries: readonly string[]; timeoutMs: number },
): Promise<ImagePresence> {
  const ref = parseImage(image);
  if (!options.registries.includes(ref.registry)) return 'unknown';
  // Like Docker, plain HTTP only for a registry on this machine.
  const base = `${isLoopback(ref.registry) ? 'http' : 'https'}://${ref.registry === 'docker.io' ? 'registry-1.docker.io' : ref.registry}`;
  const manifest = `${base}/v2/${ref.repository}/manifests/${ref.reference}`;
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    let res = await fetch(manifest, {
      method: 'HEAD',
      headers: { accept: ACCEPT },
      signal,
      redirect: 'manual',
    });
    if (res.status === 401) {
      const token = await anonymousToken(res.headers.get('www-authenticate'), base, signal);
      if (!token) return 'unknown';
      res = await fetch(manifest, {
        method: 'HEAD',
        headers: { accept: ACCEPT, authorization: `Bearer ${token}` },
        signal,
        redirect: 'manual',
      });
    }
    if (res.status === 200) return 'present';
    if (res.status === 404) return 'missing';
    return 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Follow a `Bearer realm=...,service=...,scope=...` challenge anonymously. The realm must be HTTPS or on the
 * registry's own origin, so a challenge cannot steer the orchestrator to an internal address.
 */
async function anonymousToken(
  challenge: string | null,
  base: string,
  signal: AbortSignal,
): Promise<string | undefined> {
  if (!challenge?.toLowerCase().startsWith('bearer ')) return undefined;
  const params = Object.fromEntries(
    [...challenge.slice(7).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
  );
  if (!params.realm) return undefined;
  const realm = new URL(params.realm);
  if (realm.protocol !== 'https:' && realm.origin !== new URL(base).origin) return undefined;
  if (params.service) realm.searchParams.set('service', params.service);
  if (params.scope) realm.searchParams.set('scope', params.scope);
  const res = await fetch(realm, { signal, redirect: 'manual' });
  if (!res.ok) return undefined;
  const body = (await res.json()) as { token?: string; access_token?: string };
  return body.token ?? body.access_token;
}

/** Refuse an image its (listed) registry says does not exist; anything less certain lets the caller proceed. */
export async function assertImageExists(
  image: string,
  options: { registries: readonly string[]; timeoutMs: number },
): Promise<void> {
  if (options.registries.length === 0) return;
  if ((await checkImage(image, options)) === 'missing') {
    throw new BackendRejectedError(
      `image ${image} was not found in its registry`,
      'image',
      'image_not_found',
    );
  }
}
