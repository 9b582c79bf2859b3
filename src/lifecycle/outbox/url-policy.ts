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
const METADATA_ADDRESSES = new Set(['169.254.169.254', '100.100.100.200']);

/** Where an address or name leads, as far as it can be told without resolving it. */
type HostClass = 'loopback' | 'metadata' | 'private' | 'reserved' | 'public';

/** The reason a URL may not be called, or null when it may. */
export function refusedUrl(raw: string, policy: UrlPolicy): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'url is not a valid absolute URL';
  }
  if (url.username || url.password) return 'url must not carry credentials';
  // A trailing dot names the same host fully qualified (`localhost.` is `localhost`).
  const host = url.hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  const kind = classify(host);
  if (url.protocol === 'http:') {
    if (!(kind === 'loopback' && policy.allowLoopbackHttp)) return 'url must use https';
  } else if (url.protocol !== 'https:') {
    return 'url must use https';
  }
  switch (kind) {
    case 'loopback':
      return policy.allowLoopbackHttp ? null : 'url must not point at a loopback address';
    case 'metadata':
      return 'url must not point at a cloud metadata address';
    case 'reserved':
      return 'url must not point at a reserved, multicast or unspecified address';
    case 'private':
      return policy.allowPrivate ? null : 'url must not point at a private or link-local address';
    default:
      return null;
  }
}

function classify(host: string): HostClass {
  if (LOOPBACK_NAMES.has(host) || host.endsWith('.localhost')) return 'loopback';
  if (METADATA_NAMES.has(host)) return 'metadata';
  const v4 = ipv4(host);
  if (v4) return classifyV4(v4);
  if (host.includes(':')) {
    const words = ipv6(host);
    return words ? classifyV6(words) : 'reserved';
  }
  return host.endsWith('.internal') || host.endsWith('.local') ? 'private' : 'public';
}

function classifyV4(bytes: number[]): HostClass {
  const [a, b] = bytes as [number, number, number, number];
  if (METADATA_ADDRESSES.has(bytes.join('.'))) return 'metadata';
  if (a === 127) return 'loopback';
  // 0/8 (this network), 224/4 (multicast), 240/4 (reserved, and the broadcast address): never a receiver.
  if (a === 0 || a >= 224) return 'reserved';
  if (
    a === 10 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) ||
    (a === 100 && b >= 64 && b <= 127) || // carrier-grade NAT, shared with the provider's network
    (a === 198 && (b === 18 || b === 19)) // benchmarking, used inside networks
  )
    return 'private';
  return 'public';
}

/**
 * An IPv6 address, including the forms that carry an IPv4 address (which is then what is judged): mapped
 * `::ffff:0:0/96`, translated `::ffff:0:0:0/96`, compatible `::/96`, NAT64 `64:ff9b::/96` and 6to4 `2002::/16`.
 */
function classifyV6(w: number[]): HostClass {
  const zero = (from: number, to: number) => w.slice(from, to).every((x) => x === 0);
  const tail = () => [w[6]! >> 8, w[6]! & 255, w[7]! >> 8, w[7]! & 255];
  if (zero(0, 7) && w[7] === 1) return 'loopback';
  if (zero(0, 8)) return 'reserved';
  if (w.join(':') === 'fd00:ec2:0:0:0:0:0:254') return 'metadata';
  if (zero(0, 5) && w[5] === 0xffff) return classifyV4(tail()); // mapped
  if (zero(0, 4) && w[4] === 0xffff && w[5] === 0) return classifyV4(tail()); // translated
  if (zero(0, 6)) return classifyV4(tail()); // compatible (deprecated, still routed by some stacks)
  if (w[0] === 0x64 && w[1] === 0xff9b) return zero(2, 6) ? classifyV4(tail()) : 'private'; // NAT64, local-use
  if (w[0] === 0x2002) return classifyV4([w[1]! >> 8, w[1]! & 255, w[2]! >> 8, w[2]! & 255]); // 6to4
  const first = w[0]!;
  if (first >= 0xff00) return 'reserved'; // multicast
  if ((first & 0xfe00) === 0xfc00) return 'private'; // unique local
  if ((first & 0xffc0) === 0xfe80 || (first & 0xffc0) === 0xfec0) return 'private'; // link-local, site-local
  return 'public';
}

/** The four bytes of a dotted-quad IPv4 literal, else null (URL() already normalises decimal and hex forms). */
function ipv4(host: string): number[] | null {
  const parts = host.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return null;
  const bytes = parts.map(Number);
  return bytes.every((b) => b <= 255) ? bytes : null;
}

/** The eight 16-bit words of an IPv6 literal as URL() writes it (hex words, `::` for zeros), else null. */
function ipv6(host: string): number[] | null {
  const halves = host.split('::');
  if (halves.length > 2) return null;
  const words = (part: string) => (part === '' ? [] : part.split(':'));
  const head = words(halves[0]!);
  const rest = halves.length === 2 ? words(halves[1]!) : [];
  const fill = halves.length === 2 ? 8 - head.length - rest.length : 0;
  if (fill < 0 || head.length + fill + rest.length !== 8) return null;
  const all = [...head, ...Array<string>(fill).fill('0'), ...rest];
  if (!all.every((x) => /^[0-9a-f]{1,4}$/.test(x))) return null;
  return all.map((x) => Number.parseInt(x, 16));
}
