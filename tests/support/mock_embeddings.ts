/**
 * `POST /v1/embeddings` of the mock: one deterministic unit vector per input (see
 * `embeddingVector` in `mock_model.ts`), `dimensions` long (1536 when absent, as
 * text-embedding-3-small), as floats or as base64 float32 (`encoding_format: "base64"`, which
 * the openai-node SDK asks for by default).
 *
 * @module
 */

import { embeddingVector, inputTokens } from "./mock_model.ts";
import { base64Float32, embeddingList } from "./openai_wire.ts";

const DEFAULT_DIMENSIONS = 1536;

/** The inputs of an embeddings request: a string, a token array, or a list of either. */
function inputsOf(input: unknown): unknown[] {
  if (typeof input === "string") return [input];
  if (!Array.isArray(input)) return [];
  return typeof input[0] === "number" ? [input] : input;
}

/** Answers an embeddings request with the `list` body. */
export function answerEmbeddings(body: Record<string, unknown>): Record<string, unknown> {
  const inputs = inputsOf(body.input);
  const dimensions = typeof body.dimensions === "number" ? body.dimensions : DEFAULT_DIMENSIONS;
  const base64 = body.encoding_format === "base64";
  const vectors = inputs.map((item) => {
    const vector = embeddingVector(typeof item === "string" ? item : String(item), dimensions);
    return base64 ? base64Float32(vector) : vector;
  });
  const tokens = inputs.reduce((sum: number, item) => sum + inputTokens(item), 0);
  return embeddingList(String(body.model), vectors, tokens);
}
