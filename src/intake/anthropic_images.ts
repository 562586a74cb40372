/**
 * The images of an Anthropic Messages body, seen as a Chat Completions body so that squint's
 * planner can plan them (`chatView`), and the body forwarded with only their data changed
 * (`spliceImages`): the bytes around each optimized image stay exactly as the client sent them,
 * so `cache_control` markers, `system` arrays, thinking blocks and unknown fields pass through.
 *
 * Image blocks are planned, at the top level of a message and inside the blocks that hold others
 * (`tool_result`, a `document` of its own content): base64 ones, and URL ones (fetched under
 * intake's guard; sent as bytes only when rendered).
 */
import { marker, markerRef } from "./inline_images.ts";
import { applyEdits, type Edit, siblingString, stringAt } from "./splice.ts";

type Json = Record<string, unknown>;

/** An image block's `source`: inline bytes, or a URL Anthropic would fetch. */
export type ImageSource =
  | { type: "base64"; media_type: string; data: string }
  | { type: "url"; url: string };

/** One image block of the body: its source, and its place in the view. */
export interface AnthropicImage {
  /** The block's `source` object in the parsed body. */
  source: ImageSource;
  /** Reference of its value in the view's inline values (a fetched URL gets one at intake). */
  readonly ref: number;
  /** JSON pointer to the image block in the body. */
  path: string;
  /** The block, and the array that holds it (where text can take its place). */
  block: Json;
  container: unknown[];
}

/** A Chat Completions body standing for an Anthropic one, for planning. */
export interface ChatView {
  view: Json;
  /** The view's inline values (`data:` URLs), by reference. */
  inline: string[];
  images: AnthropicImage[];
}

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function textOf(value: unknown): string {
  if (typeof value === "string") return value;
  if (!Array.isArray(value)) return "";
  return value.filter((b) => isObject(b) && b.type === "text").map((b) => String(b.text))
    .join("\n");
}

/**
 * The blocks (or text) a block holds, and where, relative to it: a tool result's content, a
 * search result's, a document's own content (`source.type` `content`: text and image blocks) or
 * plain text (`text`).
 */
function innerOf(block: Json): { at: string; inner: unknown } | undefined {
  if (block.type === "tool_result" || block.type === "search_result") {
    return { at: "/content", inner: block.content };
  }
  const source = block.source;
  if (block.type !== "document" || !isObject(source)) return undefined;
  if (source.type === "content") return { at: "/source/content", inner: source.content };
  if (source.type === "text") return { at: "/source/data", inner: source.data };
  return undefined;
}

/**
 * The view's parts for one Anthropic block at `path`, held by `container` (the images and text
 * inside tool results, search results and documents included).
 */
function viewParts(block: unknown, view: ChatView, path: string, container: unknown[]): Json[] {
  if (typeof block === "string") return [{ type: "text", text: block }];
  if (!isObject(block)) return [];
  if (block.type === "text") return [{ type: "text", text: String(block.text ?? "") }];
  const holds = innerOf(block);
  if (holds) {
    const { at, inner } = holds;
    return typeof inner === "string"
      ? [{ type: "text", text: inner }]
      : Array.isArray(inner)
      ? inner.flatMap((b, i) => viewParts(b, view, `${path}${at}/${i}`, inner))
      : [];
  }
  const source = block.source;
  if (block.type !== "image" || !isObject(source)) return [];
  let url: string;
  if (source.type === "base64") {
    if (typeof source.data !== "string" || typeof source.media_type !== "string") return [];
    url = marker(view.inline.push(`data:${source.media_type};base64,${source.data}`) - 1);
  } else if (source.type === "url" && typeof source.url === "string") {
    // Fetched under intake's guard, planned like any image; sent as bytes only when rendered.
    url = source.url;
  } else {
    return [];
  }
  const site = { url };
  const image = {
    source: source as ImageSource,
    path,
    get ref() {
      return markerRef(site.url) ?? -1;
    },
  } as AnthropicImage;
  // Not enumerable: a change sent to a worker (structured clone) must not copy the whole body.
  Object.defineProperties(image, { block: { value: block }, container: { value: container } });
  view.images.push(image);
  return [{ type: "image_url", image_url: site }];
}

/**
 * The Chat Completions view of `body`: the system text, each message's text and base64 images
 * (a tool result's among its message's parts). A page may be routed to its text, which then
 * takes the image block's place (Anthropic takes a text block wherever an image can be).
 */
export function chatView(body: Json): ChatView {
  const out: ChatView = { view: {}, inline: [], images: [] };
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const system = textOf(body.system);
  out.view = {
    model: body.model,
    messages: [
      ...(system ? [{ role: "system", content: system }] : []),
      ...messages.flatMap((m, i) =>
        isObject(m)
          ? [{
            role: m.role,
            content: typeof m.content === "string"
              ? m.content
              : Array.isArray(m.content)
              ? m.content.flatMap((b, j) =>
                viewParts(b, out, `/messages/${i}/content/${j}`, m.content as unknown[])
              )
              : "",
          }]
          : []
      ),
    ],
  };
  if (Array.isArray(body.tools)) out.view.tools = body.tools;
  return out;
}

/** An image's new data (its media type and base64 payload), or the text sent in its place. */
export interface NewImageData {
  image: AnthropicImage;
  mediaType: string;
  data: string;
  /** Its text goes in its place (before it, when a thumbnail stays). */
  ocr?: { text: string; thumbnail: boolean };
}

/**
 * `raw` (the body as sent) with each image's `data` and `media_type` values replaced, and
 * nothing else touched; undefined when an image's data cannot be found as written (an escaped
 * slash, say), for the caller to fall back to re-serializing.
 */
export function spliceImages(raw: string, changes: readonly NewImageData[]): string[] | undefined {
  const edits: Edit[] = [];
  for (const change of changes) {
    // A block replaced by text is not a splice: the body is written out.
    if (change.ocr) return undefined;
    const source = change.image.source;
    if (source.type === "url") {
      // The whole (flat) source object becomes an inline one.
      const at = stringAt(raw, source.url);
      if (!at) return undefined;
      const from = raw.lastIndexOf("{", at.from), to = raw.indexOf("}", at.to) + 1;
      if (from < 0 || to <= 0) return undefined;
      const inline = { type: "base64", media_type: change.mediaType, data: change.data };
      edits.push({ from, to, text: JSON.stringify(inline) });
      continue;
    }
    const at = stringAt(raw, source.data);
    if (!at) return undefined;
    edits.push({ ...at, text: change.data });
    if (change.mediaType === source.media_type) continue;
    const type = siblingString(raw, at, "media_type");
    if (type?.value !== source.media_type) return undefined;
    edits.push({ ...type, text: change.mediaType });
  }
  return applyEdits(raw, edits);
}
