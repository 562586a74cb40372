/**
 * squint's configuration: one zod schema fed by the environment (`SQUINT_*`) and an optional
 * YAML or JSON file named by `SQUINT_CONFIG` (same keys in lower case, with or without the
 * `squint_` prefix). The environment overrides the file. Every setting has a laptop default.
 */
import { z } from "zod";
import { parse as parseYaml } from "yaml";
import { DHASH_DISTANCE, PHASH_DISTANCE } from "./cache/near_index.ts";
import { parseAllowList } from "./intake/allow_list.ts";

const onOff = z.enum(["on", "off"]);
const list = z.preprocess(
  (v) => typeof v === "string" ? v.split(",").map((s) => s.trim()).filter(Boolean) : v,
  z.array(z.string()),
);
/**
 * An upstream's (or S3's) address: http or https, no credentials in it (a key has its own
 * setting), and nothing after the path, since squint appends its paths to it.
 */
const url = z.url().superRefine((value, ctx) => {
  if (!URL.canParse(value)) return; // z.url() has said so
  const parsed = new URL(value);
  const why = !/^https?:$/.test(parsed.protocol)
    ? `must be an http or https URL, not ${parsed.protocol}`
    : parsed.username || parsed.password
    ? "must not hold credentials: give the key in its own setting (SQUINT_OPENAI_API_KEY, …)"
    : parsed.search || parsed.hash
    ? "must have no query or fragment: squint appends each API path to it"
    : undefined;
  if (why) ctx.addIssue({ code: "custom", message: why });
}).transform((u) => u.replace(/\/+$/, ""));
const positive = z.coerce.number().positive();

/** A named OpenAI-compatible endpoint (DeepSeek, vLLM, a corporate proxy); file only. */
const customProvider = z.object({
  base_url: url,
  api_key: z.string().min(1).optional(),
  /** Model names routed here without the `<name>/` prefix. */
  models: z.array(z.string()).default([]),
});

/** Per-model price overrides (USD per million tokens), keyed by family id; file only. */
const priceOverride = z.object({
  input_per_mtok: z.number().nonnegative(),
  output_per_mtok: z.number().nonnegative(),
  cached_input_per_mtok: z.number().nonnegative().optional(),
});

