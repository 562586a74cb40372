/**
 * Mutations of a body's image: bytes that are no image, or a bomb, or a lie about their type;
 * URLs that answer 404 or HTML or are no URL; and an image part with a hostile value anywhere
 * inside it. Each returns what it did, or undefined when the door carries no images.
 *
 * @module
 */

import { isPlainObject, pathsOf, setAt, show } from "./body_paths.ts";
import { contentParts, type Draft } from "./draft.ts";
import { pick } from "./draw.ts";
import { hostileValue } from "./hostile_values.ts";
import type { FuzzImages, ImageSource } from "./images.ts";

/** Keys only an image part has, in one door's format or another's. */
const IMAGE_KEYS = ["image_url", "source", "inlineData", "fileData"];

/** Broken images by name, some made from `good`, a valid inline image. */
function brokenSources(images: FuzzImages, good: FuzzImages["inline"][number]) {
  return [
    ["broken base64", { mime: "image/png", base64: "!!!not*base64!!!" }],
    ["truncated base64", { mime: good.mime, base64: good.base64.slice(0, 37) }],
    ["base64 of no image", { mime: "image/jpeg", base64: images.notImage }],
    ["truncated JPEG", { mime: "image/jpeg", base64: images.truncated }],
    ["30000×30000 PNG bomb", { mime: "image/png", base64: images.bomb }],
    ["PNG bytes claimed text/plain", { mime: "text/plain", base64: good.base64 }],
    ["PNG bytes claimed image/jpeg", { mime: "image/jpeg", base64: good.base64 }],
    ["empty mime", { mime: "", base64: good.base64 }],
    ["SVG", { mime: "image/svg+xml", base64: btoa("<svg width='1' height='1'/>") }],
    ["empty data", { mime: "image/png", base64: "" }],
    ["bad padding", { mime: "image/png", base64: "AAAA===" }],
    ["URL-safe base64", { mime: good.mime, base64: good.base64.replace(/\+/g, "-") + "_" }],
    ["base64 with line breaks", {
      mime: good.mime,
      base64: good.base64.replace(/(.{60})/g, "$1\n"),
    }],
    ["remote image answering 404", { url: images.remoteMissing }],
    ["remote URL answering HTML", { url: images.remoteNotImage }],
    ["not a URL", { url: "not a url" }],
    ["empty URL", { url: "" }],
    ["data URL without comma", { url: "data:image/png;base64" }],
    ["data URL without base64 flag", { url: `data:image/png,${"\u0089PNG\r\n"}` }],
    ["data URL with wrong mime", { url: `data:application/octet-stream;base64,${good.base64}` }],
    ["bare data:", { url: "data:" }],
  ] as [string, ImageSource][];
}

/** The body's image (or a new one) replaced by a broken one, in the door's own part format. */
export function brokenImage(d: Draft): string | undefined {
  const parts = contentParts(d);
  if (!parts || !d.spec.imagePart) return undefined;
  const good = pick(d.rng, d.images.inline);
  const [name, source] = pick(d.rng, brokenSources(d.images, good));
  const at = parts.findIndex((p) => isPlainObject(p) && IMAGE_KEYS.some((key) => key in p));
  const part = d.spec.imagePart(source);
  if (at >= 0) parts[at] = part;
  else parts.push(part);
  return `broken image: ${name}`;
}

/** A valid image part added, then a hostile value put anywhere inside it. */
export function brokenImagePart(d: Draft): string | undefined {
  const parts = contentParts(d);
  if (!parts || !d.spec.imagePart) return undefined;
  const image = d.spec.imagePart(pick(d.rng, d.images.inline));
  parts.push(image);
  const path = pick(d.rng, pathsOf(image));
  const [name, value] = hostileValue(d.rng);
  setAt(image, path, value);
  return `image part with ${show(path)}: ${name}`;
}
