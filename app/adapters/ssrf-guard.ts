/**
 * Which network addresses an outgoing webhook may reach (pure: no DNS, no sockets). The connecting
 * side (`guarded-http.ts`) asks it about every address a name resolves to, at connection time.
 *
 * Parsing and the special-purpose ranges come from `ipaddr.js` (IANA's registries, kept up to date
 * there), not from a parser of our own. Public means plain unicast: for IPv6 only the global unicast
 * block 2000::/3 outside every special range. Always refused: unspecified, broadcast, multicast,
 * link-local (which holds the cloud metadata endpoints), the metadata addresses themselves, and
 * every reserved, documentation, benchmarking or tunnelling range. Refused unless private targets
 * are allowed (`AGENTGATE_WEBHOOK_ALLOW_PRIVATE=true`): loopback, RFC 1918, CGNAT and IPv6
 * unique-local. IPv6 forms that embed an IPv4 address (mapped `::ffff:a.b.c.d`, translated
 * `::ffff:0:a.b.c.d`, compatible `::a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`, 6to4 `2002:aabb:ccdd::`)
 * are judged by that IPv4 address, so `[::ffff:127.0.0.1]` is loopback. Teredo (2001::/32) hides
 * its peer's address and is refused outright.
 */
import ipaddr from 'ipaddr.js';

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

/**
 * The category of an IP address, or null when the text is not one. IPv4 is read the way `inet_aton`
 * and WHATWG URL hosts read it (`127.1`, `2130706433`, `0x7f000001`, `0177.0.0.1`); an IPv6 zone id
 * (`fe80::1%eth0`) is not accepted as an address.
 */
export function classifyAddress(address: string): AddressCategory | null {
  if (address.includes('%') || !ipaddr.isValid(address)) return null;
  const parsed = ipaddr.parse(address);
  return parsed.kind() === 'ipv4' ? classifyIPv4(parsed as ipaddr.IPv4) : classifyIPv6(parsed as ipaddr.IPv6);
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

/** Single addresses that serve instance metadata (and often credentials) inside clouds. */
const IPV4_METADATA = new Set([
  '169.254.169.254', // AWS, GCP, Azure, OpenStack…
  '168.63.129.16', // Azure's wire server
  '100.100.100.200', // Alibaba Cloud
]);

/** ipaddr.js range names → our categories; anything not listed and not `unicast` is reserved. */
const IPV4_RANGES: Readonly<Record<string, AddressCategory>> = {
  unicast: 'public',
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link_local',
  loopback: 'loopback',
  carrierGradeNat: 'cgnat',
  private: 'private',
};

function classifyIPv4(address: ipaddr.IPv4): AddressCategory {
  if (IPV4_METADATA.has(address.toString())) return 'metadata';
  return IPV4_RANGES[address.range()] ?? 'reserved';
}

// ---------------------------------------------------------------------------------------------
// IPv6

const IPV6_METADATA = ipaddr.IPv6.parse('fd00:ec2::254'); // AWS IMDS over IPv6
const GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3');
/** Deprecated IPv4-compatible addresses (`::a.b.c.d`); `::` and `::1` are matched before. */
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');
/** RFC 6052's well-known NAT64 prefix; the local-use 64:ff9b:1::/48 is reserved below. */
const NAT64 = ipaddr.parseCIDR('64:ff9b::/96');

const IPV6_RANGES: Readonly<Record<string, AddressCategory>> = {
  unspecified: 'unspecified',
  loopback: 'loopback',
  linkLocal: 'link_local',
  multicast: 'multicast',
  uniqueLocal: 'unique_local',
};

/** The IPv4 address in 16-bit groups `hi` and `lo` of an IPv6 address. */
function embeddedIPv4(parts: readonly number[], hi: number, lo: number): ipaddr.IPv4 {
  const [a, b] = [parts[hi] ?? 0, parts[lo] ?? 0];
  return new ipaddr.IPv4([a >> 8, a & 0xff, b >> 8, b & 0xff]);
}

function classifyIPv6(address: ipaddr.IPv6): AddressCategory {
  if (address.toNormalizedString() === IPV6_METADATA.toNormalizedString()) return 'metadata';
  const range = address.range();
  const known = IPV6_RANGES[range];
  if (known) return known;
  const { parts } = address;
  // Forms that carry an IPv4 address: the IPv4 address decides.
  if (
    range === 'ipv4Mapped' ||
    range === 'rfc6145' ||
    address.match(IPV4_COMPATIBLE) ||
    address.match(NAT64)
  ) {
    return classifyIPv4(embeddedIPv4(parts, 6, 7));
  }
  if (range === '6to4') return classifyIPv4(embeddedIPv4(parts, 1, 2));
  // Teredo, NAT64 local use, documentation, benchmarking, ORCHID, discard, site-local, and
  // everything outside global unicast: nothing a webhook receiver should be.
  if (range !== 'unicast' || !address.match(GLOBAL_UNICAST)) return 'reserved';
  return 'public';
}
