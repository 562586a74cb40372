/**
 * What each routable model is good at, as data: a level from 1 (weak) to 5 (strong) per task
 * type, whether it takes tools, and the level each task needs under the `balanced` strategy.
 *
 * Levels are squint's own coarse tiers, read from public comparisons (LMArena text, coding and
 * vision leaderboards; Artificial Analysis intelligence index; each provider's model cards), as
 * of 2026-11. They are an estimate, deliberately coarse: a model is routed to only where the gap
 * is wide enough that a tier says something. Edit the table to change the policy.
 */
import type { TaskLabel } from "./task/classify.ts";

/** One model as routing sees it. */
export interface Capability {
  model: string;
  tools: boolean;
  /** 1 (weak) to 5 (strong), per task type. */
  levels: Record<TaskLabel, number>;
}

const L = (
  coding: number,
  math: number,
  translation: number,
  summarization: number,
  creative_writing: number,
  reasoning: number,
  extraction: number,
  simple_qa: number,
): Record<TaskLabel, number> => ({
  coding,
  math,
  translation,
  summarization,
  creative_writing,
  reasoning,
  extraction,
  simple_qa,
});

/** The models `model: "auto"` chooses among (each also in the model registry, for rules and prices). */
export const CAPABILITIES: readonly Capability[] = [
  //                                       code math tran summ crea reas extr qa
  { model: "gpt-5", tools: true, levels: L(5, 5, 5, 5, 4, 5, 5, 5) },
  { model: "gpt-5-mini", tools: true, levels: L(4, 4, 4, 4, 3, 4, 4, 5) },
  { model: "gpt-5-nano", tools: true, levels: L(3, 3, 3, 3, 2, 3, 4, 4) },
  { model: "gpt-4.1", tools: true, levels: L(4, 3, 4, 4, 4, 4, 5, 5) },
  { model: "gpt-4.1-mini", tools: true, levels: L(4, 3, 4, 4, 3, 3, 4, 5) },
  { model: "gpt-4.1-nano", tools: true, levels: L(2, 2, 3, 3, 2, 2, 3, 4) },
  { model: "gpt-4o", tools: true, levels: L(4, 3, 4, 4, 4, 3, 4, 5) },
  { model: "gpt-4o-mini", tools: true, levels: L(3, 2, 3, 4, 3, 2, 4, 4) },
  { model: "claude-opus-4-1", tools: true, levels: L(5, 5, 5, 5, 5, 5, 5, 5) },
  { model: "claude-sonnet-4-6", tools: true, levels: L(5, 4, 5, 5, 5, 5, 5, 5) },
  { model: "claude-haiku-4-5", tools: true, levels: L(4, 3, 4, 4, 4, 3, 4, 5) },
  { model: "gemini-2.5-pro", tools: true, levels: L(5, 5, 5, 5, 4, 5, 5, 5) },
  { model: "gemini-2.5-flash", tools: true, levels: L(4, 4, 4, 4, 4, 4, 4, 5) },
  { model: "gemini-2.5-flash-lite", tools: true, levels: L(3, 3, 3, 3, 3, 2, 3, 4) },
];

/** The level each task needs under `balanced` (`cheapest` asks only for level 2). */
export const NEEDED_LEVEL: Readonly<Record<TaskLabel, number>> = {
  coding: 4,
  math: 4,
  reasoning: 4,
  translation: 4,
  summarization: 3,
  creative_writing: 3,
  extraction: 3,
  simple_qa: 2,
};

/** The level `cheapest` needs for any task. */
export const CHEAPEST_FLOOR = 2;

/**
 * Cascade policy: the cheaper models a named model may be moved to (same provider, one step
 * down), when cascading is on and the move is safe and cheaper. Conservative by default.
 */
export const CASCADES: Readonly<Record<string, readonly string[]>> = {
  "gpt-5": ["gpt-5-mini"],
  "gpt-4.1": ["gpt-4.1-mini"],
  "gpt-4o": ["gpt-4o-mini"],
  "claude-opus-4-1": ["claude-sonnet-4-6"],
  "claude-sonnet-4-6": ["claude-haiku-4-5"],
  "gemini-2.5-pro": ["gemini-2.5-flash"],
};