const schema = z.object({
  host: z.string().min(1).default("127.0.0.1"),
  port: z.coerce.number().int().min(0).max(65535).default(8000),
  api_keys: list.default([]),
  require_key: onOff.optional(),
  admin_token: z.string().min(1).optional(),
  openai_base_url: url.default("https://api.openai.com/v1"),
  openai_api_key: z.string().min(1).optional(),
  anthropic_base_url: url.default("https://api.anthropic.com"),
  anthropic_api_key: z.string().min(1).optional(),
  gemini_base_url: url.default("https://generativelanguage.googleapis.com"),
  gemini_api_key: z.string().min(1).optional(),
  ollama_base_url: url.optional(),
  default_provider: z.enum(["openai", "anthropic", "google", "ollama"]).default("openai"),
  openai_models: list.default([]),
  anthropic_models: list.default([]),
  gemini_models: list.default([]),
  ollama_models: list.default([]),
  providers: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/), customProvider).default({}),
  fetch_remote_images: onOff.default("on"),
  allow_private_hosts: list.default([]).superRefine((entries, ctx) => {
    try {
      parseAllowList(entries);
    } catch (e) {
      ctx.addIssue({ code: "custom", message: (e as Error).message });
    }
  }),
  /** Origins whose pages may call the API from the browser (CORS), or `*`; none by default. */
  cors_origins: list.default([]).superRefine((entries, ctx) => {
    for (const entry of entries) {
      if (entry !== "*" && URL.parse(entry)?.origin !== entry) {
        ctx.addIssue({
          code: "custom",
          message: `not an origin (scheme://host[:port], or *): ${entry}`,
        });
      }
    }
  }),
  max_body_mb: positive.default(64),
  max_image_pixels: z.coerce.number().int().positive().default(100_000_000),
  max_image_mb: positive.default(32),
  image_fetch_timeout_s: positive.default(10),
  workers: z.coerce.number().int().min(1).default(Math.max(1, navigator.hardwareConcurrency - 1)),
  worker_queue: z.coerce.number().int().min(1).optional(),
  task_timeout_s: positive.default(30),
  /** Video: ffmpeg binary (default: the bundled one) and an optional local CLIP model folder. */
  ffmpeg_path: z.string().min(1).optional(),
  clip_model_path: z.string().min(1).optional(),
  video_fps: positive.default(1),
  /** Frames sampled per video at most: a longer video is sampled evenly at a lower rate. */
  video_max_sampled: z.coerce.number().int().positive().default(600),
  /** Frames sent per video at most (the model's context may allow fewer). */
  video_max_frames: z.coerce.number().int().positive().default(32),
  video_max_mb: positive.default(256),
  video_fetch_timeout_s: positive.default(60),
  /** Time for sampling and selecting the frames of one video. */
  video_timeout_s: positive.default(300),
  /** Long side of a sampled frame, at most. */
  video_max_side: z.coerce.number().int().min(64).default(2048),
  /** A Gemini target gets `frames`, the video itself (`native`), or whichever costs less. */
  video_gemini: z.enum(["frames", "native", "auto"]).default("auto"),
  on_overload: z.enum(["passthrough", "reject"]).default("passthrough"),
  optimize: onOff.default("on"),
  fidelity: z.enum(["lossless", "balanced", "aggressive"]).default("balanced"),
  detail: z.enum(["auto", "low", "high"]).default("auto"),
  ocr: z.enum(["off", "on", "text+thumbnail"]).default("on"),
  /** Longest a request waits for a page's text before its pixels go (reading goes on). */
  ocr_budget_ms: z.coerce.number().int().min(0).default(1000),
  /** Workers that read pages (OCR), apart from the picture workers. */
  reading_workers: z.coerce.number().int().min(1).default(1),
  /**
   * At most how many bands a reading worker reads a page in at once, while pictures are idle:
   * two where there are two cores to read them on.
   */
  ocr_bands: z.coerce.number().int().min(1).max(8).default(
    Math.min(2, navigator.hardwareConcurrency),
  ),
  rules_version: z.enum(["2026-11", "2026-06", "2025"]).default("2026-11"),
  cache: z.enum(["off", "read", "write", "on"]).default("off"),
  cache_ttl_s: z.coerce.number().int().positive().default(3600),
  cache_max_mb: positive.default(256),
  cache_sampled: onOff.default("off"),
  cache_perceptual: onOff.default("on"),
  cache_phash_distance: z.coerce.number().int().min(0).max(63).default(PHASH_DISTANCE),
  cache_dhash_distance: z.coerce.number().int().min(0).max(64).default(DHASH_DISTANCE),
  dedup: onOff.default("on"),
  cascade: onOff.default("off"),
  auto_reference_model: z.string().min(1).default("gpt-4o"),
  prompt_cache: z.enum(["auto", "off"]).default("off"),
  canonical_tools: onOff.default("off"),
  upstream_timeout_s: positive.default(600),
  request_timeout_s: positive.default(900),
  /** Longest silence between stream events before squint ends the stream with an error. */
  stream_idle_timeout_s: positive.default(300),
  retries: z.coerce.number().int().min(0).max(10).default(2),
  retry_base_ms: z.coerce.number().int().min(0).default(500),
  retry_max_ms: z.coerce.number().int().min(0).default(8000),
  circuit_failures: z.coerce.number().int().min(1).default(5),
  circuit_cooldown_s: positive.default(30),
  fallbacks: z.record(z.string(), z.array(z.string().min(1))).default({}),
  cascades: z.record(z.string(), z.array(z.string().min(1))).default({}),
  shutdown_grace_s: positive.default(30),
  storage: z.enum(["embedded", "production"]).default("embedded"),
  data_dir: z.string().min(1).default("./.squint"),
  database_url: z.string().min(1).optional(),
  redis_url: z.string().min(1).optional(),
  /** Prefix of every Redis key, so deployments (or test runs) can share a server. */
  redis_prefix: z.string().default("squint:"),
  s3_endpoint: url.optional(),
  s3_bucket: z.string().min(3).optional(),
  s3_region: z.string().min(1).default("us-east-1"),
  s3_access_key: z.string().min(1).optional(),
  s3_secret_key: z.string().min(1).optional(),
  s3_force_path_style: onOff.default("off"),
  /** Keep what each request sent (original and optimized media) in the media store. */
  media_store: onOff.default("off"),
  media_retention_days: z.coerce.number().int().min(1).default(30),
  encryption_key: z.string().min(16).optional(),
  log_content: z.enum(["off", "redacted", "full"]).default("off"),
  log_retention_days: z.coerce.number().int().min(1).default(30),
  /** The line printed per request on stdout: readable text or one JSON object a line. */
  log_format: z.enum(["text", "json"]).default("text"),
  /** Request lines at or above this level are printed (info: answered, warn: 4xx, error: 5xx). */
  log_level: z.enum(["debug", "info", "warn", "error", "off"]).default("info"),
  /** `GET /metrics` and the series behind it. */
  metrics: onOff.default("on"),
  /** Bearer token `/metrics` asks for; unset: open. */
  metrics_token: z.string().min(1).optional(),
  /** A `key` label (the key id, never the key) on request series. */
  metrics_key_label: onOff.default("off"),
  /** Distinct model labels per series before the rest are counted as `other`. */
  metrics_max_models: z.coerce.number().int().min(1).default(50),
  corpus_dir: z.string().min(1).default("../shared/corpus"),
  prices: z.record(z.string(), priceOverride).default({}),
});

