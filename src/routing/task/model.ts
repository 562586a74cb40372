/**
 * The task model: the intent classifier's multinomial logistic regression (optimize/intent) over
 * the same word and character n-grams, with the task cues of cues.ts and its own label set.
 */
import { features, type IntentInput } from "../../optimize/intent/features.ts";
import { type IntentModel, probabilities } from "../../optimize/intent/model.ts";
import { TASK_CUES } from "./cues.ts";

/** What kind of work a chat request asks for (LABELS.md). */
export type TaskLabel =
  | "coding"
  | "math"
  | "translation"
  | "summarization"
  | "creative_writing"
  | "reasoning"
  | "extraction"
  | "simple_qa";

/** Every task label, in the order of the model's outputs. */
export const TASK_LABELS: readonly TaskLabel[] = [
  "coding",
  "math",
  "translation",
  "summarization",
  "creative_writing",
  "reasoning",
  "extraction",
  "simple_qa",
];

/** What the classifier reads of a chat request. */
export interface TaskInput {
  /** The latest user turn. */
  text: string;
  /** The system prompt, when there is one. */
  system?: string;
}

/** A task input in the shape the intent model's scoring and training take. */
export function asIntentInput(input: TaskInput): IntentInput {
  return { text: input.text, context: input.system || undefined };
}

/**
 * How many times the system prompt's cues count again, when the user turn is bare content, as the
 * turn's own cues count once (cross-validated on the training part: 0.925 at 1, 0.929 at 2).
 */
const BARE_SYSTEM_WEIGHT = 2;

/** Cues that name a kind of work; the others describe the shape of a turn. */
const WORK_CUES = [
  "code",
  "math",
  "translate",
  "summarize",
  "compose",
  "genre",
  "deliberate",
  "extract",
] as const;

/**
 * Feature counts of a task input (in its intent-model shape): all features of the user turn, and
 * only the cues of the system prompt, prefixed `x`: an agent's system prompt runs to thousands of
 * characters and must not drown the turn, while its cues ("you are a translator") still count.
 * When the turn itself names no kind of work (bare content: a message to translate, a sentence to
 * tag), the system cues count again as `xb` features: there the system prompt sets the task.
 */
export function taskFeatures(input: IntentInput): Map<string, number> {
  const out = features({ text: input.text }, TASK_CUES);
  if (!input.context) return out;
  const bare = !WORK_CUES.some((cue) => out.has(`k0:${cue}`));
  for (const [name, n] of features({ text: "", context: input.context }, TASK_CUES)) {
    if (!name.startsWith("xk")) continue;
    out.set(name, n);
    if (!bare) continue;
    for (let j = 0; j < BARE_SYSTEM_WEIGHT; j++) out.set(`xb${j}${name.slice(2)}`, n);
  }
  return out;
}

/** The task of one request and the model's probability of it. */
export interface TaskDecision {
  label: TaskLabel;
  confidence: number;
}

/** Classifies with `model` (classify.ts passes the committed one, training its own fits). */
export function classifyTaskWith(model: IntentModel<TaskLabel>, input: TaskInput): TaskDecision {
  // Nothing to read: the cheapest kind of request.
  if (!input.text.trim() && !input.system?.trim()) return { label: "simple_qa", confidence: 1 };
  const p = probabilities(model, asIntentInput(input), taskFeatures);
  let best = 0;
  for (let k = 1; k < p.length; k++) if (p[k] > p[best]) best = k;
  return { label: model.labels[best], confidence: p[best] };
}
