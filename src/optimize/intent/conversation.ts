/**
 * The text that says what an image is for: the latest user question, and, when the image came
 * in an earlier turn, that turn's text as context ("and the total?" refers back to it).
 */
import type { IntentInput } from "./features.ts";

type Message = { role?: unknown; content?: unknown };

/**
 * Characters of a turn that are read at each end: the question sits at the start or the end of
 * a turn, and reading a pasted 100k-character document would block the event loop (~0.5 µs a
 * character).
 */
export const READ_AT_EACH_END = 1_000;

/** The start and the end of a long text. */
export function clip(text: string): string {
  if (text.length <= 2 * READ_AT_EACH_END) return text;
  return `${text.slice(0, READ_AT_EACH_END)}\n…\n${text.slice(-READ_AT_EACH_END)}`;
}

/** A coding agent's own notes in the user's turn (Claude Code's), not the user's words. */
const AGENT_NOTE = /<system-reminder>[\s\S]*?<\/system-reminder>/g;

/** What the user wrote in a text: an agent's notes taken out. */
function userWords(text: string): string {
  return text.includes("<system-reminder>") ? text.replace(AGENT_NOTE, "").trim() : text;
}

/** The text parts of a message, joined (an agent's notes left out). */
export function messageText(message: Message | undefined): string {
  const content = message?.content;
  if (typeof content === "string") return userWords(content);
  if (!Array.isArray(content)) return "";
  return content
    .filter((p) => p?.type === "text" && typeof p.text === "string")
    .map((p) => userWords(p.text as string))
    .filter((text) => text !== "")
    .join("\n");
}

/**
 * The classifier's input for an image in `messages[imageMessage]`. The question is the latest
 * user turn that says something; a turn that only carries pictures (an agent's tool result, an
 * image sent after its question) is asked about by the user's words before it.
 */
export function intentInput(messages: readonly Message[], imageMessage: number): IntentInput {
  let latest = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.role === "user" && messageText(messages[i]).trim() !== "") {
      latest = i;
      break;
    }
  }
  const own = clip(messageText(messages[imageMessage]));
  if (latest === imageMessage || (latest < imageMessage && own)) return { text: own };
  if (latest < 0) return { text: own };
  const text = clip(messageText(messages[latest]));
  return own ? { text, context: own } : { text };
}
