/**
 * Dated versions of the image rules. The providers rewrote their docs several times in 2025–2026
 * (providers.md §1.5, §2.3, §3.3); the newest reading is the default, the older ones stay
 * selectable so past traffic can be re-priced as it was billed then. Each older version lists only
 * the families whose rule differs from the next newer version.
 */

import { ANTHROPIC_FAMILIES } from "./_anthropic_families.ts";
import {
  BUDGET_1536,
  CLAUDE_LEGACY,
  FIT_512,
  flatPatchRule,
  GEMINI_25_MEDIA_RESOLUTION,
  GEMINI_TILES,
  HIGH_2500,
  ORIGINAL_10000,
} from "./image_rules.ts";
import type { ImageRule, ModelFamily } from "./types.ts";

/**
 * Which dated reading of the providers' docs the image rules follow.
 *
 * - `2026-11` (default): the newest copies. OpenAI late-2026 guide [S1] (gpt-5-mini ×1.2,
 *   gpt-5-nano ×1.5, gpt-5.4-mini/nano ×1.2, gpt-5.2 and gpt-4.1-mini at 6,144 patches, gpt-5.4
 *   `low` 6,144 patches); Anthropic 28-px rule with two tiers [A1],[A2]; Gemini 2.0/2.5 tile
 *   rule, repeated by the tokens page dated 2026-09-04 [G3] — newer than the media-resolution page
 *   (2026-02-19) [G2], so it is the 2.5 default.
 * - `2026-06`: mid-2026 guide [S2] (small patch models ×1.62/×2.46 with a 1,536-patch budget,
 *   gpt-5.4 `low` fits 512²); Anthropic 28-px rule; Gemini 2.5 billed by the `media_resolution`
 *   table [G2], the newest dated Gemini statement as of mid-2026.
 * - `2025`: the 2025 guide [S3] and late-2025 copies [S3b] (same patch figures as `2026-06` for the
 *   models then available); Anthropic legacy ≈ w·h/750 [A3]; Gemini 2.x tiles [G1].
 */
export type RulesVersion = "2026-11" | "2026-06" | "2025";

/** Every rules version, newest first. */
export const RULES_VERSIONS: readonly RulesVersion[] = ["2026-11", "2026-06", "2025"];

/** The version used when none is configured: the newest. */
export const DEFAULT_RULES_VERSION: RulesVersion = "2026-11";

/** A family's rule in an older version, with the sources that state it. */
interface RuleChange {
  image: ImageRule;
  sources: string[];
}

const GEMINI_25 = ["gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite"];

function forEach(ids: readonly string[], change: RuleChange): Record<string, RuleChange> {
  return Object.fromEntries(ids.map((id) => [id, change]));
}

/** Mid-2026 guide [S2]: 1,536-patch budgets, the pre-1.2 multipliers, gpt-5.4 `low` at 512². */
const MID_2026: Record<string, RuleChange> = {
  "gpt-4.1-mini": { image: flatPatchRule(1.62, BUDGET_1536), sources: ["S2"] },
  // S2 lists no multiplier for gpt-5.2; 1.2 is the late doc's, also reported earlier [C2].
  "gpt-5.2": { image: flatPatchRule(1.2, BUDGET_1536), sources: ["S2", "C2"] },
  "gpt-5-mini": { image: flatPatchRule(1.62, BUDGET_1536), sources: ["S2"] },
  "gpt-5-nano": { image: flatPatchRule(2.46, BUDGET_1536), sources: ["S2"] },
  "gpt-5.4-mini": { image: flatPatchRule(1.62, BUDGET_1536), sources: ["S2"] },
  "gpt-5.4-nano": { image: flatPatchRule(2.46, BUDGET_1536), sources: ["S2"] },
  // Inferred: the codex minis follow gpt-5-mini.
  ...forEach(["gpt-5-codex-mini", "gpt-5.1-codex-mini"], {
    image: flatPatchRule(1.62, BUDGET_1536),
    sources: ["S2"],
  }),
  // S2 lists no multiplier for gpt-5.4 either (providers.md open question 4); 1.2 as in S1.
  "gpt-5.4": {
    image: {
      kind: "patch",
      patchSize: 32,
      multiplier: 1.2,
      low: FIT_512,
      high: HIGH_2500,
      original: ORIGINAL_10000,
      auto: "high",
    },
    sources: ["S2", "S1"],
  },
  ...forEach(GEMINI_25, { image: GEMINI_25_MEDIA_RESOLUTION, sources: ["G2"] }),
};

/** 2025 docs: OpenAI figures as mid-2026 [S3],[S3b]; Claude legacy [A3]; Gemini 2.5 tiles [G1]. */
const YEAR_2025: Record<string, RuleChange> = {
  "gpt-4.1-mini": { image: flatPatchRule(1.62, BUDGET_1536), sources: ["S3"] },
  "gpt-4.1-nano": { image: flatPatchRule(2.46, BUDGET_1536), sources: ["S3"] },
  "o4-mini": { image: flatPatchRule(1.72, BUDGET_1536), sources: ["S3"] },
  "gpt-5-mini": { image: flatPatchRule(1.62, BUDGET_1536), sources: ["S3b"] },
  "gpt-5-nano": { image: flatPatchRule(2.46, BUDGET_1536), sources: ["S3b"] },
  ...forEach(ANTHROPIC_FAMILIES.map((f) => f.id), { image: CLAUDE_LEGACY, sources: ["A3"] }),
  ...forEach(GEMINI_25, { image: GEMINI_TILES, sources: ["G1"] }),
};

/** Per version, the change tables to consult, most specific first. */
const CHANGES: Record<RulesVersion, readonly Record<string, RuleChange>[]> = {
  "2026-11": [],
  "2026-06": [MID_2026],
  "2025": [YEAR_2025, MID_2026],
};

/** `family` as the given rules version describes it: same family, that version's image rule. */
export function familyForVersion(family: ModelFamily, version: RulesVersion): ModelFamily {
  for (const table of CHANGES[version]) {
    const change = table[family.id];
    if (change) return { ...family, image: change.image, sources: change.sources };
  }
  return family;
}

/** True when `value` names a rules version (for validating configuration). */
export function isRulesVersion(value: unknown): value is RulesVersion {
  return RULES_VERSIONS.includes(value as RulesVersion);
}
