/**
 * Fetches an http(s) image so squint can optimize it: size and time limits, and a guard against
 * reaching private, loopback, link-local and metadata addresses, checked again on every redirect.
 * The guard resolves the host itself, refuses it when any answer is private, and the fetch then
 * connects to the address it checked (`pinned_fetch.ts`), never to a second lookup's: a name
 * whose DNS answer changes between the two (rebinding) cannot reach a private address.
 */
import { type AllowEntry, isExempt, normalizeHost, parseAllowList } from "./allow_list.ts";
import { BLOCKED_HOSTNAMES, isBlockedAddress, parseAddress } from "./ip_ranges.ts";
import { pinnedFetch } from "./pinned_fetch.ts";
import { readLimited } from "./read_limited.ts";
import { timerMs } from "../timers.ts";

/** Limits and exemptions of remote fetches. */
export interface FetchPolicy {
  /**
   * Hosts, addresses or CIDRs exempt from the private-address guard, each optionally with a port
   * (`host:port`, `[v6]:port`); read by `parseAllowList`, which config validation runs first.
   */
  allowPrivate: readonly string[];
  maxBytes: number;
  timeoutMs: number;
  maxRedirects?: number;
  /** Injected for tests; defaults to Deno.resolveDns over A and AAAA. */
  resolve?: (host: string) => Promise<string[]>;
  /** Extra CA certificates for https fetches (tests). */
  caCerts?: string[];
}

/** A fetched image, or why it was not fetched (then the URL is passed through untouched). */
export type RemoteImage =
  | { ok: true; bytes: Uint8Array; mime?: string; finalUrl: string }
  | { ok: false; reason: string };

async function resolveHost(host: string): Promise<string[]> {
  const answers = await Promise.allSettled([
    Deno.resolveDns(host, "A"),
    Deno.resolveDns(host, "AAAA"),
  ]);
  return answers.flatMap((a) => (a.status === "fulfilled" ? a.value : []));
}

/** Parsed allow lists, per list: the config's list is parsed once, not per fetch. */
const parsedAllowLists = new WeakMap<readonly string[], AllowEntry[]>();

function allowEntries(allowPrivate: readonly string[]): AllowEntry[] {
  let entries = parsedAllowLists.get(allowPrivate);
  if (!entries) {
    entries = parseAllowList(allowPrivate);
    parsedAllowLists.set(allowPrivate, entries);
  }
  return entries;
}

/**
 * The guard's answer for a URL: why it may not be fetched, or the address to connect to (none for
 * a host the allow list names that squint's resolver did not answer: it is fetched as named).
 */
type Checked = { refused: string } | { address?: string };

async function check(url: URL, policy: FetchPolicy): Promise<Checked> {
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return { refused: `scheme ${url.protocol} not fetched` };
  }
  const host = normalizeHost(url.hostname);
  const literal = parseAddress(host);
  const addresses = literal ? [host] : await (policy.resolve ?? resolveHost)(host);
  if (isExempt(url, addresses, allowEntries(policy.allowPrivate))) return { address: addresses[0] };
  if (BLOCKED_HOSTNAMES.has(host) || host.endsWith(".localhost") || host.endsWith(".internal")) {
    return { refused: `host ${host} is private` };
  }
  if (addresses.length === 0) return { refused: `host ${host} does not resolve` };
  const blocked = addresses.find((a) => {
    const parsed = parseAddress(a);
    return !parsed || isBlockedAddress(parsed);
  });
  return blocked
    ? { refused: `host ${host} resolves to private address ${blocked}` }
    : { address: addresses[0] };
}

/** Why a URL may not be fetched, or undefined when it may. */
export async function refuseReason(url: URL, policy: FetchPolicy): Promise<string | undefined> {
  const checked = await check(url, policy);
  return "refused" in checked ? checked.refused : undefined;
}

/** Fetches `href` under `policy`; never throws. */
export async function fetchRemoteImage(href: string, policy: FetchPolicy): Promise<RemoteImage> {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return { ok: false, reason: "not a valid URL" };
  }
  const signal = AbortSignal.timeout(timerMs(policy.timeoutMs));
  try {
    for (let hop = 0; hop <= (policy.maxRedirects ?? 5); hop++) {
      const checked = await check(url, policy);
      if ("refused" in checked) return { ok: false, reason: `not fetched: ${checked.refused}` };
      const pinned = await pinnedFetch(url, checked.address, { signal, caCerts: policy.caCerts });
      try {
        const { response } = pinned;
        const location = response.headers.get("location");
        if (response.status >= 300 && response.status < 400 && location) {
          await response.body?.cancel();
          url = new URL(location, url);
          continue;
        }
        if (!response.ok || !response.body) {
          await response.body?.cancel();
          return { ok: false, reason: `fetch answered ${response.status}` };
        }
        const declared = Number(response.headers.get("content-length") ?? 0);
        if (declared > policy.maxBytes) {
          await response.body.cancel();
          return { ok: false, reason: `larger than ${policy.maxBytes} bytes` };
        }
        const bytes = await readLimited(response.body, policy.maxBytes);
        if (!bytes) return { ok: false, reason: `larger than ${policy.maxBytes} bytes` };
        const mime = response.headers.get("content-type")?.split(";")[0].trim();
        return { ok: true, bytes, mime, finalUrl: url.href };
      } finally {
        await pinned.close();
      }
    }
    return { ok: false, reason: "too many redirects" };
  } catch (e) {
    const reason = signal.aborted
      ? `fetch timed out after ${policy.timeoutMs} ms`
      : `fetch failed: ${(e as Error).message}`;
    return { ok: false, reason };
  }
}
