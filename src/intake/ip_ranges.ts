/**
 * IP address ranges that a fetched image URL must never reach: loopback, private, link-local,
 * cloud metadata, and other special-purpose addresses (IANA special registries).
 */

/** An address as 16 bytes (IPv4 mapped into ::ffff:0:0/96). */
type Address = Uint8Array;

/** Special-purpose IPv4 ranges refused by default, also when embedded in an IPv6 address. */
const BLOCKED_IPV4: readonly string[] = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.0.2.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "224.0.0.0/4",
  "240.0.0.0/4",
];

/** Special-purpose IPv6 ranges refused by default (`::` and `::1` fall in `::/96` below). */
const BLOCKED_IPV6: readonly string[] = [
  "100::/64",
  "2001:db8::/32",
  "fc00::/7",
  "fe80::/10",
  "fec0::/10",
  "ff00::/8",
];

/**
 * IPv6 prefixes that carry an IPv4 address a host or gateway may translate to, and the byte where
 * it starts; such an address is refused when its IPv4 is. Without `at` the layout is
 * network-specific (local-use NAT64), so the whole prefix is refused.
 */
const EMBEDDING_PREFIXES: readonly { prefix: string; at?: number }[] = [
  { prefix: "::ffff:0:0/96", at: 12 }, // IPv4-mapped
  { prefix: "::/96", at: 12 }, // IPv4-compatible (deprecated, still routed by some stacks)
  { prefix: "64:ff9b::/96", at: 12 }, // NAT64 well-known prefix
  { prefix: "64:ff9b:1::/48" }, // NAT64 local-use
  { prefix: "2002::/16", at: 2 }, // 6to4
];

/** Host names refused whatever they resolve to. */
export const BLOCKED_HOSTNAMES: ReadonlySet<string> = new Set([
  "localhost",
  "metadata",
  "metadata.google.internal",
  "instance-data",
]);

function parseIPv4(text: string): number[] | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
  return bytes.every((b) => b >= 0 && b <= 255) ? bytes : undefined;
}

/** An IPv4 address as its IPv4-mapped IPv6 form. */
function mapIPv4(v4: ArrayLike<number>): Address {
  return Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...Array.from(v4)]);
}

/** Parses an IPv4 or IPv6 literal (brackets allowed) into 16 bytes; undefined if not one. */
export function parseAddress(text: string): Address | undefined {
  const host = text.replace(/^\[|\]$/g, "");
  const v4 = parseIPv4(host);
  if (v4) return mapIPv4(v4);
  if (!host.includes(":") || host.includes("%")) return undefined;
  let head = host;
  let tail4: number[] = [];
  const lastColon = host.lastIndexOf(":");
  if (host.slice(lastColon + 1).includes(".")) {
    const v4tail = parseIPv4(host.slice(lastColon + 1));
    if (!v4tail) return undefined;
    tail4 = v4tail;
    head = host.slice(0, lastColon + 1) + "0:0";
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const left = groups(halves[0]);
  const right = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - left.length - right.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return undefined;
  const all = [...left, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...right];
  if (!all.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[2 * i] = n >> 8;
    out[2 * i + 1] = n & 0xff;
  });
  if (tail4.length) out.set(tail4, 12);
  return out;
}

/** A CIDR block over 16-byte addresses (an IPv4 block is held in its mapped form). */
export interface Range {
  base: Address;
  bits: number;
}

/** Parses `a.b.c.d/n`, `v6/n` or a single address. */
export function parseRange(text: string): Range | undefined {
  const [addr, bitsText, extra] = text.split("/");
  const base = parseAddress(addr);
  if (!base || extra !== undefined) return undefined;
  if (bitsText !== undefined && !/^\d{1,3}$/.test(bitsText)) return undefined;
  const isV4 = parseIPv4(addr) !== undefined;
  const bits = bitsText === undefined ? 128 : Number(bitsText) + (isV4 ? 96 : 0);
  return Number.isInteger(bits) && bits >= 0 && bits <= 128 ? { base, bits } : undefined;
}

/** Whether `address` lies in `range`. */
export function inRange(address: Address, range: Range): boolean {
  for (let bit = 0; bit < range.bits; bit += 8) {
    const left = Math.min(8, range.bits - bit);
    const mask = (0xff << (8 - left)) & 0xff;
    if ((address[bit / 8] & mask) !== (range.base[bit / 8] & mask)) return false;
  }
  return true;
}

const parseAll = (ranges: readonly string[]) => ranges.map((r) => parseRange(r)!);
const BLOCKED_V4 = parseAll(BLOCKED_IPV4);
const BLOCKED_V6 = parseAll(BLOCKED_IPV6);
const EMBEDDINGS = EMBEDDING_PREFIXES.map(({ prefix, at }) => ({ range: parseRange(prefix)!, at }));

/** Whether an address is special-purpose (not a public unicast address). */
export function isBlockedAddress(address: Address): boolean {
  const embedding = EMBEDDINGS.find(({ range }) => inRange(address, range));
  if (!embedding) return BLOCKED_V6.some((range) => inRange(address, range));
  if (embedding.at === undefined) return true;
  const v4 = mapIPv4(address.subarray(embedding.at, embedding.at + 4));
  return BLOCKED_V4.some((range) => inRange(v4, range));
}
