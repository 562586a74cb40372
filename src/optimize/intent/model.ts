/**
 * The intent model: multinomial logistic regression over the features of features.ts. Weights
 * are data (weights.json, written by train.ts); scoring is a sparse dot product and a softmax.
 */
import { features, type IntentInput } from "./features.ts";

/** Feature counts of an input; `features` of features.ts unless a classifier brings its own cues. */
export type Featurize = (input: IntentInput) => Map<string, number>;

/** What a question asks of an image (CONTRACT.md `images[].intent.label`). */
export type Intent = "glance" | "read_text" | "fine_detail" | "region" | "general";

/** Every intent, in the order of the model's outputs. */
export const INTENTS: readonly Intent[] = [
  "glance",
  "read_text",
  "fine_detail",
  "region",
  "general",
];

/** A trained model as stored (`L`: the label set, the intents unless another classifier's). */
export interface IntentWeights<L extends string = Intent> {
  labels: L[];
  bias: number[];
  vocabulary: string[];
  /** `vocabulary.length × labels.length`, row-major. */
  weights: number[];
}

/** A model ready to score: the vocabulary indexed. */
export interface IntentModel<L extends string = Intent> {
  labels: readonly L[];
  bias: readonly number[];
  index: ReadonlyMap<string, number>;
  weights: ArrayLike<number>;
}

/** Indexes stored weights for scoring. */
export function loadModel<L extends string = Intent>(stored: IntentWeights<L>): IntentModel<L> {
  return {
    labels: stored.labels,
    bias: stored.bias,
    index: new Map(stored.vocabulary.map((f, i) => [f, i])),
    weights: Float64Array.from(stored.weights),
  };
}

/** The vocabulary indices present in `input`, each with its (normalized) value. */
export function featureVector(
  index: ReadonlyMap<string, number>,
  input: IntentInput,
  featurize: Featurize = features,
): { ids: number[]; value: number } {
  const ids: number[] = [];
  for (const name of featurize(input).keys()) {
    const id = index.get(name);
    if (id !== undefined) ids.push(id);
  }
  // Binary features scaled to unit length: long and short questions weigh alike.
  return { ids, value: ids.length ? 1 / Math.sqrt(ids.length) : 0 };
}

/** Softmax over raw scores, in place. */
export function softmax(scores: number[]): number[] {
  const max = Math.max(...scores);
  let sum = 0;
  for (let k = 0; k < scores.length; k++) sum += scores[k] = Math.exp(scores[k] - max);
  for (let k = 0; k < scores.length; k++) scores[k] /= sum;
  return scores;
}

/** Class probabilities for `input`, in the order of `model.labels`. */
export function probabilities<L extends string>(
  model: IntentModel<L>,
  input: IntentInput,
  featurize: Featurize = features,
): number[] {
  const k = model.labels.length;
  const scores = [...model.bias];
  const { ids, value } = featureVector(model.index, input, featurize);
  for (const id of ids) {
    for (let c = 0; c < k; c++) scores[c] += model.weights[id * k + c] * value;
  }
  return softmax(scores);
}
