/**
 * A fetch that connects to the address the private-address guard checked, never to what a second
 * DNS lookup would answer: a name that resolves to a public address for the guard and to a
 * private one a moment later (DNS rebinding) cannot lead squint inside its network.
 *
 * - http: a client whose transport is a TCP connection to that address.
 * - https: fetch speaks plain HTTP to a bridge of this fetch's own on a loopback port (no file,
 *   no permission beyond the network), and the bridge opens TLS to that address with the URL's
 *   host name, so SNI and the certificate are checked against the name the client wrote. The request fetch sends is the URL's with `http:`
 *   for `https:` and the same host and port, so its `Host` header is the URL's.
 * - Behind a proxy the environment names (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`, not excluded
 *   by `NO_PROXY`), as Deno's own fetch reads them: the proxy makes the connection, resolving the
 *   name itself, so the fetch goes through it as before (a deployment whose egress is a proxy
 *   can reach nothing directly).
 *
 * @module
 */
import { effectivePort } from "./allow_list.ts";

/** A response, and what closes the connection it came over once its body is read. */
export interface PinnedResponse {
  response: Response;
  close(): Promise<void>;
}

/** Options of one pinned fetch. */
export interface PinnedInit {
  signal: AbortSignal;
  /** Extra CA certificates for https (tests). */
  caCerts?: string[];
}

/**
 * Fetches `url` (GET, redirects not followed) over a connection to `address`; as named when there
 * is no address to pin (a host the allow list names) or a proxy makes the connection.
 */
export async function pinnedFetch(
  url: URL,
  address: string | undefined,
  init: PinnedInit,
): Promise<PinnedResponse> {
  if (address === undefined || viaEnvProxy(url)) {
    const response = await fetch(url, { redirect: "manual", signal: init.signal });
    return { response, close: () => Promise.resolve() };
  }
  const port = effectivePort(url);
  if (url.protocol === "http:") {
    // The transport takes an IPv6 address in brackets, as a URL writes it.
    const hostname = address.includes(":") ? `[${address}]` : address;
    const client = Deno.createHttpClient({ proxy: { transport: "tcp", hostname, port } });
    return await fetched(url, client, init.signal);
  }
  const bridge = tlsBridge(url.hostname, address, port, init.caCerts);
  const client = Deno.createHttpClient({
    proxy: { transport: "tcp", hostname: "127.0.0.1", port: bridge.port },
  });
  const plain = new URL(url);
  plain.protocol = "http:";
  return await fetched(plain, client, init.signal, bridge);
}

/** An environment variable, or undefined where the process may not read the environment. */
function env(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined;
  }
}

/** Whether Deno's fetch sends `url` through a proxy the environment (`read`) names. */
export function viaEnvProxy(url: URL, read: (name: string) => string | undefined = env): boolean {
  const scheme = url.protocol === "https:" ? "HTTPS_PROXY" : "HTTP_PROXY";
  const proxy = read(scheme) ?? read(scheme.toLowerCase()) ?? read("ALL_PROXY") ??
    read("all_proxy");
  if (!proxy) return false;
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, "");
  const excluded = (read("NO_PROXY") ?? read("no_proxy") ?? "").split(",").some((entry) => {
    const name = entry.trim().toLowerCase().replace(/:\d+$/, "").replace(/^\*?\./, "");
    return name === "*" || (name !== "" && (host === name || host.endsWith(`.${name}`)));
  });
  return !excluded;
}

/** What else a fetch over a bridge closes, and why the bridge failed, if it did. */
interface Bridge {
  close(): Promise<void>;
  failure?: Error;
}

async function fetched(
  url: URL,
  client: Deno.HttpClient,
  signal: AbortSignal,
  bridge?: Bridge,
): Promise<PinnedResponse> {
  const close = async () => {
    client.close();
    await bridge?.close();
  };
  try {
    const response = await fetch(url, { client, redirect: "manual", signal });
    return { response, close };
  } catch (e) {
    await close();
    // fetch saw its connection close; the bridge knows why (a certificate for another name).
    throw bridge?.failure ?? e;
  }
}

/** A loopback port whose every connection is piped into TLS to `address:port` as `hostname`. */
function tlsBridge(
  hostname: string,
  address: string,
  port: number,
  caCerts: string[] | undefined,
): Bridge & { port: number } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  const bridge: Bridge & { port: number } = { port: listener.addr.port, close };
  const pipe = async (conn: Deno.Conn) => {
    open.add(conn);
    let tls: Deno.TlsConn | undefined;
    try {
      const tcp = await Deno.connect({ hostname: address, port });
      tls = await Deno.startTls(tcp, { hostname, caCerts });
      await tls.handshake().catch((e) => {
        bridge.failure = e;
        throw e;
      });
      await Promise.all([conn.readable.pipeTo(tls.writable), tls.readable.pipeTo(conn.writable)]);
    } catch {
      // A side went away (or the handshake failed, said above): fetch sees the connection close.
    } finally {
      open.delete(conn);
      for (const socket of [conn, tls]) {
        try {
          socket?.close();
        } catch { /* already closed */ }
      }
    }
  };
  const accepting = (async () => {
    try {
      for await (const conn of listener) pipe(conn);
    } catch { /* the listener closed */ }
  })();
  async function close() {
    listener.close();
    await accepting;
    for (const conn of open) {
      try {
        conn.close();
      } catch { /* already closed */ }
    }
  }
  return bridge;
}
