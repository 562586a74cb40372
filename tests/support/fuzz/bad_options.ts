/**
 * Mutations of the options beside a body's conversation: squint's own `squint` controls, the
 * stream flags, and tools. Each returns what it did, or undefined when the body is no longer an
 * object.
 *
 * @module
 */

import { isPlainObject, type JsonObject } from "./body_paths.ts";
import type { Draft } from "./draft.ts";
import { pick } from "./draw.ts";
import { Raw } from "./encode.ts";
import { deeplyNested, hostileValue } from "./hostile_values.ts";

/** Values each `squint` control does not take. */
const CONTROL_VALUES: Record<string, unknown[]> = {
  optimize: ["maybe", "ON", true],
  fidelity: ["extreme", "", 0.9],
  detail: ["ultra", "LOW", 1],
  ocr: ["sometimes", true, "text+thumbnail+"],
  ocr_budget_ms: [-1, "abc", new Raw("1e999"), 0, 2 ** 53],
  cache: ["always", 1, false],
  cache_ttl_s: [-5, "forever", new Raw("1e999"), 0.0001],
  cascade: ["yes", null, 0],
  strategy: ["fastest", 9, ""],
};

/** The `squint` controls as a hostile value, or one to three controls with values they refuse. */
export function badControls(d: Draft): string | undefined {
  if (!isPlainObject(d.body)) return undefined;
  if (d.rng() < 0.3) {
    const [name, value] = hostileValue(d.rng);
    d.body.squint = value;
    return `squint control object: ${name}`;
  }
  const keys = Object.keys(CONTROL_VALUES);
  const controls: JsonObject = {};
  const said: string[] = [];
  for (let i = 0, n = 1 + Math.floor(d.rng() * 3); i < n; i++) {
    const key = pick(d.rng, keys);
    if (d.rng() < 0.5) {
      const [name, value] = hostileValue(d.rng);
      controls[key] = value;
      said.push(`${key}: ${name}`);
    } else {
      const value = pick(d.rng, CONTROL_VALUES[key]);
      controls[key] = value;
      said.push(`${key}: ${value instanceof Raw ? value.text : JSON.stringify(value)}`);
    }
  }
  d.body.squint = controls;
  return `squint control ${said.join(", ")}`;
}

/** `stream` or `stream_options` of the wrong type. */
export function badStream(d: Draft): string | undefined {
  if (!isPlainObject(d.body)) return undefined;
  // Built afresh for each case: later mutations may change the value in place.
  const [name, [field, value]] = pick(d.rng, [
    ['stream: "true"', ["stream", "true"]],
    ['stream: "yes"', ["stream", "yes"]],
    ["stream: 1", ["stream", 1]],
    ["stream: null", ["stream", null]],
    ["stream: {}", ["stream", {}]],
    ["stream_options: string", ["stream_options", "include_usage"]],
    ["stream_options.include_usage: string", ["stream_options", { include_usage: "yes" }]],
    ["stream with stream_options: 5", ["stream_options", 5]],
  ] as [string, [string, unknown]][]);
  if (name.startsWith("stream with")) d.body.stream = true;
  d.body[field] = value;
  return name;
}

/** `tools`, `tool_choice` or `toolConfig` broken, in one door's format or another's. */
export function badTools(d: Draft): string | undefined {
  if (!isPlainObject(d.body)) return undefined;
  // Built afresh for each case: later mutations may change the value in place.
  const [name, field, value] = pick(d.rng, [
    ["tools as a string", "tools", "get_weather"],
    ["tools [null]", "tools", [null]],
    ["tool without function", "tools", [{ type: "function" }]],
    ["tool name as number", "tools", [{ type: "function", function: { name: 5 } }]],
    ["tool parameters 10,000 deep", "tools", [{
      type: "function",
      name: "f",
      input_schema: deeplyNested("objects"),
      function: { name: "f", parameters: deeplyNested("objects") },
    }]],
    ["Gemini tool with bad declarations", "tools", [{ functionDeclarations: "f" }]],
    ["tool_choice garbage", "tool_choice", { type: "function", function: 1 }],
    ["tool_choice string", "tool_choice", "sometimes"],
    ["toolConfig garbage", "toolConfig", { functionCallingConfig: { mode: 7 } }],
  ] as [string, string, unknown][]);
  d.body[field] = value;
  return name;
}
