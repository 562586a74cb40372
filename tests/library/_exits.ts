/**
 * A program that uses squint in-process and closes it (for in_worker.test.ts): it must end on
 * its own, with nothing left running, and print the decision's action.
 */
import { createSquint } from "../../src/mod.ts";

const squint = createSquint({ workers: 1 });
const optimized = await squint.optimizeImage(Deno.readFileSync(Deno.args[0]), { model: "gpt-4o" });
console.log(optimized.decision.action);
await squint.close();
