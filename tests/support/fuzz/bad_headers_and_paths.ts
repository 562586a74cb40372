/**
 * Mutations of the request around the body: its content type (none, wrong, or multipart), a
 * squint or credential header with a garbage value, and odd paths on the doors whose path
 * carries meaning (Gemini's method, passthrough's rest).
 *
 * @module
 */

import { GEMINI_MODEL, geminiPath } from "./doors.ts";
import { type Draft, namesModelInPath } from "./draft.ts";
import { pick } from "./draw.ts";

const CONTENT_TYPES = [
  "none",
  "text/plain",
  "multipart/form-data",
  "application/x-www-form-urlencoded",
  "application/json; charset=utf-16",
  "APPLICATION/JSON",
  "application/jsonx",
  "application/vnd.api+json",
  "empty",
  "application/json, text/plain",
];

/** The content type absent, empty, or not JSON's; multipart sends a form instead of the body. */
export function contentType(d: Draft): string {
  const choice = pick(d.rng, CONTENT_TYPES);
  if (choice === "none") delete d.headers["content-type"];
  else if (choice === "empty") d.headers["content-type"] = "";
  else if (choice === "multipart/form-data") {
    delete d.headers["content-type"];
    d.form = new FormData();
    d.form.set("model", "gpt-4o");
    d.form.set("file", new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])]), "x.png");
  } else d.headers["content-type"] = choice;
  return `content-type: ${choice}`;
}

const GARBAGE_HEADERS = [
  "x-squint-optimize",
  "x-squint-fidelity",
  "x-squint-detail",
  "x-squint-ocr",
  "x-squint-ocr-budget-ms",
  "x-squint-cache",
  "x-squint-cache-ttl",
  "x-squint-cascade",
  "x-squint-strategy",
  "x-squint-stats",
  "x-squint-key",
  "authorization",
  "x-api-key",
  "anthropic-version",
  "anthropic-beta",
  "x-goog-api-key",
];

/** Header values fetch can send: Latin-1 without control characters (tabs allowed). */
const GARBAGE_VALUES: [string, string][] = [
  ["empty", ""],
  ["Latin-1 bytes of UTF-8 text", "æ¨¡å\u009e\u008b"],
  ["Latin-1 letters", "\u00ff\u00e9\u00e0"],
  ["tabs", "\t\ton\t"],
  ["-1", "-1"],
  ["1e999", "1e999"],
  ["NaN", "NaN"],
  ["400 digits", "9".repeat(400)],
  ["10 KB", "x".repeat(10_000)],
  ["Bearer alone", "Bearer"],
  ["Bearer and spaces", "Bearer    "],
  ["Basic credentials", "Basic dXNlcjpwYXNz"],
  ["JSON", '{"optimize":"off"}'],
  ["comma list", "on, off"],
];

/** A squint or credential header set to garbage (`authorization` half the time after `Bearer`). */
export function garbageHeader(d: Draft): string {
  const name = pick(d.rng, GARBAGE_HEADERS);
  const [said, value] = pick(d.rng, GARBAGE_VALUES);
  d.headers[name] = name === "authorization" && d.rng() < 0.5 ? `Bearer ${value}` : value;
  return `header ${name}: ${said}`;
}

const GEMINI_METHODS = [
  ":streamGenerateContent?alt=sse",
  ":countTokens",
  ":unknownMethod",
  "",
  "::generateContent",
  ":generateContent/extra",
  ":generateContent?alt=%FF",
];

const PASSTHROUGH_PATHS = [
  "/v1/%00",
  "/v1/%FF%FE",
  `/v1/${"a".repeat(8_000)}`,
  "/v1/..%2F..%2Fhealth",
  "/v1//chat//completions",
  "/v1/chat/completions/extra",
  "/v1/%E6%A8%A1%E5%9E%8B",
  "/v1/embeddings?x=%FF&&==",
];

/** Gemini's method, or a passthrough path, made odd; undefined on other doors. */
export function oddPath(d: Draft): string | undefined {
  if (namesModelInPath(d)) {
    d.path = geminiPath(GEMINI_MODEL, pick(d.rng, GEMINI_METHODS));
    return `path ${d.path}`;
  }
  if (!d.spec.door.includes("passthrough")) return undefined;
  d.path = pick(d.rng, PASSTHROUGH_PATHS);
  return `path ${d.path.length > 60 ? `${d.path.slice(0, 20)}… (${d.path.length} chars)` : d.path}`;
}
