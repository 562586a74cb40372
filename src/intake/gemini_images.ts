/**
 * The images of a Gemini `generateContent` body: `inlineData` parts (base64 with its MIME type,
 * camelCase or snake_case as the REST API takes both) and `fileData` parts with an http(s) URI
 * (fetched under intake's guard; `gs://` and Files-API URIs are Gemini's and pass untouched),
 * seen as a Chat Completions body for the planner (`geminiView`), and the body forwarded with only
 * their data changed (`spliceGemini`).
 */
import { marker, markerRef } from "./inline_images.ts";
import { detailOfLevel, levelOfDetail, takesPartLevels } from "../models/media_resolution.ts";
import type { Detail } from "../models/types.ts";
import { applyEdits, type Edit, siblingString, stringAt } from "./splice.ts";

type Json = Record<string, unknown>;

/** One image part of the body, and its place in the view. */
export interface GeminiImage {
  /** The part object (`{inlineData}` or `{fileData}`). */
  part: Json;
  /** Its data holder: `inlineData` / `inline_data`, or `fileData` / `file_data`. */
  holder: Json;
  /** Reference of its value in the view's inline values (a fetched URI gets one at intake). */
  readonly ref: number;
  /** JSON pointer to the part in the body. */
  path: string;
  /** The array that holds the part (where text or inline data can take its place). */
  container: unknown[];
  /** The view's `image_url` object (intake sets its `url` to a marker; the plan its `detail`). */
  site: { url: string; detail?: Detail };
  /** The detail its `media_resolution` level asks for (its own, else the request's). */
  asked: Detail;
  /** The model takes a level per part (Gemini 3): a planned detail is sent as one. */
  levels: boolean;
}

/** A Chat Completions body standing for a Gemini one, for planning. */
export interface GeminiView {
  view: Json;
  inline: string[];
  images: GeminiImage[];
}

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The first of a camelCase and a snake_case field. */
const field = (object: Json, camel: string, snake: string): unknown =>
  object[camel] ?? object[snake];

/** The request's `generationConfig.mediaResolution` and whether its model takes part levels. */
interface Levels {
  global: unknown;
  perPart: boolean;
}

function viewPart(
  part: unknown,
  view: GeminiView,
  path: string,
  container: unknown[],
  levels: Levels,
): Json[] {
  if (!isObject(part)) return [];
  if (typeof part.text === "string") return part.thought ? [] : [{ type: "text", text: part.text }];
  const inline = field(part, "inlineData", "inline_data");
  const file = field(part, "fileData", "file_data");
  let url: string;
  let holder: Json;
  if (isObject(inline)) {
    const mime = field(inline, "mimeType", "mime_type");
    if (typeof inline.data !== "string" || typeof mime !== "string") return [];
    if (!mime.startsWith("image/")) return [];
    url = marker(view.inline.push(`data:${mime};base64,${inline.data}`) - 1);
    holder = inline;
  } else if (isObject(file)) {
    const uri = field(file, "fileUri", "file_uri");
    const mime = field(file, "mimeType", "mime_type");
    // Only a picture squint can fetch; Gemini's own files (gs://, Files API) stay its business.
    if (typeof uri !== "string" || !/^https?:/i.test(uri)) return [];
    if (typeof mime === "string" && !mime.startsWith("image/")) return [];
    if (/^https:\/\/generativelanguage\.googleapis\.com\//i.test(uri)) return [];
    url = uri;
    holder = file;
  } else {
    return [];
  }
  const own = field(part, "mediaResolution", "media_resolution");
  const asked = detailOfLevel(isObject(own) ? own.level : undefined) ??
    detailOfLevel(levels.global) ?? "auto";
  // A level squint has no detail for (MEDIUM, ULTRA_HIGH) is the client's: left as it is.
  if (asked === "none") return [];
  const site: GeminiImage["site"] = { url, ...(asked === "auto" ? {} : { detail: asked }) };
  const image = {
    part,
    holder,
    path,
    site,
    asked,
    levels: levels.perPart,
    get ref() {
      return markerRef(site.url) ?? -1;
    },
  } as GeminiImage;
  // Not enumerable: a change sent to a worker (structured clone) must not copy the whole body.
  Object.defineProperty(image, "container", { value: container });
  view.images.push(image);
  return [{ type: "image_url", image_url: site }];
}

function partsOf(content: unknown, view: GeminiView, path: string, levels: Levels): Json[] {
  const parts = isObject(content) ? content.parts : undefined;
  if (!Array.isArray(parts)) return [];
  return parts.flatMap((part, i) => viewPart(part, view, `${path}/parts/${i}`, parts, levels));
}

/**
 * The Chat Completions view of a Gemini body (`model` from its URL); a countTokens body's whole
 * `generateContentRequest`, when it has no `contents` of its own, is viewed in its place.
 */
export function geminiView(outer: Json, model: string): GeminiView {
  const out: GeminiView = { view: {}, inline: [], images: [] };
  const inner = field(outer, "generateContentRequest", "generate_content_request");
  const [body, at] = outer.contents === undefined && isObject(inner)
    ? [inner, "/generateContentRequest"]
    : [outer, ""];
  const contents = Array.isArray(body.contents) ? body.contents : [];
  const config = field(body, "generationConfig", "generation_config");
  const levels: Levels = {
    global: isObject(config) ? field(config, "mediaResolution", "media_resolution") : undefined,
    perPart: takesPartLevels(model),
  };
  const messages: Json[] = contents.flatMap((content, i) =>
    isObject(content)
      ? [{
        role: content.role === "model" ? "assistant" : "user",
        content: partsOf(content, out, `${at}/contents/${i}`, levels),
      }]
      : []
  );
  const system = field(body, "systemInstruction", "system_instruction");
  const systemText = isObject(system) && Array.isArray(system.parts)
    ? system.parts.filter(isObject).map((p) => String(p.text ?? "")).join("\n")
    : "";
  if (systemText) messages.unshift({ role: "system", content: systemText });
  out.view = { model, messages };
  return out;
}

/** An image's new inline data, its new `media_resolution` level, or the text sent in its place. */
export interface NewGeminiImage {
  image: GeminiImage;
  mimeType?: string;
  data?: string;
  level?: string;
  ocr?: { text: string; thumbnail: boolean };
}

/** The level to send with `image` when its plan changed the detail its level asked for. */
export function plannedLevel(image: GeminiImage): string | undefined {
  const detail = image.site.detail ?? "auto";
  return image.levels && detail !== image.asked ? levelOfDetail(detail) : undefined;
}

/**
 * `raw` with each inline image's `data` and MIME type replaced, nothing else touched; undefined
 * when a change is more than that (a fetched file now inline, a level, text in a picture's
 * place) or an image's data cannot be found as written, for the caller to write the body out.
 */
export function spliceGemini(
  raw: string,
  changes: readonly NewGeminiImage[],
): string[] | undefined {
  const edits: Edit[] = [];
  for (const { image, mimeType, data, level, ocr } of changes) {
    if (ocr || level || data === undefined || typeof image.holder.data !== "string") {
      return undefined;
    }
    const at = stringAt(raw, image.holder.data);
    if (!at) return undefined;
    edits.push({ ...at, text: data });
    const was = field(image.holder, "mimeType", "mime_type");
    if (mimeType === undefined || mimeType === was) continue;
    const type = siblingString(raw, at, "mimeType") ?? siblingString(raw, at, "mime_type");
    if (!type || type.value !== was) return undefined;
    edits.push({ from: type.from, to: type.to, text: mimeType });
  }
  return applyEdits(raw, edits);
}
