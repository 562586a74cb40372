/**
 * Mutations of a body's conversation: the turns of the wrong shape, a role no door has, content
 * parts of unknown or broken kinds, content nested 10,000 deep, 20,000 turns or 50,000 parts.
 * Each returns what it did, or undefined when the door has no conversation or it is gone.
 *
 * @module
 */

import { isPlainObject, setAt } from "./body_paths.ts";
import { contentParts, type Draft } from "./draft.ts";
import { pick } from "./draw.ts";
import { Raw } from "./encode.ts";
import { deeplyNested } from "./hostile_values.ts";

/** The turns (or a field beside them) as something other than a list of turns. */
export function turnsShape(d: Draft): string | undefined {
  if (!isPlainObject(d.body) || !d.spec.turns) return undefined;
  const field = d.rng() < 0.75 ? d.spec.turns : pick(d.rng, ["system", "instructions", "tools"]);
  // Built afresh for each case: later mutations may change the value in place.
  const [name, value] = pick(d.rng, [
    ["a string", "hello"],
    ["an object", { role: "user", content: "hello" }],
    ["a number", 7],
    ["an empty array", []],
    ["[null]", [null]],
    ["[string]", ["hello"]],
    ["[[]]", [[]]],
    ["[a turn without content]", [{ role: "user" }]],
    ["[a turn whose content is an object]", [{
      role: "user",
      content: { type: "text", text: "hi" },
    }]],
    ["[a turn whose parts are a string]", [{ role: "user", parts: "hi", content: "hi" }]],
  ] as [string, unknown][]);
  d.body[field] = value;
  return `${field} as ${name}`;
}

const ODD_ROLES: [string, unknown][] = [
  ["robot", "robot"],
  ["number", 5],
  ["null", null],
  ["empty", ""],
  ["tool without id", "tool"],
  ["assistant only", "assistant"],
  ["model", "model"],
  ["developer", "developer"],
  ["system mid-conversation", "system"],
];

/** The last turn's role, one the door does not take there. */
export function badRole(d: Draft): string | undefined {
  if (!isPlainObject(d.body) || !d.spec.turns) return undefined;
  const turns = d.body[d.spec.turns];
  if (!Array.isArray(turns) || !isPlainObject(turns[0])) return undefined;
  const [name, role] = pick(d.rng, ODD_ROLES);
  turns.at(-1).role = role;
  return `role: ${name}`;
}

/** Parts of kinds squint does not know, or of a known kind but broken (cloned when used). */
const ODD_PARTS: [string, unknown][] = [
  ["unknown type", { type: "audio_blob", data: "AAAA" }],
  ["type as number", { type: 5, text: "hi" }],
  ["type null", { type: null }],
  ["empty type", { type: "" }],
  ["part null", null],
  ["part string", "hello"],
  ["part number", 3],
  ["part array", [{ type: "text", text: "hi" }]],
  ["text part without text", { type: "text" }],
  ["text part with numeric text", { type: "text", text: 12 }],
  ["image_url part without image_url", { type: "image_url" }],
  ["image_url as a number", { type: "image_url", image_url: 12345 }],
  ["image_url as a bare string", { type: "image_url", image_url: "data:image/png;base64,AAAA" }],
  ["input_image part without image_url", { type: "input_image" }],
  ["image part without source", { type: "image" }],
  ["video part with garbage", {
    type: "video_url",
    video_url: { url: "data:video/mp4;base64,AAAA" },
  }],
  ["file part", { type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0=" } }],
  ["inlineData only mime", { inlineData: { mimeType: "image/png" } }],
  ["tool_result with deep content", { type: "tool_result", content: [{ type: "text", text: 5 }] }],
];

/** An odd part inserted anywhere among the content parts. */
export function unknownPart(d: Draft): string | undefined {
  const parts = contentParts(d);
  if (!parts) return undefined;
  const [name, part] = pick(d.rng, ODD_PARTS);
  parts.splice(Math.floor(d.rng() * (parts.length + 1)), 0, structuredClone(part));
  return `content part: ${name}`;
}

/** Nesting 10,000 deep as a text part's text, or as the content itself. */
export function deepContent(d: Draft): string | undefined {
  if (!isPlainObject(d.body) || !d.spec.parts || !d.spec.textPart) return undefined;
  const kind = pick(d.rng, ["arrays", "objects"] as const);
  const deep = deeplyNested(kind);
  const parts = contentParts(d);
  if (d.rng() < 0.5 && parts) {
    parts.push(d.spec.textPart(deep));
    return `nesting 10,000 deep (${kind}) as a text part's text`;
  }
  setAt(d.body, d.spec.parts, deep);
  return `nesting 10,000 deep (${kind}) as the content`;
}

/** 20,000 turns, or 50,000 content parts, each a short text. */
export function hugeArray(d: Draft): string | undefined {
  if (!isPlainObject(d.body) || !d.spec.turns || !d.spec.parts || !d.spec.textPart) {
    return undefined;
  }
  // Serialized now: later mutations neither walk nor grow 20,000 copies.
  const part = JSON.stringify(d.spec.textPart("hi"));
  if (d.rng() < 0.5) {
    const partsField = JSON.stringify(d.spec.parts.at(-1));
    const turn = `{"role":"user",${partsField}:[${part}]}`;
    d.body[d.spec.turns] = new Raw(`[${Array(20_000).fill(turn).join(",")}]`);
    return `${d.spec.turns} of 20,000 turns`;
  }
  setAt(d.body, d.spec.parts, new Raw(`[${Array(50_000).fill(part).join(",")}]`));
  return "50,000 content parts";
}
