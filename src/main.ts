/** squint's server entry (`deno task serve`): the same as `squint serve`, see `cli/serve.ts`. */
import { exit } from "./cli/exit.ts";
import { serve } from "./cli/serve.ts";

if (import.meta.main) await exit(await serve());
