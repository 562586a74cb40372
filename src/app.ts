/**
 * A running squint without the socket: its parts, and the function that answers one request.
 * Every answer carries `X-Request-Id`; every error is in the door's shape; nothing escapes as a
 * crash.
 */
import { errorLogRow } from "./accounting/request_log.ts";
import { Flights } from "./cache/flights.ts";
import { NearIndex, type PictureIndex } from "./cache/near_index.ts";
import { Circuits } from "./providers/attempts.ts";
import type { Config } from "./config.ts";
import type { AppParts, RequestContext } from "./lifecycle/context.ts";
import { asGatewayError, ERROR_RESPONSES, GatewayError } from "./errors.ts";
import { requestId } from "./accounting/request_id.ts";
import { errorPlace, route } from "./http/router.ts";
import { answerPreflight, checkOrigin, isPreflight, withCors } from "./http/cors.ts";
import { createRegistry } from "./models/registry.ts";
import { RenderCache } from "./pipeline/render_cache.ts";
import { UnderstandCache } from "./pipeline/understand.ts";
import { WorkerPool } from "./pool/pool.ts";
import { embeddedStorage } from "./storage/open.ts";
import type { Storage } from "./storage/types.ts";
import { SharedFlights } from "./cache/shared_flights.ts";
import { SharedNearIndex } from "./cache/shared_near_index.ts";
import { Observer } from "./observe/observer.ts";
import { BackgroundReads } from "./pipeline/reading.ts";
import { ReadingPace } from "./pipeline/reading_pace.ts";
import { Telemetry, telemetryOn } from "./observe/telemetry.ts";
import { shuttingDown, SocketResponses } from "./lifecycle/socket_responses.ts";

/** The upstream addresses one request goes to, when not the configured ones (the library). */
export type UpstreamBases = Partial<
  Pick<Config, "openai_base_url" | "anthropic_base_url" | "gemini_base_url">
>;

/** A squint instance. */
export interface App {
  parts: AppParts;
  /** Answers one request; `upstream` sends it to other provider addresses than the config's. */
  handle(request: Request, upstream?: UpstreamBases): Promise<Response>;
  /**
   * Stops taking work (new requests, new WebSocket responses: 503 `server_shutting_down`) and
   * resolves once no WebSocket response is under way; the server's own shutdown then waits for
   * the HTTP requests in flight.
   */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/** What a program embedding squint may hand it besides configuration and storage. */
export interface AppOptions {
  /** The fetch upstream calls go through (default: the global fetch). */
  fetch?: typeof fetch;
}

const WORKER_URL = new URL("../workers/image_worker.ts", import.meta.url);
const RENDER_CACHE_BYTES = 256 * 2 ** 20;

/** The answer to one request; squint's own errors logged and answered in the door's shape. */
async function answer(request: Request, ctx: RequestContext): Promise<Response> {
  try {
    if (ctx.app.sockets.draining) throw shuttingDown();
    const { url } = ctx;
    if (isPreflight(request)) {
      return answerPreflight(request, url.pathname, ctx.app.config.cors_origins);
    }
    checkOrigin(request, url, ctx.app.config.cors_origins);
    return await route(request.method, url.pathname)(request, ctx);
  } catch (e) {
    const error = asGatewayError(e);
    const { door, shape } = errorPlace(ctx.url, request.headers);
    ctx.app.record(
      errorLogRow(
        ctx.id,
        { door, provider: shape, ...ctx.known },
        ctx.started,
        error.status,
        error.message,
        error.code ?? error.type,
      ),
    );
    if (error.status >= 500 && !(e instanceof GatewayError)) {
      console.error(`squint ${ctx.id}:`, e);
    }
    return ERROR_RESPONSES[shape](error, ctx.id);
  }
}

/** The picture index `config` asks for, following the store's shared record when it has one. */
function pictureIndex(config: Config, storage: Storage): PictureIndex | undefined {
  if (config.cache_perceptual !== "on") return undefined;
  const index = new NearIndex({
    phashDistance: config.cache_phash_distance,
    dhashDistance: config.cache_dhash_distance,
  });
  return storage.nearFeed ? new SharedNearIndex(index, storage.nearFeed) : index;
}

/**
 * Builds the parts from configuration, on `storage` (`openStorage(config)`; default: the
 * embedded store, which needs no connecting).
 */
export function createApp(
  config: Config,
  storage: Storage = embeddedStorage(config),
  options: AppOptions = {},
): App {
  const pool = new WorkerPool({
    workerUrl: WORKER_URL,
    size: config.workers,
    queueLimit: config.worker_queue ?? config.workers * 16,
    taskTimeoutMs: config.task_timeout_s * 1000,
  });

  const circuits = new Circuits(config.circuit_failures, config.circuit_cooldown_s * 1000);
  // Pages are read in a lane of their own, so a photo's picture work never queues behind a page;
  // its workers start with the first page read.
  let readingPool: WorkerPool | undefined;
  const reading = {
    get pool(): WorkerPool {
      return readingPool ??= new WorkerPool({
        workerUrl: WORKER_URL,
        size: config.reading_workers,
        queueLimit: config.reading_workers * 16,
        taskTimeoutMs: config.task_timeout_s * 1000,
      });
    },
    reads: new BackgroundReads(),
    kv: storage.kv,
    pace: new ReadingPace(config.ocr_bands),
    bands: config.ocr_bands,
    picturesIdle: () => {
      const { busy, queued } = pool.stats();
      return busy === 0 && queued === 0;
    },
  };
  const observer = new Observer(
    storage,
    config,
    {
      pool,
      circuits,
      reading: { pool: () => readingPool, background: () => reading.reads.size },
    },
    telemetryOn() ? new Telemetry() : undefined,
  );
  const parts: AppParts = {
    config,
    pool,
    registry: createRegistry({ rulesVersion: config.rules_version, priceOverrides: config.prices }),
    renderCache: new RenderCache(RENDER_CACHE_BYTES),
    understandCache: new UnderstandCache(),
    flights: new Flights(),
    circuits,
    nearIndex: pictureIndex(config, storage),
    sharedFlights: storage.signals ? new SharedFlights(storage.kv, storage.signals) : undefined,
    storage,
    observer,
    record: observer.record,
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    reading,
    sockets: new SocketResponses(),
  };
  // The same parts with other upstream addresses, one per set of addresses seen.
  const elsewhere = new Map<string, AppParts>();
  const partsFor = (upstream: UpstreamBases | undefined): AppParts => {
    if (!upstream) return parts;
    const key = JSON.stringify(upstream);
    let found = elsewhere.get(key);
    if (!found) {
      found = { ...parts, config: { ...config, ...upstream } };
      elsewhere.set(key, found);
    }
    return found;
  };
  return {
    parts,
    async handle(request: Request, upstream?: UpstreamBases): Promise<Response> {
      const ctx: RequestContext = {
        id: requestId(),
        started: performance.now(),
        url: new URL(request.url),
        app: partsFor(upstream),
        known: { keyId: null, model: null },
      };
      observer.begin(ctx.id);
      let response = await answer(request, ctx);
      const origins = ctx.app.config.cors_origins;
      if (origins.length > 0) {
        response = withCors(response, request, ctx.url.pathname, origins);
      }
      observer.answered(ctx.id, response);
      return response;
    },
    drain: () => parts.sockets.drain(),
    async close(): Promise<void> {
      parts.pool.close();
      readingPool?.close();
      await observer.close();
      await parts.storage.close();
    },
  };
}
