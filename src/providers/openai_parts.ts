/**
 * Reading the pieces of an OpenAI chat body that every translator reads the same way: objects,
 * tool-call arguments, base64 `data:` URLs.
 */
import { type Json, TranslationError } from "./types.ts";

/** Whether `value` is a JSON object (not null, not an array). */
export const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * A tool call's arguments (OpenAI sends JSON text) as an object; empty text is `{}`. Anything
 * else is a TranslationError at `at`.
 */
export function toolArguments(raw: unknown, at: string): Json {
  if (raw === undefined || raw === null || (typeof raw === "string" && raw.trim() === "")) {
    return {};
  }
  let args: unknown;
  try {
    args = typeof raw === "string" ? JSON.parse(raw) : raw;
  } catch {
    throw new TranslationError("tool call arguments are not valid JSON", at);
  }
  if (!isObject(args)) throw new TranslationError("tool call arguments must be a JSON object", at);
  return args;
}

const BASE64_DATA_URL = /^data:([^;,]+)(?:;[^;,]*)*;base64,/i;

/** The media type and base64 payload of a base64 `data:` URL; undefined for anything else. */
export function base64DataUrl(url: unknown): { mediaType: string; data: string } | undefined {
  if (typeof url !== "string") return undefined;
  const prefix = BASE64_DATA_URL.exec(url);
  if (!prefix) return undefined;
  return { mediaType: prefix[1].toLowerCase(), data: url.slice(prefix[0].length) };
}
