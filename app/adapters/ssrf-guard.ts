/**
 * Which network addresses an outgoing webhook may reach (pure: no DNS, no sockets). The connecting
 * side (`guarded-http.ts`) asks it about every address a name resolves to, at connection time.
 *
 * Always refused: unspecified, broadcast, multicast, link-local (which holds the cloud metadata
 * endpoints), the metadata addresses themselves, and reserved/documentation ranges. Refused unless
 * private targets are allowed (`AGENTGATE_WEBHOOK_ALLOW_PRIVATE=true`): loopback, RFC 1918,
 * CGNAT and IPv6 unique-local. IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64,
 * 6to4) are judged by that IPv4 address, so `[::ffff:127.0.0.1]` is loopback.
 */

export type AddressCategory =
  | 'public'
  | 'loopback'
  | 'private'
  | 'cgnat'
  | 'unique_local'
  | 'link_local'
  | 'metadata'
  | 'multicast'
  | 'unspecified'
  | 'broadcast'
  | 'reserved';

/** Categories a self-hosted deployment may open with `AGENTGATE_WEBHOOK_ALLOW_PRIVATE=true`. */
const PRIVATE_CATEGORIES: ReadonlySet<AddressCategory> = new Set([
  'loopback',
  'private',
  'cgnat',
  'unique_local',
]);

const DESCRIPTIONS: Record<AddressCategory, string> = {
  public: 'a public address',
  loopback: 'a loopback address',
  private: 'a private network address',
  cgnat: 'a carrier-grade NAT (100.64.0.0/10) address',
  unique_local: 'an IPv6 unique-local (fc00::/7) address',
  link_local: 'a link-local address',
  metadata: 'a cloud metadata endpoint',
  multicast: 'a multicast address',
  unspecified: 'the unspecified address',
  broadcast: 'the broadcast address',
  reserved: 'a reserved or documentation address',
};

export interface AddressVerdict {
  allowed: boolean;
  category: AddressCategory;
  /** e.g. `127.0.0.1 is a loopback address` */
  reason: string;
}

/** Judges one IP address (v4 in any inet_aton form, or v6 without brackets). Null when it is not an IP. */
export function judgeAddress(address: string, allowPrivate: boolean): AddressVerdict | null {
  const category = classifyAddress(address);
  if (category === null) return null;
  const allowed = category === 'public' || (allowPrivate && PRIVATE_CATEGORIES.has(category));
  return { allowed, category, reason: `${address} is ${DESCRIPTIONS[category]}` };
}

export function classifyAddress(address: string): AddressCategory | null {
  const v4 = parseIPv4(address);
  if (v4 !== null) return classifyIPv4(v4);
  const v6 = parseIPv6(address);
  if (v6 !== null) return classifyIPv6(v6);
  return null;
}

export type UrlVerdict = { ok: true; url: URL } | { ok: false; reason: string };

/**
 * What can be known about a webhook URL without DNS: an http(s) scheme, and a host that is not a
 * refused literal address (in any spelling: `2130706433`, `0x7f000001`, `0177.0.0.1`, `127.1`,
 * `[::ffff:7f00:1]`) nor a `localhost` name. Names are judged again, by address, at every connection.
 */
export function checkWebhookUrl(value: string, allowPrivate: boolean): UrlVerdict {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, reason: 'it is not a valid URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, reason: `the scheme "${url.protocol.replace(/:$/, '')}" is not http or https` };
  }
  const host = hostOf(url);
  const verdict = judgeAddress(host, allowPrivate);
  if (verdict && !verdict.allowed) return { ok: false, reason: verdict.reason };
  if (!verdict && !allowPrivate && (host === 'localhost' || host.endsWith('.localhost'))) {
    return { ok: false, reason: `${host} is a loopback name` };
  }
  return { ok: true, url };
}

/** The URL's host without IPv6 brackets or a trailing dot. */
export function hostOf(url: URL): string {
  return url.hostname
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// IPv4

/**
 * Parses IPv4 the way `inet_aton` (and WHATWG URL hosts) do: one to four parts, each decimal,
 * `0x` hex or `0`-prefixed octal, the last part filling the remaining bytes (`127.1`, `2130706433`).
 */
export function parseIPv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length > 4 || parts.some((p) => p === '')) return null;
  const numbers: number[] = [];
  for (const part of parts) {
    let n: number;
    if (/^0x[0-9a-f]*$/i.test(part)) n = part.length === 2 ? 0 : Number.parseInt(part.slice(2), 16);
    else if (/^0[0-7]+$/.test(part)) n = Number.parseInt(part.slice(1), 8);
    else if (/^(0|[1-9][0-9]*)$/.test(part)) n = Number(part);
    else return null;
    if (!Number.isSafeInteger(n)) return null;
    numbers.push(n);
  }
  const last = numbers.pop() as number;
  if (numbers.some((n) => n > 255)) return null;
  if (last >= 256 ** (4 - numbers.length)) return null;
  return numbers.reduce((sum, n, i) => sum + n * 256 ** (3 - i), 0) + last;
}

