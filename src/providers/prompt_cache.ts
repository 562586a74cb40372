/**
 * Anthropic prompt-cache breakpoints squint places when the deployment asks
 * (`SQUINT_PROMPT_CACHE=auto`) and the client placed none: one after tools and system, and one
 * on each of the last two user turns (the newest writes what the next turn reads; the one before
 * reads what this turn's predecessor wrote), within Anthropic's 4-breakpoint limit and only where
 * the prefix reaches the model's minimum cacheable length (providers.md §2.4: below it Anthropic
 * silently does not cache). A client's own markers are never touched: one marker anywhere and
 * nothing is added.
 */

type Json = Record<string, unknown>;

/** Anthropic's limit of breakpoints per request. */
const MAX_BREAKPOINTS = 4;

/** Minimum cacheable prompt tokens by model (the Opus-5-era doc, providers.md §2.4 [A5]). */
const MINIMUM_TOKENS: readonly [RegExp, number][] = [
  [/opus-5|fable-5|mythos-5/, 512],
  [/opus-4-7/, 2048],
  [/opus-4-[56]|haiku-4-5/, 4096],
  [/haiku-3-5|3-5-haiku/, 2048],
  [/./, 1024],
];

/** The smallest prefix the model caches, in tokens. */
export function minimumCacheable(model: string): number {
  return MINIMUM_TOKENS.find(([pattern]) => pattern.test(model))![1];
}

const MARKER = { type: "ephemeral" };

/** Whether the client set `cache_control` anywhere (top level, tools, system, messages). */
export function hasCacheMarkers(body: Json): boolean {
  return "cache_control" in body ||
    JSON.stringify([body.tools, body.system, body.messages]).includes('"cache_control"');
}

/** A rough token count of a JSON value (4 characters a token; images count by their bytes). */
const tokensOf = (value: unknown) => Math.ceil((JSON.stringify(value ?? "") ?? "").length / 4);

/** The blocks of a content value (a string becomes one text block), to mark the last one. */
function asBlocks(content: unknown): Json[] | undefined {
  if (typeof content === "string") return content ? [{ type: "text", text: content }] : undefined;
  return Array.isArray(content) && content.length ? content as Json[] : undefined;
}

/** Places breakpoints on a Messages request body, in place; the number placed. */
export function placeBreakpoints(body: Json): number {
  if (hasCacheMarkers(body)) return 0;
  const minimum = minimumCacheable(String(body.model ?? ""));
  let placed = 0;
  let prefix = tokensOf(body.tools) + tokensOf(body.system);
  const system = asBlocks(body.system);
  const tools = Array.isArray(body.tools) ? body.tools as Json[] : [];
  if (prefix >= minimum && (system || tools.length)) {
    if (system) {
      system[system.length - 1] = { ...system[system.length - 1], cache_control: MARKER };
      body.system = system;
    } else {
      tools[tools.length - 1] = { ...tools[tools.length - 1], cache_control: MARKER };
    }
    placed++;
  }
  const messages = Array.isArray(body.messages) ? body.messages as Json[] : [];
  const users = messages.flatMap((m, i) => (m?.role === "user" ? [i] : [])).slice(-2);
  let at = 0;
  for (const index of users) {
    for (; at <= index; at++) prefix += tokensOf(messages[at]?.content);
    const blocks = asBlocks(messages[index].content);
    if (!blocks || prefix < minimum || placed >= MAX_BREAKPOINTS) continue;
    blocks[blocks.length - 1] = { ...blocks[blocks.length - 1], cache_control: MARKER };
    messages[index] = { ...messages[index], content: blocks };
    placed++;
  }
  return placed;
}

/**
 * Tools sorted by name (`SQUINT_CANONICAL_TOOLS=on`): clients that list the same tools in another
 * order then share one cacheable prefix. Off by default: squint never reorders what a client sent
 * unless the deployment asks. True when the order changed.
 */
export function sortTools(body: Json): boolean {
  if (!Array.isArray(body.tools) || body.tools.length < 2) return false;
  const nameOf = (tool: Json) =>
    String((tool.function as Json | undefined)?.name ?? tool.name ?? "");
  const sorted = [...body.tools as Json[]].sort((a, b) =>
    nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0
  );
  if (sorted.every((tool, i) => tool === (body.tools as Json[])[i])) return false;
  body.tools = sorted;
  return true;
}
