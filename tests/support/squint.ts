/**
 * Starts squint in-process on a loopback port for tests and benchmarks, on a fresh in-memory
 * log unless told otherwise.
 */
import { type App, createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";

/** A running squint. */
export interface RunningSquint {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  /** `http://127.0.0.1:PORT/v1`, the OpenAI SDK's baseURL. */
  baseUrl: string;
  app: App;
  close(): Promise<void>;
}

/** Starts squint with `env` (SQUINT_* variables) over test defaults. */
export function startSquint(env: Record<string, string> = {}): RunningSquint {
  // The per-request log line is tested on its own (tests/observe/); here it would only be noise.
  const config = loadConfig({
    SQUINT_DATA_DIR: ":memory:",
    SQUINT_WORKERS: "1",
    SQUINT_LOG_LEVEL: "off",
    // Tests that read pages wait for their text unless they set a budget of their own: what a
    // request gets then never depends on how fast this machine reads.
    SQUINT_OCR_BUDGET_MS: "600000",
    ...env,
  });
  return serveApp(createApp(config));
}

/** Serves `app` on a loopback port; `cleanup` runs after it is closed. */
export function serveApp(app: App, cleanup?: () => Promise<void>): RunningSquint {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request) => app.handle(request),
  );
  const origin = `http://127.0.0.1:${server.addr.port}`;
  return {
    origin,
    baseUrl: `${origin}/v1`,
    app,
    async close() {
      await server.shutdown();
      await app.close();
      await cleanup?.();
    },
  };
}

/** The corpus folder (SQUINT_CORPUS_DIR, default ../shared/corpus from the repository root). */
export function corpusDir(): string {
  const configured = Deno.env.get("SQUINT_CORPUS_DIR");
  return configured ?? new URL("../../../shared/corpus", import.meta.url).pathname;
}

/** A corpus image as a data URL. */
export function corpusDataUrl(file: string): string {
  const bytes = Deno.readFileSync(`${corpusDir()}/images/${file}`);
  const ext = file.split(".").pop()!.toLowerCase();
  const mime = ext === "jpg" ? "image/jpeg" : `image/${ext}`;
  return `data:${mime};base64,${bytes.toBase64()}`;
}
