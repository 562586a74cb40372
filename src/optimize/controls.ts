/**
 * Per-request controls (CONTRACT.md): a `squint` object in the body, removed before forwarding,
 * or the equal `X-Squint-*` header; the body wins over the header, both over the deployment.
 */
import { z } from "zod";
import type { Config } from "../config.ts";
import { GatewayError } from "../errors.ts";
import type { Fidelity } from "./fidelity.ts";

const onOff = z.preprocess(
  (v) => (v === true ? "on" : v === false ? "off" : v),
  z.enum(["on", "off"]),
);

/** Each control: its schema and its header. */
const CONTROLS = {
  optimize: { schema: onOff, header: "x-squint-optimize" },
  fidelity: { schema: z.enum(["lossless", "balanced", "aggressive"]), header: "x-squint-fidelity" },
  detail: { schema: z.enum(["auto", "low", "high"]), header: "x-squint-detail" },
  ocr: { schema: z.enum(["off", "on", "text+thumbnail"]), header: "x-squint-ocr" },
  cache: { schema: z.enum(["off", "read", "write", "on"]), header: "x-squint-cache" },
  cache_ttl_s: { schema: z.coerce.number().int().positive(), header: "x-squint-cache-ttl" },
  cascade: { schema: onOff, header: "x-squint-cascade" },
  strategy: { schema: z.enum(["cheapest", "balanced", "best"]), header: "x-squint-strategy" },
  ocr_budget_ms: { schema: z.coerce.number().int().min(0), header: "x-squint-ocr-budget-ms" },
} as const;

type ControlName = keyof typeof CONTROLS;

/** The controls in force for one request. */
export interface Controls {
  optimize: boolean;
  fidelity: Fidelity;
  detail: "auto" | "low" | "high";
  ocr: "off" | "on" | "text+thumbnail";
  cache: "off" | "read" | "write" | "on";
  /** The request itself set `cache` (body or header), not the deployment. */
  cacheAsked: boolean;
  cacheTtlS?: number;
  cascade: boolean;
  strategy: "cheapest" | "balanced" | "best";
  /** Longest a request waits for a page's text (then its pixels go, and reading goes on). */
  ocrBudgetMs: number;
}

function read(name: ControlName, value: unknown, where: string): unknown {
  const parsed = CONTROLS[name].schema.safeParse(value);
  if (!parsed.success) {
    throw new GatewayError(
      400,
      `${where}: ${parsed.error.issues[0].message}`,
      "invalid_request_error",
      "invalid_squint_control",
      where,
    );
  }
  return parsed.data;
}

/**
 * Reads the controls of a request and removes `squint` from `body`. Unknown fields in the
 * `squint` object are refused (a typo must not silently do nothing).
 */
export function takeControls(
  body: Record<string, unknown>,
  headers: Headers,
  config: Config,
): Controls {
  const raw = body.squint;
  delete body.squint;
  if (raw !== undefined && (raw === null || typeof raw !== "object" || Array.isArray(raw))) {
    throw new GatewayError(
      400,
      "squint: must be an object",
      "invalid_request_error",
      "invalid_squint_control",
      "squint",
    );
  }
  const given = (raw ?? {}) as Record<string, unknown>;
  const unknown = Object.keys(given).filter((k) => !Object.hasOwn(CONTROLS, k));
  if (unknown.length) {
    throw new GatewayError(
      400,
      `squint: unknown control ${unknown.join(", ")}`,
      "invalid_request_error",
      "invalid_squint_control",
      `squint.${unknown[0]}`,
    );
  }
  const value = (name: ControlName): unknown => {
    if (given[name] !== undefined) return read(name, given[name], `squint.${name}`);
    const header = headers.get(CONTROLS[name].header);
    return header === null
      ? undefined
      : read(name, header.trim().toLowerCase(), CONTROLS[name].header);
  };
  const cache = value("cache") as Controls["cache"] | undefined;
  return {
    optimize: (value("optimize") ?? config.optimize) === "on",
    fidelity: (value("fidelity") ?? config.fidelity) as Fidelity,
    detail: (value("detail") ?? config.detail) as Controls["detail"],
    ocr: (value("ocr") ?? config.ocr) as Controls["ocr"],
    cache: cache ?? config.cache,
    cacheAsked: cache !== undefined,
    cacheTtlS: value("cache_ttl_s") as number | undefined,
    cascade: (value("cascade") ?? config.cascade) === "on",
    strategy: (value("strategy") ?? "balanced") as Controls["strategy"],
    ocrBudgetMs: (value("ocr_budget_ms") ?? config.ocr_budget_ms) as number,
  };
}
