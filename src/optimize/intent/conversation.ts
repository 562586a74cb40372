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

/** The text parts of a message, joined. */
export function messageText(message: Message | undefined): string {
  const content = message?.content;
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter((p) => p?.type === "text" && typeof p.text === "string")
    .map((p) => p.text as string)
    .join("\n");
}

/** The classifier's input for an image in `messages[imageMessage]`. */
export function intentInput(messages: readonly Message[], imageMessage: number): IntentInput {
  let latest = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.role === "user") {
      latest = i;
      break;
    }
  }
  const own = clip(messageText(messages[imageMessage]));
  if (latest <= imageMessage) return { text: own };
  return { text: clip(messageText(messages[latest])), context: own || undefined };
}
