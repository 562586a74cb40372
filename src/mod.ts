/**
 * squint as a library: the gateway's savings in-process, with no server to run.
 *
 * ```ts
 * import OpenAI from "openai";
 * import { createSquint } from "squint"; // import map: "squint": "<path to squint>/src/mod.ts"
 *
 * const squint = createSquint({ fidelity: "balanced" });
 * const client = new OpenAI({ fetch: squint.fetch });
 * // … requests as usual; images go out at the size the model uses …
 * await squint.close();
 * ```
 *
 * `createSquint(options)` owns its worker pools and storage (in memory unless the settings name
 * one) until `close()`. Its `fetch` wraps a fetch for any SDK, `middleware` plugs into the AI
 * SDK's `wrapLanguageModel`, `optimize` answers what `/v1/optimize` answers, and `optimizeImage`
 * optimizes one image's bytes.
 *
 * @module
 */
export { createSquint, libraryConfig } from "./library/squint.ts";
export type { DoorName, Squint, SquintOptions } from "./library/squint.ts";
export type { ImageOptions, OptimizedImage } from "./library/image.ts";
export type { ImageDecision, PictureFigures, Plan } from "./library/plan.ts";
export type { MiddlewareStats, SquintMiddleware } from "./library/ai_middleware.ts";
export { SquintError } from "./library/squint_error.ts";
export { ConfigError } from "./config.ts";
export type { Settings } from "./config.ts";
export type { Storage, UsageQuery, UsageReport } from "./storage/types.ts";
