/**
 * What a question asks of an image, from the trained model with a safety policy on top: a
 * glance (the cheapest view) is chosen only when the model's odds for it outweigh five times the
 * chance that the question needs text or fine detail, and never for questions that name a
 * medical image, a count, small print or a reading, or ask for detail ("in detail", "closely");
 * otherwise the next most likely intent is kept.
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

/**
 * A glance that loses text or detail costs an answer; any other mistake costs only tokens. So
 * glance wins only when its probability, less this many times the probability that the question
 * needs text or detail, still beats the next label (minimum expected cost with that cost ratio).
 */
export const GLANCE_RISK_WEIGHT = 5;

const defaultModel = loadModel(stored as IntentWeights);

/**
 * Questions a glance can never answer, whatever the model says: medical images, counts, small
 * print, codes and readings. A deterministic backstop under the learned model.
 */
const NEVER_GLANCE = new RegExp(
  [
    "ultrasound|sonogram|x-?ray|mri|ct scan|radiograph|lesion|mole|rash|dermatolog|biopsy",
    "how many|count the|number of",
    "small print|fine print|serial|dosage|dose|medication|licen[cs]e plate|number plate",
    "meter|gauge|signature|signed",
    "ecograf|échograph|ultraschall|radiograf|cuántos|cuántas|combien|wie viele|quant[ie] |hoeveel",
    "몇 명|몇 개|几个|多少|何人|いくつ|何個|сколько|\\bile\\b|kaç",
    "kenteken|matrícula|immatriculation|kennzeichen|targa|車牌|车牌|ナンバープレート|번호판",
    "expir|best before|use by|保质期|賞味期限|消費期限|유통기한|caducidad|péremption|haltbar|scadenza|vervaldatum|validade",
    "hidden|spot the|find the",
    "in detail|detailed|closely|carefully|thoroughly|en détail|détaillé|en detalle|detallad|im detail|ausführlich|genau|dettagli|em detalhe|detalhad|详细|詳しく|詳細|자세히|подробно",
  ].join("|"),
  "iu",
);

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
    const cue = NEVER_GLANCE.exec(`${input.context ?? ""} ${input.text}`);
    if (cue) {
      const next = ranked[1];
      return {
        label: next.label,
        confidence: next.p,
        reasons: [`“${cue[0]}” needs more than a glance: ${next.label} kept`],
      };
    }
    if (top.p - GLANCE_RISK_WEIGHT * needsDetail < ranked[1].p) {
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
