/**
 * What a `model` may be: it travels in headers (`X-Squint-Model`), URLs (Gemini) and the log, so
 * it is printable ASCII and bounded, checked before it reaches any of them.
 */

/** The longest model name squint takes. */
export const MAX_MODEL_NAME = 256;

const PRINTABLE = /^[\x21-\x7e]+$/;

/** Why `model` cannot be a model name, or undefined when it can. */
export function modelNameProblem(model: string): string | undefined {
  if (model.length === 0) return "model: required string";
  if (model.length > MAX_MODEL_NAME) {
    return `model: at most ${MAX_MODEL_NAME} characters (got ${model.length})`;
  }
  if (!PRINTABLE.test(model)) {
    return "model: only printable ASCII characters without spaces (no control or non-ASCII characters)";
  }
  return undefined;
}
