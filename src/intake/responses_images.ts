/**
 * The images of an OpenAI Responses body (`input_image` parts with a `data:` or http(s) URL,
 * which intake fetches under its guard — in the input, tool outputs, and a reusable prompt's
 * variables), seen as a Chat Completions body for the planner
 * (`responsesView`), and the body forwarded with only their `image_url` and `detail` changed
 * (`spliceResponses`). Images by `file_id` are left to OpenAI.
 */
import { marker, markerRef } from "./inline_images.ts";
import { applyEdits, type Edit, siblingString, stringAt } from "./splice.ts";

type Json = Record<string, unknown>;

/** One `input_image` part and its place in the view. */
export interface ResponsesImage {
  part: Json & { image_url: string; detail?: string };
  /** Reference of its value in the view's inline values (a fetched URL gets one at intake). */
  readonly ref: number;
  /** The view's `image_url` object (intake sets its `url` to a marker; the plan its `detail`). */
  site: { url: string; detail?: string };
  /** JSON pointer to the part in the body. */
  path: string;
  /** The part has no `detail` field (a computer call's screenshot). */
  fixedDetail: boolean;
  /** The array that holds the part, where `input_text` can take its place. */
  container?: unknown[];
}

/** A Chat Completions body standing for a Responses one, for planning. */
export interface ResponsesView {
  view: Json;
  inline: string[];
  images: ResponsesImage[];
}

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const TEXT_PARTS = new Set(["input_text", "output_text", "text"]);

/** Image parts: a message's or tool output's `input_image`, a computer call's screenshot. */
const IMAGE_PARTS = new Set(["input_image", "computer_screenshot"]);

/**
 * The view's parts for one part at `path`, held by `container` (an array where text can take its
 * place; none for a computer call's screenshot).
 */
function viewPart(part: unknown, view: ResponsesView, path: string, container?: unknown[]): Json[] {
  if (!isObject(part)) return [];
  if (TEXT_PARTS.has(String(part.type))) return [{ type: "text", text: String(part.text ?? "") }];
  const url = part.image_url;
  if (!IMAGE_PARTS.has(String(part.type)) || typeof url !== "string") return [];
  const inline = url.startsWith("data:");
  if (!inline && !/^https?:/i.test(url)) return [];
  // A data URL is lifted now; an http(s) URL is fetched (and lifted) by intake.
  // A screenshot has no `detail` to set: it is planned at the detail the provider gives it.
  const fixed = part.type === "computer_screenshot";
  const detail = fixed ? "high" : part.detail;
  const site = {
    url: inline ? marker(view.inline.push(url) - 1) : url,
    ...(typeof detail === "string" ? { detail } : {}),
  };
  const image = {
    part: part as ResponsesImage["part"],
    site,
    path,
    fixedDetail: fixed,
    get ref() {
      return markerRef(site.url) ?? -1;
    },
  } as ResponsesImage;
  // Not enumerable: a change sent to a worker (structured clone) must not copy the whole body.
  Object.defineProperty(image, "container", { value: container });
  view.images.push(image);
  return [{ type: "image_url", image_url: site }];
}

/** Tool outputs that can carry pictures, read in the view as the user's turn. */
const TOOL_OUTPUTS = new Set([
  "function_call_output",
  "custom_tool_call_output",
  "computer_call_output",
]);

/** The view's message for one input item at `path`, if it holds text or pictures. */
function viewItem(item: unknown, out: ResponsesView, path: string): Json[] {
  if (!isObject(item)) return [];
  const parts = (content: unknown, at: string): Json[] | string =>
    typeof content === "string"
      ? content
      : Array.isArray(content)
      ? content.flatMap((p, i) => viewPart(p, out, `${at}/${i}`, content))
      : isObject(content)
      ? viewPart(content, out, at)
      : "";
  if (typeof item.role === "string") {
    const role = item.role === "developer" ? "system" : item.role;
    return [{ role, content: parts(item.content, `${path}/content`) }];
  }
  if (!TOOL_OUTPUTS.has(String(item.type))) return [];
  return [{ role: "user", content: parts(item.output, `${path}/output`) }];
}

/** A JSON pointer's reference token for `name` (RFC 6901). */
const pointerToken = (name: string) => name.replaceAll("~", "~0").replaceAll("/", "~1");

/**
 * The view's message for a reusable prompt's variables (`prompt.variables`: strings, or
 * `input_text`, `input_image` and `input_file` parts), which the stored prompt places before the
 * input; an image there has no array for text to take its place.
 */
function viewPromptVariables(prompt: unknown, out: ResponsesView): Json[] {
  const variables = isObject(prompt) ? prompt.variables : undefined;
  if (!isObject(variables)) return [];
  const content = Object.entries(variables).flatMap(([name, value]) =>
    typeof value === "string"
      ? [{ type: "text", text: value }]
      : viewPart(value, out, `/prompt/variables/${pointerToken(name)}`)
  );
  return content.length ? [{ role: "user", content }] : [];
}

/** The Chat Completions view of a Responses body: instructions, messages, inline images. */
export function responsesView(body: Json): ResponsesView {
  const out: ResponsesView = { view: {}, inline: [], images: [] };
  const messages = viewPromptVariables(body.prompt, out);
  if (typeof body.input === "string") messages.push({ role: "user", content: body.input });
  else if (Array.isArray(body.input)) {
    messages.push(...body.input.flatMap((item, i) => viewItem(item, out, `/input/${i}`)));
  }
  if (typeof body.instructions === "string" && body.instructions) {
    messages.unshift({ role: "system", content: body.instructions });
  }
  // A page goes as its text only where text can take its place (not a computer screenshot).
  const textFits = out.images.every((image) => image.container !== undefined);
  out.view = { model: body.model, ...(textFits ? {} : { squint: { ocr: "off" } }), messages };
  return out;
}

/** An image's new `image_url` (a `data:` URL), when it was rendered again, or its text. */
export interface NewResponsesImage {
  image: ResponsesImage;
  url?: string;
  /** Its text goes in its place (before it, when a thumbnail stays). */
  ocr?: { text: string; thumbnail: boolean };
}

/**
 * `raw` with each image's `image_url` and `detail` as planned (`detail` added after the URL
 * when the part had none), nothing else touched; undefined when a URL cannot be found as written.
 */
export function spliceResponses(
  raw: string,
  changes: readonly NewResponsesImage[],
): string[] | undefined {
  const edits: Edit[] = [];
  // A part replaced by text is not a splice: the body is written out.
  if (changes.some((change) => change.ocr)) return undefined;
  for (const { image, url } of changes) {
    const at = stringAt(raw, image.part.image_url);
    if (!at) return undefined;
    if (url !== undefined) edits.push({ ...at, text: url });
    const detail = image.fixedDetail ? undefined : image.site.detail;
    if (detail === undefined || detail === image.part.detail) continue;
    const field = siblingString(raw, at, "detail");
    edits.push(
      field
        ? { ...field, text: detail }
        : { from: at.to + 1, to: at.to + 1, text: `,"detail":${JSON.stringify(detail)}` },
    );
  }
  return applyEdits(raw, edits);
}
