/**
 * Which webhook URLs may be called (server-side request forgery): `https` only, and never an address inside the
 * deployment's network (private, loopback, link-local, cloud metadata) unless a setting allows private addresses.
 * The emulator may also call plain `http` on loopback, where test receivers and local tools listen.
 *
 * Host names are checked as written: a public name that resolves to a private address is not caught here (the
 * runtimes' fetch resolves it), which is why the sender also refuses redirects and keeps timeouts short.
 *
 * @module
 */

export interface UrlPolicy {
  /** Private, link-local and unique-local addresses allowed (a deployment whose receivers live in its VPC). */
  allowPrivate: boolean;
  /** Plain `http` to loopback allowed: the local emulator only. */
  allowLoopbackHttp: boolean;
}

export const STRICT_URL_POLICY: UrlPolicy = { allowPrivate: false, allowLoopbackHttp: false };

/** Names that reach the machine itself or a cloud's metadata service. */
const LOOPBACK_NAMES = new Set(['localhost', 'localhost.localdomain', 'ip6-localhost', 'ip6-loopback']);
const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata', 'instance-data']);

/** The reason a URL may not be called, or null when it may. */
export function refusedUrl(raw: string, policy: UrlPolicy): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'url is not a valid absolute URL';
  }
  if (url.username || url.password) return 'url must not carry credentials';
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const loopback = isLoopback(host);
  if (url.protocol === 'http:') {
    if (!(loopback && policy.allowLoopbackHttp)) return 'url must use https';
  } else if (url.protocol !== 'https:') {
    return 'url must use https';
  }
  if (loopback) return policy.allowLoopbackHttp ? null : 'url must not point at a loopback address';
  if (
    METADATA_NAMES.has(host) ||
    host === '169.254.169.254' ||
    host === '100.100.100.200' ||
    host === 'fd00:ec2::254'
  )
    return 'url must not point at a cloud metadata address';
  if (isPrivate(host) && !policy.allowPrivate) return 'url must not point at a private or link-local address';
  return null;
}

function isLoopback(host: string): boolean {
  if (LOOPBACK_NAMES.has(host) || host.endsWith('.localhost')) return true;
  const v4 = ipv4(host) ?? mappedIpv4(host);
  if (v4) return v4[0] === 127 || v4.every((b) => b === 0);
  return host === '::1' || host === '::';
}

function isPrivate(host: string): boolean {
  const v4 = ipv4(host) ?? mappedIpv4(host);
  if (v4) {
    const [a, b] = v4 as [number, number, number, number];
    return (
      a === 10 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      (a === 100 && b >= 64 && b <= 127) ||
      a === 0
    );
  }
  if (host.includes(':')) return /^(fc|fd|fe8|fe9|fea|feb)/.test(host);
  return host.endsWith('.internal') || host.endsWith('.local');
}

/** The four bytes of a dotted-quad IPv4 literal, else null (URL() already normalises decimal and hex forms). */
function ipv4(host: string): number[] | null {
  const parts = host.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return null;
  const bytes = parts.map(Number);
  return bytes.every((b) => b <= 255) ? bytes : null;
}

/** An IPv4-mapped IPv6 literal (`::ffff:a00:1`, as URL() writes `::ffff:10.0.0.1`) as its four bytes. */
function mappedIpv4(host: string): number[] | null {
  const match = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (!match) return null;
  const [hi, lo] = [Number.parseInt(match[1]!, 16), Number.parseInt(match[2]!, 16)];
  return [hi >> 8, hi & 255, lo >> 8, lo & 255];
}
