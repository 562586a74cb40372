/**
 * Trains the intent model on the labelled prompts (prompts.jsonl) and writes weights.json:
 * `deno task train-intent`. Deterministic: a fixed held-out split (a stable hash of each prompt
 * puts one in five aside), zero initial weights, full-batch gradient descent with Adam and an
 * L2 penalty. Prints accuracy and the confusion matrix on the held-out split, after the safety
 * policy of classify.ts is applied.
 */
import { features, type IntentInput } from "./features.ts";
import {
  featureVector,
  type Featurize,
  type Intent,
  type IntentModel,
  INTENTS,
  type IntentWeights,
  loadModel,
  softmax,
} from "./model.ts";

/** One labelled prompt (`L`: the label set, the intents unless another classifier's). */
export interface LabelledPrompt<L extends string = Intent> extends IntentInput {
  label: L;
  lang?: string;
  hard?: boolean;
}

const PROMPTS = [
  new URL("./prompts.jsonl", import.meta.url),
  new URL("./prompts_more.jsonl", import.meta.url),
  new URL("./prompts_third.jsonl", import.meta.url),
];
const WEIGHTS = new URL("./weights.json", import.meta.url);
/** A feature enters the vocabulary when at least this many training prompts have it. */
const MIN_DOCUMENTS = 2;
const EPOCHS = 400;
const LEARNING_RATE = 0.05;
const L2 = 3e-5;

/** Reads the labelled prompt files. */
export function readPrompts<L extends string = Intent>(
  urls: readonly URL[] = PROMPTS,
): LabelledPrompt<L>[] {
  return urls.flatMap((url) =>
    Deno.readTextFileSync(url).split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l))
  );
}

/** FNV-1a over the prompt's text and context: a split that never changes between runs. */
function stableHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** True for the fifth of the prompts held out from training. */
export function isHeldOut(p: IntentInput): boolean {
  return stableHash(`${p.context ?? ""}\u0000${p.text}`) % 5 === 0;
}

function vocabulary(
  prompts: readonly IntentInput[],
  featurize: Featurize,
  minDocuments: number,
): string[] {
  const documents = new Map<string, number>();
  for (const p of prompts) {
    for (const f of featurize(p).keys()) documents.set(f, (documents.get(f) ?? 0) + 1);
  }
  return [...documents].filter(([, n]) => n >= minDocuments).map(([f]) => f).sort();
}

/**
 * What another classifier built on this trainer changes; every field defaults to the intent
 * model's own setting.
 */
export interface TrainOptions<L extends string> {
  labels?: readonly L[];
  features?: Featurize;
  minDocuments?: number;
  epochs?: number;
  learningRate?: number;
  l2?: number;
}

/** Fits the weights on `prompts`. */
export function train<L extends string = Intent>(
  prompts: readonly LabelledPrompt<L>[],
  options: TrainOptions<L> = {},
): IntentWeights<L> {
  const labels = [...(options.labels ?? (INTENTS as readonly string[] as readonly L[]))];
  const featurize = options.features ?? features;
  const epochs = options.epochs ?? EPOCHS;
  const learningRate = options.learningRate ?? LEARNING_RATE;
  const l2 = options.l2 ?? L2;
  const k = labels.length;
  const vocab = vocabulary(prompts, featurize, options.minDocuments ?? MIN_DOCUMENTS);
  const index = new Map(vocab.map((f, i) => [f, i]));
  const rows = prompts.map((p) => ({
    ...featureVector(index, p, featurize),
    y: labels.indexOf(p.label),
  }));
  const size = vocab.length * k + k; // weights, then biases
  const theta = new Float64Array(size);
  const m = new Float64Array(size);
  const v = new Float64Array(size);
  const grad = new Float64Array(size);
  const bias = vocab.length * k;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    grad.fill(0);
    for (const row of rows) {
      const scores = theta.slice(bias, bias + k) as unknown as number[];
      const s = Array.from(scores);
      for (const id of row.ids) for (let c = 0; c < k; c++) s[c] += theta[id * k + c] * row.value;
      const p = softmax(s);
      for (let c = 0; c < k; c++) {
        const g = (p[c] - (c === row.y ? 1 : 0)) / rows.length;
        grad[bias + c] += g;
        for (const id of row.ids) grad[id * k + c] += g * row.value;
      }
    }
    for (let i = 0; i < bias; i++) grad[i] += l2 * theta[i];
    // Adam.
    const b1 = 0.9, b2 = 0.999;
    for (let i = 0; i < size; i++) {
      m[i] = b1 * m[i] + (1 - b1) * grad[i];
      v[i] = b2 * v[i] + (1 - b2) * grad[i] * grad[i];
      const mh = m[i] / (1 - b1 ** epoch);
      const vh = v[i] / (1 - b2 ** epoch);
      theta[i] -= learningRate * mh / (Math.sqrt(vh) + 1e-8);
    }
  }
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  return {
    labels,
    bias: Array.from(theta.slice(bias), round),
    vocabulary: vocab,
    weights: Array.from(theta.slice(0, bias), round),
  };
}

