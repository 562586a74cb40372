/**
 * Requests whose answer comes from the live world — a web search or fetch, code run in a sandbox
 * or a container the provider keeps, MCP servers, a store of files — so the same body can rightly
 * get another answer later: an answer kept for it would go stale, and is never cached (concurrent
 * identical calls may still share one answer). Read from each API's own fields: OpenAI's
 * `web_search_options` and Responses tools, Anthropic's server tools, `container` and
 * `mcp_servers`, Gemini's grounding and tool fields.
 *
 * @module
 */

type Json = Record<string, unknown>;

/** Tool `type`s (OpenAI Responses, Anthropic server tools, versioned by suffix) that reach out. */
const LIVE_TOOL_TYPE =
  /^(web_search|web_fetch|file_search|code_interpreter|code_execution|bash_code_execution|mcp)/;

/** Gemini tool fields (either spelling) that reach out. */
const LIVE_GEMINI_TOOLS = [
  "googleSearch",
  "google_search",
  "googleSearchRetrieval",
  "google_search_retrieval",
  "urlContext",
  "url_context",
  "googleMaps",
  "google_maps",
  "fileSearch",
  "file_search",
  "codeExecution",
  "code_execution",
];

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Why `body`'s answer comes from the live world, if it does (the cache's reason). */
export function liveSource(body: Json): string | undefined {
  if (body.web_search_options != null) return "searches the web (web_search_options)";
  if (body.container != null) return "runs in a container the provider keeps (container)";
  if (Array.isArray(body.mcp_servers) && body.mcp_servers.length > 0) {
    return "calls MCP servers (mcp_servers)";
  }
  const tools = Array.isArray(body.tools) ? body.tools.filter(isObject) : [];
  for (const tool of tools) {
    if (typeof tool.type === "string" && LIVE_TOOL_TYPE.test(tool.type)) {
      return `uses the ${tool.type} tool, whose results change`;
    }
    const gemini = LIVE_GEMINI_TOOLS.find((name) => tool[name] != null);
    if (gemini) return `uses the ${gemini} tool, whose results change`;
  }
  return undefined;
}
