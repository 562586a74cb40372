/**
 * The model families squint knows, as data. Image rules are the newest documented ones (the
 * `2026-11` rules version); `rules_versions.ts` holds the older ones. Context windows come from
 * `@pydantic/genai-prices` 0.1.8 where it has one (a test keeps them in step), otherwise as noted
 * beside the row. Source tags refer to providers.md §9. One private file per provider holds the rows.
 */

import { ANTHROPIC_FAMILIES } from "./_anthropic_families.ts";
import { GOOGLE_FAMILIES } from "./_google_families.ts";
import { OPENAI_PATCH, OPENAI_TILE } from "./_openai_families.ts";
import { LOCAL } from "./image_rules.ts";
import type { ModelFamily } from "./types.ts";

/** Every `ollama/<model>` name: image cost is model-specific and unknown here [O1],[O3]. */
export const LOCAL_FAMILY: ModelFamily = {
  id: "local",
  provider: "ollama",
  aliases: [],
  vision: true,
  image: LOCAL,
  contextWindow: 0,
  sources: ["O1", "O3"],
};

/** All families with the newest rules (`2026-11`). Ids and aliases are unique across the table. */
export const FAMILIES: readonly ModelFamily[] = [
  ...OPENAI_TILE,
  ...OPENAI_PATCH,
  ...ANTHROPIC_FAMILIES,
  ...GOOGLE_FAMILIES,
  LOCAL_FAMILY,
];