const v4 = (a: number, b: number, c: number, d: number) => ((a * 256 + b) * 256 + c) * 256 + d;

/** [network, prefix length, category], most specific first. */
const IPV4_RANGES: ReadonlyArray<[number, number, AddressCategory]> = [
  [v4(169, 254, 169, 254), 32, 'metadata'],
  [v4(168, 63, 129, 16), 32, 'metadata'], // Azure's wire server
  [v4(100, 100, 100, 200), 32, 'metadata'], // Alibaba Cloud
  [v4(255, 255, 255, 255), 32, 'broadcast'],
  [v4(0, 0, 0, 0), 8, 'unspecified'],
  [v4(10, 0, 0, 0), 8, 'private'],
  [v4(100, 64, 0, 0), 10, 'cgnat'],
  [v4(127, 0, 0, 0), 8, 'loopback'],
  [v4(169, 254, 0, 0), 16, 'link_local'],
  [v4(172, 16, 0, 0), 12, 'private'],
  [v4(192, 0, 0, 0), 24, 'reserved'],
  [v4(192, 0, 2, 0), 24, 'reserved'],
  [v4(192, 88, 99, 0), 24, 'reserved'],
  [v4(192, 168, 0, 0), 16, 'private'],
  [v4(198, 18, 0, 0), 15, 'reserved'],
  [v4(198, 51, 100, 0), 24, 'reserved'],
  [v4(203, 0, 113, 0), 24, 'reserved'],
  [v4(224, 0, 0, 0), 4, 'multicast'],
  [v4(240, 0, 0, 0), 4, 'reserved'],
];

function classifyIPv4(address: number): AddressCategory {
  for (const [network, bits, category] of IPV4_RANGES) {
    const size = 2 ** (32 - bits);
    if (address - (address % size) === network) return category;
  }
  return 'public';
}

// ---------------------------------------------------------------------------------------------
// IPv6

/** Parses an IPv6 address (`::`, embedded dotted IPv4, zone ids refused) into a 128-bit integer. */
export function parseIPv6(text: string): bigint | null {
  if (!text.includes(':') || text.includes('%')) return null;
  let head = text;
  let tailV4: number | null = null;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const dotted = text.slice(lastColon + 1);
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(dotted)) return null;
    tailV4 = parseIPv4(dotted);
    if (tailV4 === null) return null;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (s: string) => (s === '' ? [] : s.split(':'));
  const left = groupsOf(halves[0] as string);
  const right = halves.length === 2 ? groupsOf(halves[1] as string) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  let value = 0n;
  for (const group of groups) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return null;
    value = (value << 16n) | BigInt(Number.parseInt(group, 16));
  }
  if (tailV4 !== null) value = (value & ~0xffffffffn) | BigInt(tailV4);
  return value;
}

const inPrefix = (address: bigint, network: bigint, bits: number) =>
  address >> BigInt(128 - bits) === network >> BigInt(128 - bits);
const low32 = (address: bigint) => Number(address & 0xffffffffn);

function classifyIPv6(address: bigint): AddressCategory {
  if (address === 0n) return 'unspecified';
  if (address === 1n) return 'loopback';
  if (address === 0xfd00_0ec2_0000_0000_0000_0000_0000_0254n) return 'metadata'; // AWS IMDS over IPv6
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d): the IPv4 decides.
  if (inPrefix(address, 0xffff_0000_0000n, 96)) return classifyIPv4(low32(address));
  if (inPrefix(address, 0n, 96)) return classifyIPv4(low32(address));
  if (inPrefix(address, 0x0064_ff9b_0000_0000_0000_0000_0000_0000n, 96)) return classifyIPv4(low32(address));
  if (inPrefix(address, 0x0064_ff9b_0001_0000_0000_0000_0000_0000n, 48)) return 'reserved';
  // 6to4 (2002:aabb:ccdd::): the embedded IPv4 decides.
  if (inPrefix(address, 0x2002n << 112n, 16)) return classifyIPv4(Number((address >> 80n) & 0xffffffffn));
  if (inPrefix(address, 0x0100n << 112n, 64)) return 'reserved'; // discard-only
  if (inPrefix(address, 0x2001_0db8n << 96n, 32)) return 'reserved'; // documentation
  if (inPrefix(address, 0x2001_0000n << 96n, 32)) return 'reserved'; // Teredo hides an IPv4 peer
  if (inPrefix(address, 0xfc00n << 112n, 7)) return 'unique_local';
  if (inPrefix(address, 0xfe80n << 112n, 10)) return 'link_local';
  if (inPrefix(address, 0xfec0n << 112n, 10)) return 'reserved'; // deprecated site-local
  if (inPrefix(address, 0xff00n << 112n, 8)) return 'multicast';
  return 'public';
}