/** Settings with nested values: only the config file sets them. */
const FILE_ONLY = new Set(["prices", "providers", "fallbacks", "cascades"]);

/** The validated configuration. */
export type Config = z.infer<typeof schema>;

/** Settings as a program gives them: any of the configuration's keys, with its values. */
export type Settings = Partial<Config>;

/** A setting with a bad value; names the variable and what it expects. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Environment variable name of a config key. */
function envName(key: string): string {
  return `SQUINT_${key.toUpperCase()}`;
}

/** File values may be native YAML/JSON types; the schema reads on/off and strings. */
function normalizeFileValue(value: unknown): unknown {
  if (value === true) return "on";
  if (value === false) return "off";
  if (typeof value === "number") return String(value);
  return value;
}

function readFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    throw new ConfigError(`SQUINT_CONFIG: cannot read ${path}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new ConfigError(`SQUINT_CONFIG: ${path} is not valid YAML/JSON: ${(e as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConfigError(`SQUINT_CONFIG: ${path} must hold a mapping of settings`);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    const key = k.toLowerCase().replace(/^squint_/, "");
    out[key] = FILE_ONLY.has(key) ? v : normalizeFileValue(v);
  }
  return out;
}

/**
 * Builds the configuration from an environment (default: the process's) and the file it names.
 * Throws `ConfigError` naming the first bad variable.
 */
export function loadConfig(env: Record<string, string | undefined> = Deno.env.toObject()): Config {
  const raw: Record<string, unknown> = env.SQUINT_CONFIG ? readFile(env.SQUINT_CONFIG) : {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[envName(key)];
    if (value !== undefined && value !== "" && !FILE_ONLY.has(key)) raw[key] = value;
  }
  const unknownKeys = Object.keys(raw).filter((k) => !Object.hasOwn(schema.shape, k));
  if (unknownKeys.length > 0) {
    throw new ConfigError(`SQUINT_CONFIG: unknown setting ${unknownKeys.join(", ")}`);
  }
  return parseSettings(raw, envName);
}

/**
 * Validates settings given as values (`{fidelity: "balanced", workers: 2}`) — the library's way
 * in, the same schema as the server's. Throws `ConfigError` naming the first bad setting by
 * `nameOf` (the environment variable for the server, the key itself for the library).
 */
export function parseSettings(
  raw: Record<string, unknown>,
  nameOf: (key: string) => string = (key) => key,
): Config {
  const unknownKeys = Object.keys(raw).filter((k) => !Object.hasOwn(schema.shape, k));
  if (unknownKeys.length > 0) {
    throw new ConfigError(`unknown setting ${unknownKeys.map(nameOf).join(", ")}`);
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = String(issue.path[0] ?? "");
    const inner = issue.path.slice(1).join(".");
    const got = raw[key] === undefined || inner ? "" : `, got ${JSON.stringify(shown(raw[key]))}`;
    throw new ConfigError(
      `${nameOf(key)}${inner ? ` (${key}.${inner})` : ""}: ${issue.message}${got}`,
    );
  }
  return result.data;
}

/** A value as an error may echo it: a URL's credentials hidden. */
function shown(value: unknown): unknown {
  if (typeof value !== "string" || !URL.canParse(value)) return value;
  const url = new URL(value);
  if (!url.username && !url.password) return value;
  url.username = "***";
  url.password = "";
  return url.href;
}

/** Whether clients must present a squint key (CONTRACT.md, Keys). */
export function requiresSquintKey(config: Config): boolean {
  if (config.require_key) return config.require_key === "on";
  // An admin token means squint keys are handed out (stored, in either storage mode).
  return config.api_keys.length > 0 || hasServerProviderKey(config) ||
    config.admin_token !== undefined;
}

/** Whether squint holds any provider key of its own. */
export function hasServerProviderKey(config: Config): boolean {
  return Boolean(config.openai_api_key || config.anthropic_api_key || config.gemini_api_key);
}
