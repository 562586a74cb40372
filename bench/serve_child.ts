/** The life of a bench server child: announce the address, then wait for SIGTERM or stdin EOF. */

/** Prints `listening ORIGIN`, waits for SIGTERM or the end of stdin, runs `close`, exits. */
export async function serveUntilStopped(origin: string, close: () => Promise<void>): Promise<void> {
  console.log(`listening ${origin}`);
  const stopped = Promise.withResolvers<void>();
  Deno.addSignalListener("SIGTERM", () => stopped.resolve());
  (async () => {
    // The parent holds stdin open; its end means the bench is gone, so nothing may outlive it.
    for await (const _ of Deno.stdin.readable) { /* ignore input */ }
    stopped.resolve();
  })();
  await stopped.promise;
  await Promise.race([close(), new Promise((resolve) => setTimeout(resolve, 2_000))]);
  Deno.exit(0);
}
