/** What every handler gets: the request's id and start, and the application's parts. */
import type { Config } from "../config.ts";
import type { Registry } from "../models/registry.ts";
import type { RenderCache } from "../pipeline/render_cache.ts";
import type { UnderstandCache } from "../pipeline/understand.ts";
import type { WorkerPool } from "../pool/pool.ts";
import type { Storage } from "../storage/types.ts";

/** The long-lived parts of a running squint. */
export interface AppParts {
  config: Config;
  pool: WorkerPool;
  registry: Registry;
  renderCache: RenderCache;
  understandCache: UnderstandCache;
  storage: Storage;
}

/** One request's context. */
export interface RequestContext {
  id: string;
  /** performance.now() when the request arrived. */
  started: number;
  app: AppParts;
}

/** A handler of one door. */
export type Handler = (request: Request, ctx: RequestContext) => Promise<Response>;
