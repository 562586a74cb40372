/**
 * squint's entry: load the configuration, start the server, and on SIGTERM/SIGINT stop accepting,
 * let in-flight requests and streams finish (bounded by SQUINT_SHUTDOWN_GRACE_S), then exit.
 */
import { createApp } from "./app.ts";
import { type Config, ConfigError, loadConfig } from "./config.ts";
import { openStorage } from "./storage/open.ts";
import { dashboardNotice } from "./dashboard/mod.ts";

function load(): Config {
  try {
    return loadConfig();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(`squint: configuration error: ${e.message}`);
    Deno.exit(1);
  }
}

const config = load();
const app = createApp(
  config,
  await openStorage(config).catch((e) => {
    console.error(`squint: storage (SQUINT_STORAGE=${config.storage}): ${(e as Error).message}`);
    Deno.exit(1);
  }),
);
const storage = await app.parts.storage.health();
if (!storage.ok) {
  console.error(`squint: storage is not usable: ${storage.detail}`);
  await app.close();
  Deno.exit(1);
}
const server = Deno.serve({
  hostname: config.host,
  port: config.port,
  onListen: ({ hostname, port }) => {
    console.log(
      `squint listening on http://${hostname}:${port} (upstream ${config.openai_base_url}, ${config.workers} image workers)`,
    );
    console.log(dashboardNotice(config, hostname, port));
  },
}, (request) => app.handle(request));

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(
    `squint: ${signal}: no new connections; waiting up to ${config.shutdown_grace_s} s for in-flight requests`,
  );
  const grace = new Promise<"timeout">((resolve) =>
    setTimeout(() => resolve("timeout"), config.shutdown_grace_s * 1000)
  );
  const result = await Promise.race([server.shutdown().then(() => "drained" as const), grace]);
  console.log(
    `squint: ${result === "drained" ? "all requests finished" : "grace period over"}; exiting`,
  );
  await app.close();
  Deno.exit(0);
}

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.addSignalListener(signal, () => shutdown(signal));
}
