/**
 * The question classifiers (intent, task) compile their patterns and load their weights on first
 * use: ~100-200 ms on the event loop, which the first request with a picture or a routing choice
 * would otherwise wait for. Warmed once when squint starts serving, off any request.
 *
 * @module
 */
import { classifyIntent } from "../optimize/intent/classify.ts";
import { classifyTask } from "../routing/task/classify.ts";

/** Runs each classifier once on a throwaway question. */
export function warmClassifiers(): void {
  classifyIntent({ text: "What is in this picture?" });
  classifyTask({ text: "Summarize this page." });
}
