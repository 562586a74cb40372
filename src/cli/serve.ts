/**
 * `squint serve` (and `deno task serve`): load the configuration, say what is missing beside
 * squint (OCR data, ffmpeg), start the server, and on SIGTERM/SIGINT stop accepting, let
 * in-flight requests and streams finish (bounded by SQUINT_SHUTDOWN_GRACE_S), then resolve with
 * the exit code.
 *
 * @module
 */
import { createApp } from "../app.ts";
import { type Config, ConfigError, loadConfig } from "../config.ts";
import { openStorage, unusedProductionSettings } from "../storage/open.ts";
import { dashboardNotice, httpOrigin } from "../dashboard/mod.ts";
import { EXIT, type ExitCode, usageError } from "./cli_error.ts";
import { ffmpegProblem, ocrDataProblem } from "./needs.ts";
import { keepServingOnUncaught } from "./uncaught.ts";
import { timerMs } from "../timers.ts";
import { warmClassifiers } from "../lifecycle/warm_up.ts";

/** How the verb is called. */
export const SERVE_HELP = `usage: squint serve
       (settings come from SQUINT_* environment variables and the file SQUINT_CONFIG names)`;

function load(): Config | undefined {
  try {
    return loadConfig();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(`squint: configuration error: ${e.message}`);
    return undefined;
  }
}

/** Says, once at start, what this squint cannot do for lack of something beside it. */
async function warnOfNeeds(config: Config): Promise<void> {
  const ocr = ocrDataProblem(config);
  if (ocr) console.error(`squint: ${ocr}; pages cannot be read, their pixels are sent`);
  const ffmpeg = await ffmpegProblem(config);
  if (ffmpeg) console.error(`squint: ${ffmpeg}; videos are refused (500 no_ffmpeg)`);
  const unused = unusedProductionSettings(config);
  if (unused.length > 0) {
    console.error(
      `squint: SQUINT_STORAGE is embedded, so ${unused.join(", ")} ${
        unused.length === 1 ? "is" : "are"
      } not used (SQUINT_STORAGE=production uses them)`,
    );
  }
}

/** Why the server could not listen, in a user's words where the cause is a common one. */
function listenProblem(e: unknown): string {
  if (e instanceof Deno.errors.AddrInUse) return "another program is listening there";
  if (e instanceof Deno.errors.PermissionDenied) {
    return "permission denied (ports below 1024 need privileges)";
  }
  if (e instanceof Deno.errors.AddrNotAvailable) return "no such address on this machine";
  return (e as Error).message;
}

/** Serves until a signal stops it; resolves with the exit code. */
export async function serve(args: string[] = []): Promise<ExitCode> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(SERVE_HELP);
    return EXIT.done;
  }
  if (args.length > 0) throw usageError(`serve takes no arguments, got ${args[0]}\n${SERVE_HELP}`);
  const config = load();
  if (!config) return EXIT.failed;
  await warnOfNeeds(config);
  let storage;
  try {
    storage = await openStorage(config);
  } catch (e) {
    console.error(`squint: storage (SQUINT_STORAGE=${config.storage}): ${(e as Error).message}`);
    return EXIT.failed;
  }
  const app = createApp(config, storage);
  keepServingOnUncaught();
  const health = await app.parts.storage.health();
  if (!health.ok) {
    console.error(`squint: storage is not usable: ${health.detail}`);
    await app.close();
    return EXIT.failed;
  }
  let server: Deno.HttpServer;
  try {
    server = Deno.serve({
      hostname: config.host,
      port: config.port,
      onListen: ({ hostname, port }) => {
        console.log(
          `squint listening on ${
            httpOrigin(hostname, port)
          } (upstream ${config.openai_base_url}, ${config.workers} image workers)`,
        );
        console.log(dashboardNotice(config, hostname, port));
      },
    }, (request) => app.handle(request));
    // The classifiers' first use costs ~200 ms: paid now, not by the first request.
    setTimeout(warmClassifiers, 0);
  } catch (e) {
    console.error(
      `squint: cannot listen on ${config.host}:${config.port} (SQUINT_HOST, SQUINT_PORT): ${
        listenProblem(e)
      }`,
    );
    await app.close();
    return EXIT.failed;
  }

  const stopped = Promise.withResolvers<ExitCode>();
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(
      `squint: ${signal}: no new connections; waiting up to ${config.shutdown_grace_s} s for in-flight requests`,
    );
    const grace = new Promise<"timeout">((resolve) =>
      setTimeout(() => resolve("timeout"), timerMs(config.shutdown_grace_s * 1000))
    );
    // WebSocket responses under way finish first: the server's shutdown closes every socket.
    const drained = app.drain().then(() => server.shutdown()).then(() => "drained" as const);
    const result = await Promise.race([drained, grace]);
    console.log(
      `squint: ${result === "drained" ? "all requests finished" : "grace period over"}; exiting`,
    );
    await app.close();
    stopped.resolve(EXIT.done);
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(signal, () => shutdown(signal));
  }
  return await stopped.promise;
}
