/** What every handler gets: the request's id and start, and the application's parts. */
import type { Flights } from "../cache/flights.ts";
import type { SharedFlights } from "../cache/shared_flights.ts";
import type { Circuits } from "../providers/attempts.ts";
import type { PictureIndex } from "../cache/near_index.ts";
import type { Config } from "../config.ts";
import type { PreparedChat } from "../pipeline/prepare_chat.ts";
import type { Registry } from "../models/registry.ts";
import type { RenderCache } from "../pipeline/render_cache.ts";
import type { UnderstandCache } from "../pipeline/understand.ts";
import type { Observer } from "../observe/observer.ts";
import type { WorkerPool } from "../pool/pool.ts";
import type { KeyValueStore, RequestLogRow, Storage } from "../storage/types.ts";
import type { ReadingPace } from "../pipeline/reading_pace.ts";
import type { BackgroundReads } from "../pipeline/reading.ts";
import type { SocketResponses } from "./socket_responses.ts";

/** The long-lived parts of a running squint. */
export interface AppParts {
  config: Config;
  pool: WorkerPool;
  registry: Registry;
  renderCache: RenderCache;
  understandCache: UnderstandCache;
  storage: Storage;
  /** Chat calls under way that identical requests may share. */
  flights: Flights<PreparedChat>;
  /** Upstreams failing in a row, held off for a while. */
  circuits: Circuits;
  /** De-duplication across instances (production). */
  sharedFlights?: SharedFlights;
  /** Stored pictures by look (near-duplicate matching); absent when it is off. */
  nearIndex?: PictureIndex;
  /**
   * Takes every finished request's log row: the request log, the log line, the metrics and
   * telemetry all read it here, so no door can be counted by one and missed by another.
   */
  record: (row: RequestLogRow) => void;
  /** The log line, metrics and requests in flight (`record` feeds them). */
  observer: Observer;
  /** The fetch upstream calls go through (the global one; a library user's own in-process). */
  fetch: typeof fetch;
  /**
   * The reading lane (pages' OCR), its background readings, where their text is kept, and how
   * fast it reads.
   */
  reading: { pool: WorkerPool; reads: BackgroundReads; kv: KeyValueStore; pace: ReadingPace };
  /** Responses under way on the Responses WebSocket, which a stopping squint lets finish. */
  sockets: SocketResponses;
}

/** One request's context. */
export interface RequestContext {
  id: string;
  /** performance.now() when the request arrived. */
  started: number;
  /** The request's URL, parsed once. */
  url: URL;
  app: AppParts;
  /**
   * What the request is known to be so far — the squint key (or client key's id) it came with,
   * the model it asked for — filled in as the lifecycle learns it, so that a refusal's log row
   * names them.
   */
  known: Known;
}

/** What a request is known to be so far (null until learned). */
export interface Known {
  keyId: string | null;
  model: string | null;
}

/** A handler of one door. */
export type Handler = (request: Request, ctx: RequestContext) => Promise<Response>;
