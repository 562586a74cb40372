/**
 * What a question asks of an image, from the trained model with a safety policy on top: a
 * glance (the cheapest view) is chosen only when the model is sure of it and sees little chance
 * that the question needs text or fine detail; otherwise the next most likely intent is kept.
 */
import type { IntentInput } from "./features.ts";
import {
  type Intent,
  type IntentModel,
  type IntentWeights,
  loadModel,
  probabilities,
} from "./model.ts";
import stored from "./weights.json" with { type: "json" };

/** The intent of one image's question, as `/v1/optimize` reports it. */
export interface IntentDecision {
  label: Intent;
  /** The model's probability of `label`. */
  confidence: number;
  reasons: string[];
}

/** A glance needs at least this probability... */
export const GLANCE_MIN = 0.7;
/** ...and at most this much probability on `read_text` and `fine_detail` together. */
export const NEEDS_DETAIL_MAX = 0.1;

const defaultModel = loadModel(stored as IntentWeights);

/** Classifies with `model` (tests and training pass their own). */
export function classifyWith(model: IntentModel, input: IntentInput): IntentDecision {
  if (!input.text.trim() && !input.context?.trim()) {
    return { label: "general", confidence: 1, reasons: ["no question asked: general"] };
  }
  const p = probabilities(model, input);
  const of = (label: Intent) => p[model.labels.indexOf(label)];
  const ranked = model.labels.map((label, i) => ({ label, p: p[i] })).sort((a, b) => b.p - a.p);
  const top = ranked[0];
  if (top.label === "glance") {
    const needsDetail = of("read_text") + of("fine_detail");
    if (top.p < GLANCE_MIN || needsDetail > NEEDS_DETAIL_MAX) {
      const next = ranked[1];
      return {
        label: next.label,
        confidence: next.p,
        reasons: [
          `glance ${top.p.toFixed(2)} not sure enough (text or detail ${
            needsDetail.toFixed(2)
          }): ${next.label} kept`,
        ],
      };
    }
  }
  return { label: top.label, confidence: top.p, reasons: [`${top.label} ${top.p.toFixed(2)}`] };
}

/** Classifies with the committed model. */
export function classifyIntent(input: IntentInput): IntentDecision {
  return classifyWith(defaultModel, input);
}
