/**
 * The served process outlives a bug that throws outside any request — in an event handler (a
 * socket's close, a timer) or in a promise nobody awaits — which would otherwise end the process
 * and every request and stream in it. The error goes to stderr with its stack, once per error,
 * so it is seen and can be fixed; serving goes on.
 *
 * @module
 */

/** From now on, uncaught errors and unhandled rejections are logged instead of ending the process. */
export function keepServingOnUncaught(): void {
  const describe = (e: unknown) => e instanceof Error ? e.stack ?? String(e) : String(e);
  globalThis.addEventListener("error", (event) => {
    event.preventDefault();
    console.error(
      `squint: uncaught error (kept serving): ${describe((event as ErrorEvent).error)}`,
    );
  });
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    console.error(
      `squint: unhandled rejection (kept serving): ${
        describe((event as PromiseRejectionEvent).reason)
      }`,
    );
  });
}
