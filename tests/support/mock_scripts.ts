/**
 * Scripted behaviours of the mock upstream, chosen by the request's `model`:
 *
 * | model             | behaviour                                                                 |
 * |-------------------|---------------------------------------------------------------------------|
 * | `mock-error-NNN`  | HTTP NNN with the real API's error body (`openai_errors.ts`; any 4xx/5xx) |
 * | `mock-reset`      | streams the role chunk and 2 content chunks, then destroys the connection |
 * | `mock-slow`       | streams one content chunk every `slowChunkMs` until `slowMaxChunks`       |
 * | `mock-hang`       | never answers; ends when the client goes away (counted as aborted)        |
 * | `mock-chunks-N`   | answers `tok0 tok1 … tok{N-1}`: N content chunks, N completion tokens     |
 * | `mock-fail-N-NNN` | the first N requests for this name fail with NNN, later ones answer        |
 * | anything else     | answers the echo text of `mock_model.ts`                                  |
 *
 * Errors and `mock-hang` apply to every POST endpoint that takes a model; the streaming
 * scripts apply to chat completions (and `mock-chunks-N` to legacy completions too).
 *
 * @module
 */

/** What the mock does with one request. */
export type Script =
  | { kind: "answer"; chunks?: number }
  | { kind: "error"; status: number }
  | { kind: "flaky"; failures: number; status: number }
  | { kind: "reset" }
  | { kind: "slow" }
  | { kind: "hang" };

const FIXED_SCRIPTS: Record<string, Script> = {
  "mock-reset": { kind: "reset" },
  "mock-slow": { kind: "slow" },
  "mock-hang": { kind: "hang" },
};

const ANSWER: Script = { kind: "answer" };
const PARAMETERISED = /^mock-(error|chunks)-(\d+)$/;

/** Reads the script a model name asks for. */
export function scriptFor(model: string): Script {
  if (!model.startsWith("mock-")) return ANSWER;
  const fixed = FIXED_SCRIPTS[model];
  if (fixed) return fixed;
  const flaky = /^mock-fail-(\d+)-(\d{3})$/.exec(model);
  if (flaky) return { kind: "flaky", failures: Number(flaky[1]), status: Number(flaky[2]) };
  const match = PARAMETERISED.exec(model);
  if (!match) return ANSWER;
  const number = Number(match[2]);
  if (match[1] === "chunks") return { kind: "answer", chunks: number };
  return number >= 400 && number <= 599 ? { kind: "error", status: number } : ANSWER;
}
