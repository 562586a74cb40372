/**
 * An image in a conversation's history keeps the form it was first sent in — pixels or text —
 * so the provider's prompt cache of that conversation stays valid (a page sent as pixels while
 * its text was being read is never flipped to text in the next turn).
 *
 * How squint knows: an agent re-sends the whole conversation each turn, so an image's message and
 * every message before it come back unchanged. When squint sends an image of the newest user turn
 * as text it records that under the hash of that prefix (the messages up to and including the
 * image's, inline data as content ids) and the image's part; in a later turn an image in an
 * earlier message looks its form up there. Pixels need no record: an image of the history with
 * none (sent as pixels, the conversation began elsewhere, or the record expired) stays as the
 * client sent it. Records live in the storage interface's key-value store (shared in
 * production), 24 hours.
 *
 * @module
 */
import { sha256 } from "../cache/sha256.ts";
import type { PlannedImage } from "../optimize/plan_image.ts";
import type { KeyValueStore } from "../storage/types.ts";

/** How long a form is remembered: longer than a working session, shorter than a prompt cache's reuse would matter. */
export const FORM_TTL_MS = 24 * 3_600_000;

/** The two forms an image is sent in. */
export type Form = "pixels" | "text";

/** The reason an image of the history keeps the pixels it was sent as. */
export const KEPT_AS_PIXELS =
  "in the conversation's history, first sent as pixels: sent so again (the provider's prompt cache holds it)";

/** Where each image sits: its message and part, and whether that message is history. */
export interface ImagePlace {
  message: number;
  part: number;
}

/** The index of the newest user message (the turn whose images are new). */
function newestUserTurn(messages: readonly { role?: unknown }[]): number {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]?.role === "user") return i;
  return -1;
}

/** Per image: its record's key, and whether it sits in the history (before the newest turn). */
export async function formKeys(
  messages: readonly { role?: unknown }[],
  places: readonly ImagePlace[],
): Promise<{ key: string; history: boolean }[]> {
  const newest = newestUserTurn(messages);
  const prefixes = new Map<number, Promise<string>>();
  const prefix = (message: number) => {
    let hash = prefixes.get(message);
    if (!hash) prefixes.set(message, hash = sha256(JSON.stringify(messages.slice(0, message + 1))));
    return hash;
  };
  return await Promise.all(places.map(async ({ message, part }) => ({
    key: `squint:form:${await prefix(message)}:${part}`,
    history: message < newest,
  })));
}

/** The recorded form of each history image (undefined for the newest turn's). */
export async function historyForms(
  kv: KeyValueStore,
  keys: readonly { key: string; history: boolean }[],
): Promise<(Form | undefined)[]> {
  return await Promise.all(keys.map(async ({ key, history }) => {
    if (!history) return undefined;
    const found = await kv.get(key).catch(() => undefined);
    return found && new TextDecoder().decode(found) === "text" ? "text" : "pixels";
  }));
}

/** Records the images of the newest turn that go as text (the first record stands). */
export function rememberForms(
  kv: KeyValueStore,
  keys: readonly { key: string; history: boolean }[],
  planned: readonly PlannedImage[],
): void {
  planned.forEach((image, i) => {
    const place = keys[i];
    if (!place || place.history || image.action !== "ocr") return;
    const text: Form = "text";
    kv.setIfAbsent(place.key, new TextEncoder().encode(text), FORM_TTL_MS).catch(() => {});
  });
}