/** Accuracy and confusion matrix (rows: truth, columns: prediction, in label order). */
export interface IntentEvaluation<L extends string = Intent> {
  n: number;
  accuracy: number;
  confusion: number[][];
  /** read_text or fine_detail prompts classified `glance`: the errors that lose answers. */
  unsafe: LabelledPrompt<L>[];
  errors: { prompt: LabelledPrompt<L>; predicted: L; confidence: number }[];
}

/** Scores `classify` on `prompts`; `labels` orders the confusion matrix (default INTENTS). */
export function evaluate<L extends string = Intent>(
  prompts: readonly LabelledPrompt<L>[],
  classify: (input: LabelledPrompt<L>) => { label: L; confidence: number },
  labels: readonly L[] = INTENTS as readonly string[] as readonly L[],
): IntentEvaluation<L> {
  const confusion = labels.map(() => labels.map(() => 0));
  const errors: IntentEvaluation<L>["errors"] = [];
  let right = 0;
  for (const prompt of prompts) {
    const { label, confidence } = classify(prompt);
    confusion[labels.indexOf(prompt.label)][labels.indexOf(label)]++;
    if (label === prompt.label) right++;
    else errors.push({ prompt, predicted: label, confidence });
  }
  const unsafe = errors.filter((e) =>
    e.predicted === "glance" && (e.prompt.label === "read_text" || e.prompt.label === "fine_detail")
  ).map((e) => e.prompt);
  return {
    n: prompts.length,
    accuracy: prompts.length ? right / prompts.length : 0,
    confusion,
    unsafe,
    errors,
  };
}

/** The confusion matrix as a plain table; `labels` as given to `evaluate`. */
export function formatConfusion<L extends string = Intent>(
  e: IntentEvaluation<L>,
  labels: readonly L[] = INTENTS as readonly string[] as readonly L[],
): string {
  const width = Math.max(12, ...labels.map((l) => l.length + 1));
  const head = "truth \\ predicted".padEnd(18) + labels.map((l) => l.padStart(width)).join("");
  const rows = labels.map((l, i) =>
    l.padEnd(18) + e.confusion[i].map((n) => String(n).padStart(width)).join("")
  );
  return [head, ...rows].join("\n");
}

if (import.meta.main) {
  const { classifyWith } = await import("./classify.ts");
  const prompts = readPrompts();
  const trainSet = prompts.filter((p) => !isHeldOut(p));
  const heldOut = prompts.filter(isHeldOut);
  const started = performance.now();
  const weights = train(trainSet);
  const model: IntentModel = loadModel(weights);
  Deno.writeTextFileSync(WEIGHTS, JSON.stringify(weights) + "\n");
  const result = evaluate(heldOut, (p) => classifyWith(model, p));
  console.log(
    `trained on ${trainSet.length} prompts (${weights.vocabulary.length} features) in ${
      Math.round(performance.now() - started)
    } ms; held out ${heldOut.length}`,
  );
  console.log(
    `held-out accuracy ${
      result.accuracy.toFixed(3)
    }; read_text/fine_detail → glance: ${result.unsafe.length}`,
  );
  console.log(formatConfusion(result));
  for (const e of result.errors) {
    console.log(
      `  ${e.prompt.label} → ${e.predicted} (${e.confidence.toFixed(2)}): ${
        e.prompt.context ? `[${e.prompt.context}] ` : ""
      }${e.prompt.text}`,
    );
  }
}
