/**
 * Deadlines for many calls at once: calls whose deadlines fall in the same tenth of a second
 * share one timer, so thousands of upstream calls a second cost a few timers, not one each. A
 * deadline fires up to a tenth of a second late; a slot's timer goes when its last call is done.
 */

import { timerMs } from "../timers.ts";

const SLOT_MS = 100;

interface Slot {
  due: Set<() => void>;
  timer: ReturnType<typeof setTimeout>;
}

/** Deadline slots under way, by the end of their tenth of a second (ms since the epoch). */
const slots = new Map<number, Slot>();

/** Calls `expire` once `ms` have passed, unless the returned function is called first. */
export function onDeadline(ms: number, expire: () => void): () => void {
  const end = Math.ceil((Date.now() + ms) / SLOT_MS) * SLOT_MS;
  let slot = slots.get(end);
  if (!slot) {
    const due = new Set<() => void>();
    const timer = setTimeout(() => {
      slots.delete(end);
      for (const fire of due) fire();
    }, timerMs(Math.max(0, end - Date.now())));
    slot = { due, timer };
    slots.set(end, slot);
  }
  slot.due.add(expire);
  const owned = slot;
  return () => {
    owned.due.delete(expire);
    if (owned.due.size > 0 || slots.get(end) !== owned) return;
    clearTimeout(owned.timer);
    slots.delete(end);
  };
}
