/**
 * The allow list of the private-address guard (`SQUINT_ALLOW_PRIVATE_HOSTS`): host names,
 * addresses or CIDRs, each optionally limited to one port (`host:port`, `[v6]:port`,
 * `a.b.c.d:port`). Entries are read once at start-up, so a typo stops squint instead of quietly
 * exempting nothing.
 */
import { domainToASCII } from "node:url";
import { inRange, parseAddress, parseRange, type Range } from "./ip_ranges.ts";

/** What an entry exempts: a host name (whatever it resolves to) or an address range. */
export type AllowTarget = { kind: "host"; host: string } | { kind: "range"; range: Range };

/** One exemption, on one port or on every port. */
export type AllowEntry = AllowTarget & {
  /** The entry as written, for messages. */
  text: string;
  /** The only port exempted; undefined exempts every port. */
  port?: number;
};

const DEFAULT_PORTS: Readonly<Record<string, number>> = { "http:": 80, "https:": 443 };

const HOST_LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
/** A last label URL parsers read as a number, making the whole host an IPv4 address. */
const NUMERIC_LABEL = /^(?:\d+|0x[0-9a-f]*)$/;

/** Lower case, without brackets or a trailing dot: how names and addresses are compared. */
export function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, "");
}

/** The port a URL connects to: its own, or its scheme's default. */
export function effectivePort(url: URL): number {
  return url.port ? Number(url.port) : DEFAULT_PORTS[url.protocol] ?? 0;
}

function parsePort(text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new Error(`port "${text}" is not in 1-65535`);
  return port;
}

function parseTarget(text: string, v6: boolean): AllowTarget {
  if (v6 || text.includes("/") || /^[\d.]+$/.test(text)) {
    const range = parseRange(text);
    if (!range) throw new Error("not an IP address or CIDR");
    return { kind: "range", range };
  }
  const host = normalizeHost(domainToASCII(text));
  const labels = host.split(".");
  if (host.length > 253 || !labels.every((label) => HOST_LABEL.test(label))) {
    throw new Error("not a host name, IP address or CIDR");
  }
  if (NUMERIC_LABEL.test(labels.at(-1)!)) {
    throw new Error("a name ending in a number is an address: write it in dotted-decimal form");
  }
  return { kind: "host", host };
}

function parseEntry(text: string): AllowEntry {
  if (text === "") throw new Error("empty entry");
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    const [, inner, port] = bracketed;
    if (!inner.includes(":")) throw new Error("brackets hold an IPv6 address");
    return {
      text,
      ...parseTarget(inner, true),
      port: port === undefined ? undefined : parsePort(port),
    };
  }
  const colons = text.split(":").length - 1;
  if (colons >= 2) return { text, ...parseTarget(text, true) };
  if (colons === 1) {
    const [target, port] = text.split(":");
    if (target === "") throw new Error("no host before the port");
    return { text, ...parseTarget(target, false), port: parsePort(port) };
  }
  return { text, ...parseTarget(text, false) };
}

/** Reads allow-list entries; throws an Error naming the first entry that cannot be read. */
export function parseAllowList(entries: readonly string[]): AllowEntry[] {
  return entries.map((raw) => {
    const text = raw.trim();
    try {
      return parseEntry(text);
    } catch (e) {
      throw new Error(`cannot read entry "${text}": ${(e as Error).message}`);
    }
  });
}

/**
 * Whether the guard lets `url` through although it is private: an entry names its host, or one
 * entry's range holds every address it resolved to; an entry with a port must match the URL's.
 */
export function isExempt(url: URL, addresses: string[], allow: readonly AllowEntry[]): boolean {
  const host = normalizeHost(url.hostname);
  const port = effectivePort(url);
  return allow.some((entry) => {
    if (entry.port !== undefined && entry.port !== port) return false;
    if (entry.kind === "host") return entry.host === host;
    return addresses.length > 0 && addresses.every((a) => {
      const address = parseAddress(a);
      return address !== undefined && inRange(address, entry.range);
    });
  });
}
