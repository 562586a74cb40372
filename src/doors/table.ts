/**
 * The door table: which path is which door, which door a dry-run body was written for, and the
 * error shape each answers in.
 */
import { GatewayError } from "../errors.ts";
import { parseNativeBody, serializeJson } from "../intake/native_body.ts";
import type { Door } from "../lifecycle/door.ts";
import type { WorkerPool } from "../pool/pool.ts";
import { doorByShape, type DryRunDoor } from "./by_shape.ts";
import { CHAT } from "./chat.ts";
import { COUNT_TOKENS, GEMINI, MESSAGES, RESPONSES } from "./native.ts";

/** The doors that carry a model, by path. */
// deno-lint-ignore no-explicit-any
export const DOORS: Record<string, Door<any>> = {
  "/v1/chat/completions": CHAT,
  "/v1/messages": MESSAGES,
  "/v1/messages/count_tokens": COUNT_TOKENS,
  "/v1/responses": RESPONSES,
};

/** Dry-run doors by name. */
// deno-lint-ignore no-explicit-any
const BY_NAME: Record<DryRunDoor, Door<any>> = {
  chat_completions: CHAT,
  messages: MESSAGES,
  responses: RESPONSES,
  gemini: GEMINI,
};

/**
 * The door a `/v1/optimize` body was written for, and its bytes without the `door` field (a body
 * that is not a JSON object goes to the chat door, which says so).
 */
export async function doorOfBody(
  bytes: Uint8Array,
  pool: WorkerPool,
  // deno-lint-ignore no-explicit-any
): Promise<{ door: Door<any>; bytes: Uint8Array; model?: string }> {
  const json = await parseNativeBody(bytes, pool);
  if (!json || typeof json !== "object" || Array.isArray(json)) return { door: CHAT, bytes };
  const body = json as Record<string, unknown>;
  const found = doorByShape(body);
  if (typeof found === "object") {
    throw new GatewayError(400, found.error, "invalid_request_error", "unknown_door", "door");
  }
  // Gemini names the model in its URL: a dry run names it in the body, taken out like `door`.
  const model = found === "gemini" && typeof body.model === "string" ? body.model : undefined;
  if (found === "gemini") delete body.model;
  if (body.door === undefined && model === undefined) return { door: BY_NAME[found], bytes };
  delete body.door;
  const written = await serializeJson(body, bytes.byteLength, pool);
  return { door: BY_NAME[found], bytes: written, model };
}
