/**
 * Which door a body was written for, when `/v1/optimize` is not told: its `door` field, else its
 * shape. Pure.
 */
import { own } from "../own.ts";

type Json = Record<string, unknown>;

/** The doors a dry run can plan for. */
export const DRY_RUN_DOORS = ["chat_completions", "messages", "responses", "gemini"] as const;

/** A dry-run door's name. */
export type DryRunDoor = typeof DRY_RUN_DOORS[number];

/** Names a client may give the `door` field, by door. */
const NAMES: Record<string, DryRunDoor> = {
  chat: "chat_completions",
  chat_completions: "chat_completions",
  "/v1/chat/completions": "chat_completions",
  messages: "messages",
  "/v1/messages": "messages",
  anthropic: "messages",
  responses: "responses",
  "/v1/responses": "responses",
  gemini: "gemini",
  generatecontent: "gemini",
};

/** Content block types only Anthropic's Messages API has. */
const ANTHROPIC_BLOCKS = new Set([
  "tool_use",
  "tool_result",
  "thinking",
  "redacted_thinking",
  "document",
  "search_result",
]);

function anthropicShaped(body: Json): boolean {
  if (body.system !== undefined) return true;
  const messages = Array.isArray(body.messages) ? body.messages : [];
  return messages.some((m) =>
    Array.isArray((m as Json)?.content) &&
    ((m as Json).content as unknown[]).some((b) => {
      const block = b as Json;
      return ANTHROPIC_BLOCKS.has(String(block?.type)) ||
        (block?.type === "image" && typeof block.source === "object");
    })
  );
}

/**
 * The door of `body` (its `door` field, which the caller removes, wins), or an error message
 * naming the names understood.
 */
export function doorByShape(body: Json): DryRunDoor | { error: string } {
  if (body.door !== undefined) {
    const named = own(NAMES, String(body.door).toLowerCase());
    return named ?? {
      error: `door: unknown door ${JSON.stringify(body.door)}; use one of ${
        Object.keys(NAMES).join(", ")
      }`,
    };
  }
  if (body.input !== undefined && body.messages === undefined) return "responses";
  if (body.contents !== undefined && body.messages === undefined) return "gemini";
  return anthropicShaped(body) ? "messages" : "chat_completions";
}
