/**
 * A loopback TCP proxy the tests control: it forwards 127.0.0.1:<port> to a real service and can cut
 * every connection (and refuse new ones) without stopping the shared server, then restore on the
 * same port. Used to show that the production storage fails fast when PostgreSQL or Redis goes away
 * and recovers when it comes back.
 */

export interface TcpProxy {
  /** Listens on 127.0.0.1:<port> (port 0 → OS picks). */
  readonly port: number;
  /** Stops accepting AND destroys every open connection in both directions (the client sees its socket closed/reset); new connections are refused (close the listener) until restore(). */
  cut(): Promise<void>;
  /** Listens again on the SAME port and forwards new connections. */
  restore(): Promise<void>;
  /** Connections forwarded so far. */
  readonly connections: number;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

interface Pair {
  /** Aborting it ends both pipes and closes both sockets. */
  readonly abort: AbortController;
  /** Settles once both pipes have stopped and both sockets are closed. */
  readonly done: Promise<void>;
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // already closed (a pipe's cancel or abort closes the resource itself)
  }
}

export function startTcpProxy(target: { hostname: string; port: number }): Promise<TcpProxy> {
  let listener: Deno.TcpListener | null = null;
  let acceptLoop: Promise<void> = Promise.resolve();
  let port = 0;
  let connections = 0;
  let closed = false;
  /** Bumped by every cut(): a connection accepted before a cut and still dialing upstream is dropped. */
  let generation = 0;
  const pairs = new Set<Pair>();
  /** Connections still dialing upstream: cut() waits for them so no op outlives it. */
  const pending = new Set<Promise<void>>();

  async function forward(client: Deno.TcpConn, gen: number): Promise<void> {
    let upstream: Deno.TcpConn;
    try {
      upstream = await Deno.connect({ hostname: target.hostname, port: target.port });
    } catch {
      closeQuietly(client);
      return;
    }
    if (gen !== generation || closed) {
      closeQuietly(client);
      closeQuietly(upstream);
      return;
    }
    // No Nagle delay on either leg: the proxy must not change request latency.
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    connections++;
    const abort = new AbortController();
    const { signal } = abort;
    // Either direction ending (EOF, error or cut) ends the pair: half-open connections are of no
    // use to the protocols behind it and would only keep a socket alive after a cut.
    const pipe = (from: Deno.Conn, to: Deno.Conn) =>
      from.readable.pipeTo(to.writable, { signal }).catch(() => {}).finally(() => abort.abort());
    const done = Promise.all([pipe(client, upstream), pipe(upstream, client)]).then(() => {
      closeQuietly(client);
      closeQuietly(upstream);
    });
    const pair: Pair = { abort, done };
    pairs.add(pair);
    done.finally(() => pairs.delete(pair));
  }

  function listen(): void {
    const l = Deno.listen({ hostname: "127.0.0.1", port, transport: "tcp" });
    listener = l;
    port = l.addr.port;
    const gen = generation;
    acceptLoop = (async () => {
      while (true) {
        let conn: Deno.TcpConn;
        try {
          conn = await l.accept();
        } catch {
          return; // listener closed by cut()/close()
        }
        const p = forward(conn, gen);
        pending.add(p);
        p.finally(() => pending.delete(p));
      }
    })();
  }

  async function cut(): Promise<void> {
    generation++;
    const l = listener;
    listener = null;
    if (l) {
      try {
        l.close();
      } catch {
        // already closed
      }
    }
    await acceptLoop;
    await Promise.all([...pending]);
    const open = [...pairs];
    for (const pair of open) pair.abort.abort();
    await Promise.all(open.map((pair) => pair.done));
  }

  try {
    listen();
  } catch (error) {
    return Promise.reject(error);
  }

  const proxy: TcpProxy = {
    get port() {
      return port;
    },
    get connections() {
      return connections;
    },
    cut,
    restore() {
      if (closed) return Promise.reject(new Error("tcp proxy: restore() after close()"));
      try {
        if (!listener) listen(); // a no-op when not cut
      } catch (error) {
        return Promise.reject(error); // e.g. AddrInUse: another process took the port meanwhile
      }
      return Promise.resolve();
    },
    close() {
      closed = true;
      return cut();
    },
    [Symbol.asyncDispose]() {
      return proxy.close();
    },
  };
  return Promise.resolve(proxy);
}

/**
 * A proxy in front of the service at `url` (`defaultPort` when the URL names none), and the
 * service's URL through it; disposing it closes the proxy.
 */
export async function proxyInFront(
  url: string,
  defaultPort: number,
): Promise<{ proxy: TcpProxy; url: string; [Symbol.asyncDispose](): Promise<void> }> {
  const target = new URL(url);
  const proxy = await startTcpProxy({
    hostname: target.hostname,
    port: Number(target.port || defaultPort),
  });
  const through = new URL(url);
  through.host = `127.0.0.1:${proxy.port}`;
  return { proxy, url: through.toString(), [Symbol.asyncDispose]: () => proxy.close() };
}
