/**
 * Models that bill images by another family's rule but are models of their own: their own name,
 * their own price (or none), the family's image rule. Each row says which family and why, with
 * the providers.md source tags (§9) that make the rule shared. Other names of the *same* model
 * (dated snapshots, `-latest` pointers) are the family rows' `aliases`; names no row lists are
 * unknown to the registry, never matched by pattern.
 */

/** A model that takes `family`'s image rule under its own name and price. */
export interface ModelAlias {
  /** The exact model name a client sends. */
  name: string;
  /** The family whose image rule applies. */
  family: string;
  /** providers.md source tags that put this model under that rule. */
  sources: string[];
  /** Why the rule is shared, in one line. */
  why: string;
  /**
   * The price catalogue's entry that lists this exact name (checked by a test); without it the
   * model is priced only if the catalogue has an entry of its own name, else left unpriced.
   */
  priceId?: string;
  /** Tokens, when the window differs from the family's. */
  contextWindow?: number;
}

const CODEX_PATCHES =
  "providers.md §1.5 puts the codex variants in the 1,536-patch row [S2]; no table names this one, so it takes the rule of gpt-5.2-codex, the full-size codex the table does name (inference)";

/** Every alias, by provider. Names are unique, and no alias is a family id or a family alias. */
export const MODEL_ALIASES: readonly ModelAlias[] = [
  // OpenAI: Codex CLI's models before 5.2 (the CLI sends them through the Responses API).
  {
    name: "gpt-5-codex",
    family: "gpt-5.2-codex",
    sources: ["S2"],
    why: CODEX_PATCHES,
    priceId: "gpt-5",
  },
  {
    name: "gpt-5.1-codex",
    family: "gpt-5.2-codex",
    sources: ["S2"],
    why: CODEX_PATCHES,
    priceId: "gpt-5.1",
  },
  {
    name: "gpt-5.1-codex-max",
    family: "gpt-5.2-codex",
    sources: ["S2"],
    why: CODEX_PATCHES,
    priceId: "gpt-5.1",
  },
  // Google: the 2.5 preview checkpoints. The image-understanding rule is stated for "Gemini 2.0
  // and 2.5" as a whole [G1], so each checkpoint bills images as its released model.
  {
    name: "gemini-2.5-flash-preview-04-17",
    family: "gemini-2.5-flash",
    sources: ["G1", "G3"],
    why: "a Gemini 2.5 checkpoint: the 2.x tile rule covers every 2.5 model [G1]",
    priceId: "gemini-2.5-flash-preview",
  },
  {
    name: "gemini-2.5-flash-preview-05-20",
    family: "gemini-2.5-flash",
    sources: ["G1", "G3"],
    why: "a Gemini 2.5 checkpoint: the 2.x tile rule covers every 2.5 model [G1]",
    priceId: "gemini-2.5-flash-preview",
  },
  // The catalogue prices these previews only by a name prefix: they stay unpriced.
  {
    name: "gemini-2.5-flash-lite-preview-06-17",
    family: "gemini-2.5-flash-lite",
    sources: ["G1", "G3"],
    why: "a Gemini 2.5 checkpoint: the 2.x tile rule covers every 2.5 model [G1]",
  },
  {
    name: "gemini-2.5-pro-preview-05-06",
    family: "gemini-2.5-pro",
    sources: ["G1", "G3"],
    why: "a Gemini 2.5 checkpoint: the 2.x tile rule covers every 2.5 model [G1]",
  },
  {
    name: "gemini-2.5-pro-preview-06-05",
    family: "gemini-2.5-pro",
    sources: ["G1", "G3"],
    why: "a Gemini 2.5 checkpoint: the 2.x tile rule covers every 2.5 model [G1]",
  },
];
