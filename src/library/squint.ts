/**
 * squint in-process: the server's request lifecycle with no HTTP server. One `createSquint` owns
 * its worker pools and storage (by default in memory: nothing is written to the program's folder)
 * until `close()`; several can live in one program, each with its own settings.
 *
 * @module
 */
import { type App, createApp } from "../app.ts";
import { type Config, parseSettings, type Settings } from "../config.ts";
import { openStorage } from "../storage/open.ts";
import type { Storage, UsageQuery, UsageReport } from "../storage/types.ts";
import { SquintError } from "./squint_error.ts";
import { providerDoor } from "./provider_paths.ts";
import { type ImageOptions, imageRequest, type OptimizedImage, sentImage } from "./image.ts";
import { type SquintMiddleware, squintMiddleware } from "./ai_middleware.ts";
import type { Plan } from "./plan.ts";

/** Where squint's own endpoints sit inside the library (never on a network). */
const INSIDE = "http://squint.invalid";

/**
 * What `createSquint` takes: any server setting by its configuration key (`fidelity`, `ocr`,
 * `workers`, `storage`, `database_url`, …; CONTRACT.md lists them), plus what only a program
 * can hand over.
 */
export interface SquintOptions extends Settings {
  /** The fetch requests go out with after squint (default: the global `fetch`). */
  fetch?: typeof fetch;
  /** A store built by the program, instead of the one the settings name. */
  store?: Storage;
}

/** The body-level door names `optimize` takes (`/v1/optimize`'s `door` field). */
export type DoorName = "chat_completions" | "messages" | "responses" | "gemini";

/** A squint living in this program. */
export interface Squint {
  /**
   * A fetch for any SDK: requests to a provider's chat completions, responses, messages and
   * generateContent endpoints are optimized, cached and accounted as the server does them, then
   * sent to the address the SDK called; anything else goes straight through.
   */
  fetch: typeof fetch;
  /** Language-model middleware for the AI SDK's `wrapLanguageModel`. */
  middleware: SquintMiddleware;
  /** The plan `/v1/optimize` answers for `body` (a body of any door), without calling a model. */
  optimize(body: Record<string, unknown>, options?: { door?: DoorName }): Promise<Plan>;
  /** One image optimized for a model and a question: the bytes to send, and why. */
  optimizeImage(bytes: Uint8Array, options: ImageOptions): Promise<OptimizedImage>;
  /**
   * Totals and savings of the requests it has served, as `GET /v1/usage` answers them (`from`,
   * `to`, `groupBy`: model, optimization, channel or key).
   */
  usage(query?: UsageQuery): Promise<UsageReport>;
  /**
   * `task-start` and `task-end` events of its picture workers (a `CustomEvent` whose detail is
   * the task's kind): what work a call cost, told as it happens.
   */
  tasks: EventTarget;
  /** Ends its workers and closes its storage, so the program can exit. Later calls throw. */
  close(): Promise<void>;
}

/** The library's defaults where they differ from the server's: quiet, and nothing on disk. */
const LIBRARY_DEFAULTS: Settings = { data_dir: ":memory:", log_level: "off", metrics: "off" };

/** The configuration `options` describe (throws `ConfigError` naming a bad setting). */
export function libraryConfig(options: SquintOptions): Config {
  const { fetch: _fetch, store: _store, ...settings } = options;
  return parseSettings({ ...LIBRARY_DEFAULTS, ...settings });
}

/** Reads an answer of squint's own endpoint, or throws its error. */
async function answerOf<T>(response: Response): Promise<T> {
  const json = await response.json().catch(() => undefined);
  if (!response.ok) throw SquintError.from(response.status, json);
  return json as T;
}

/**
 * A squint in this program. Settings are checked at once (a bad one throws `ConfigError`);
 * storage opens on first use (a production store connects then).
 */
export function createSquint(options: SquintOptions = {}): Squint {
  const config = libraryConfig(options);
  const outbound = options.fetch ?? ((input, init) => fetch(input, init));
  const tasks = new EventTarget();
  const retell = (event: Event) =>
    tasks.dispatchEvent(new CustomEvent(event.type, { detail: (event as CustomEvent).detail }));
  let opened: Promise<App> | undefined;
  let closed = false;
  const app = (): Promise<App> => {
    if (closed) throw new SquintError(503, "this squint is closed", "closed");
    return opened ??= (async () => {
      const made = createApp(config, options.store ?? await openStorage(config), {
        fetch: outbound,
      });
      for (const type of ["task-start", "task-end"]) {
        made.parts.pool.addEventListener(type, retell);
      }
      return made;
    })();
  };

  const ask = async (path: string, body: unknown): Promise<Response> =>
    await (await app()).handle(
      new Request(`${INSIDE}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
    );

  const optimize = async (
    body: Record<string, unknown>,
    { door }: { door?: DoorName } = {},
  ): Promise<Plan> =>
    await answerOf<Plan>(await ask("/v1/optimize", door ? { ...body, door } : body));
  // What a request would send now: a page not read within the budget is not waited for.
  const planNow = async (body: Record<string, unknown>): Promise<Plan> =>
    await answerOf<Plan>(await ask("/v1/optimize?wait=false", body));

  const squintFetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const door = providerDoor(request.method, new URL(request.url));
    if (!door) return await outbound(request);
    return await (await app()).handle(
      new Request(`${INSIDE}${door.path}`, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: request.signal,
      }),
      door.upstream,
    );
  };

  return {
    fetch: squintFetch,
    middleware: squintMiddleware(planNow),
    optimize,
    async optimizeImage(bytes, imageOptions) {
      const plan = await planNow(imageRequest(bytes, imageOptions));
      return sentImage(plan);
    },
    async usage(query = {}) {
      return await (await app()).parts.storage.usage(query);
    },
    tasks,
    async close() {
      if (closed) return;
      closed = true;
      if (opened) await (await opened).close();
    },
  };
}
