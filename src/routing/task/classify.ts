/**
 * What kind of work a chat request asks for, for `model: "auto"` routing: the trained task model
 * (model.ts, weights.json written by train.ts) over the latest user turn, with the system prompt's
 * cues as context.
 */
import { clip, messageText } from "../../optimize/intent/conversation.ts";
import { type IntentWeights, loadModel } from "../../optimize/intent/model.ts";
import {
  classifyTaskWith,
  TASK_LABELS,
  type TaskDecision,
  type TaskInput,
  type TaskLabel,
} from "./model.ts";
import stored from "./weights.json" with { type: "json" };

export { TASK_LABELS, type TaskDecision, type TaskInput, type TaskLabel };

const defaultModel = loadModel(stored as IntentWeights<TaskLabel>);

/** Classifies with the committed model. */
export function classifyTask(input: { text: string; system?: string }): TaskDecision {
  return classifyTaskWith(defaultModel, input);
}

type Message = { role?: unknown; content?: unknown };

/**
 * The classifier's input for an OpenAI chat `messages` array: the latest user turn (a string or
 * its text parts) and the system prompt (`system` and `developer` turns, joined), each clipped to
 * its two ends when very long, as the intent classifier reads a turn.
 */
export function taskInput(messages: readonly Message[]): TaskInput {
  let text = "";
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.role === "user") {
      text = clip(messageText(messages[i]));
      break;
    }
  }
  const system = messages
    .filter((m) => m?.role === "system" || m?.role === "developer")
    .map(messageText)
    .filter((s) => s.trim())
    .join("\n");
  return system ? { text, system: clip(system) } : { text };
}
