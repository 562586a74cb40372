/** Google families (private to `src/models/`; see `families.ts`). */

import { GEMINI_3_MEDIA_RESOLUTION, GEMINI_TILES } from "./image_rules.ts";
import type { ModelFamily } from "./types.ts";

const GOOGLE = { provider: "google", vision: true } as const;

/** Google: tiles on 2.x (§3.2), `media_resolution` on 3.x (§3.3). */
export const GOOGLE_FAMILIES: ModelFamily[] = [
  {
    ...GOOGLE,
    id: "gemini-2.0-flash",
    aliases: ["gemini-2.0-flash-001"],
    image: GEMINI_TILES,
    contextWindow: 1_000_000,
    sources: ["G1", "G3"],
  },
  {
    ...GOOGLE,
    id: "gemini-2.0-flash-lite",
    aliases: ["gemini-2.0-flash-lite-001"],
    image: GEMINI_TILES,
    contextWindow: 1_000_000,
    sources: ["G1", "G3"],
  },
  // gemini-2.5-pro and the 3.x Pro previews have no catalogue window: 1,048,576 from Google's model pages.
  {
    ...GOOGLE,
    id: "gemini-2.5-pro",
    aliases: [],
    image: GEMINI_TILES,
    contextWindow: 1_048_576,
    sources: ["G1", "G3"],
  },
  {
    ...GOOGLE,
    id: "gemini-2.5-flash",
    aliases: ["gemini-2.5-flash-preview-09-2025"],
    image: GEMINI_TILES,
    contextWindow: 1_048_576,
    sources: ["G1", "G3"],
  },
  {
    ...GOOGLE,
    id: "gemini-2.5-flash-lite",
    aliases: ["gemini-2.5-flash-lite-preview-09-2025"],
    image: GEMINI_TILES,
    contextWindow: 1_000_000,
    sources: ["G1", "G3"],
  },
  {
    ...GOOGLE,
    id: "gemini-3-pro-preview",
    aliases: [],
    image: GEMINI_3_MEDIA_RESOLUTION,
    contextWindow: 1_048_576,
    sources: ["G2"],
  },
  {
    ...GOOGLE,
    id: "gemini-3.1-pro-preview",
    aliases: [],
    image: GEMINI_3_MEDIA_RESOLUTION,
    contextWindow: 1_048_576,
    sources: ["G2"],
  },
  {
    ...GOOGLE,
    id: "gemini-3-flash-preview",
    aliases: [],
    image: GEMINI_3_MEDIA_RESOLUTION,
    contextWindow: 1_000_000,
    sources: ["G2"],
  },
];
