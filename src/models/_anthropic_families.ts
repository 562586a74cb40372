/** Anthropic families (private to `src/models/`; see `families.ts`). */

import { CLAUDE_HIGH_RES, CLAUDE_STANDARD } from "./image_rules.ts";
import type { ModelFamily } from "./types.ts";

// Anthropic rejects images over 8000 px on a side instead of resizing them [A1].
const ANTHROPIC = { provider: "anthropic", vision: true, maxInputSide: 8000 } as const;

/** Anthropic, §2.3: standard tier, and the high-resolution tier for "Claude 4.7 and later" [A1]. */
export const ANTHROPIC_FAMILIES: ModelFamily[] = [
  {
    ...ANTHROPIC,
    id: "claude-3-5-haiku",
    aliases: ["claude-3-5-haiku-20241022", "claude-3-5-haiku-latest"],
    image: CLAUDE_STANDARD,
    contextWindow: 200_000,
    priceId: "claude-3-5-haiku-latest",
    sources: ["A1", "A2"],
  },
  {
    ...ANTHROPIC,
    id: "claude-haiku-4-5",
    aliases: ["claude-haiku-4-5-20251001"],
    image: CLAUDE_STANDARD,
    contextWindow: 200_000,
    sources: ["A1", "A2"],
  },
  {
    ...ANTHROPIC,
    id: "claude-sonnet-4",
    aliases: ["claude-sonnet-4-20250514", "claude-sonnet-4-0"],
    image: CLAUDE_STANDARD,
    contextWindow: 200_000,
    priceId: "claude-sonnet-4-0",
    sources: ["A1", "A2"],
  },
  {
    ...ANTHROPIC,
    id: "claude-sonnet-4-5",
    aliases: ["claude-sonnet-4-5-20250929"],
    image: CLAUDE_STANDARD,
    contextWindow: 200_000,
    sources: ["A1", "A2"],
  },
  {
    ...ANTHROPIC,
    id: "claude-sonnet-4-6",
    aliases: [],
    image: CLAUDE_STANDARD,
    contextWindow: 1_000_000,
    sources: ["A1", "A2"],
  },
  {
    ...ANTHROPIC,
    id: "claude-opus-4",
    aliases: ["claude-opus-4-20250514", "claude-opus-4-0"],
    image: CLAUDE_STANDARD,
    contextWindow: 200_000,
    priceId: "claude-opus-4-0",
    sources: ["A1", "A2"],
  },
  {
    ...ANTHROPIC,
    id: "claude-opus-4-1",
    aliases: ["claude-opus-4-1-20250805"],
    image: CLAUDE_STANDARD,
    contextWindow: 200_000,
    sources: ["A1", "A2"],
  },
  {
    ...ANTHROPIC,
    id: "claude-opus-4-5",
    aliases: ["claude-opus-4-5-20251101"],
    image: CLAUDE_STANDARD,
    contextWindow: 200_000,
    sources: ["A1", "A2"],
  },
  {
    ...ANTHROPIC,
    id: "claude-opus-4-6",
    aliases: [],
    image: CLAUDE_STANDARD,
    contextWindow: 1_000_000,
    sources: ["A1", "A2"],
  },
  {
    ...ANTHROPIC,
    id: "claude-opus-4-7",
    aliases: [],
    image: CLAUDE_HIGH_RES,
    contextWindow: 1_000_000,
    sources: ["A1", "A2"],
  },
  {
    ...ANTHROPIC,
    id: "claude-opus-4-8",
    aliases: [],
    image: CLAUDE_HIGH_RES,
    contextWindow: 1_000_000,
    sources: ["A1", "A2"],
  },
  {
    ...ANTHROPIC,
    id: "claude-opus-5",
    aliases: [],
    image: CLAUDE_HIGH_RES,
    contextWindow: 1_000_000,
    sources: ["A1", "A2"],
  },
  {
    ...ANTHROPIC,
    id: "claude-sonnet-5",
    aliases: [],
    image: CLAUDE_HIGH_RES,
    contextWindow: 1_000_000,
    sources: ["A1", "A2"],
  },
  {
    ...ANTHROPIC,
    id: "claude-opus-5-5",
    aliases: [],
    image: CLAUDE_HIGH_RES,
    contextWindow: 1_000_000,
    sources: ["A1", "A2"],
  },
  // Not in the catalogue (prices only from secondary sources [P2]): unpriced; windows assumed.
  {
    ...ANTHROPIC,
    id: "claude-sonnet-5-5",
    aliases: [],
    image: CLAUDE_HIGH_RES,
    contextWindow: 1_000_000,
    sources: ["A1", "A2"],
  },
  {
    ...ANTHROPIC,
    id: "claude-haiku-5-5",
    aliases: [],
    image: CLAUDE_HIGH_RES,
    contextWindow: 200_000,
    sources: ["A1", "A2"],
  },
];
