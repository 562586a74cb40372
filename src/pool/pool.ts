/**
 * A fixed pool of Web Workers with a bounded queue. CPU-heavy media work runs here so the event
 * loop stays free to relay streams. A task that times out or whose worker crashes fails cleanly
 * and its worker is replaced.
 */
import { timerMs } from "../timers.ts";

/** The queue is full: the caller passes the request through or answers 503. */
export class PoolFullError extends Error {
  override name = "PoolFullError";
}

/** A task failed inside a worker, timed out, or lost its worker. */
export class TaskError extends Error {
  override name = "TaskError";
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** Options of a `WorkerPool`. */
export interface PoolOptions {
  /** The worker module. */
  workerUrl: URL;
  size: number;
  /** Tasks waiting beyond the running ones; more are refused with PoolFullError. */
  queueLimit: number;
  taskTimeoutMs: number;
}

/** Counters for /health and the bench. */
export interface PoolStats {
  size: number;
  busy: number;
  queued: number;
  completed: number;
  failed: number;
  replaced: number;
}

interface Task {
  message: unknown;
  transfer: Transferable[];
  timeoutMs: number;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker?: Worker;
  /** The worker has loaded its module and said so; only then does a task's clock start. */
  ready?: boolean;
  task?: Task;
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * What a worker posts: `{ ready: true }` once when its module has loaded, then one reply per task,
 * `{ ok: true, result }` or `{ ok: false, code, message }`.
 */
type Reply =
  | { ready: true }
  | { ok: true; result: unknown }
  | { ok: false; code: string; message: string };

/**
 * A bounded pool of Web Workers speaking the `{ok, result}` reply protocol. It dispatches
 * `task-start` and `task-end` events (a `CustomEvent` whose detail is the task's `kind`), so
 * tests can tell the order in which work ran without timing it.
 */
export class WorkerPool extends EventTarget {
  #slots: Slot[] = [];
  #queue: Task[] = [];
  #closed = false;
  #counts = { completed: 0, failed: 0, replaced: 0 };
  /** Crashes since the last completed task: a worker that cannot start is retried with backoff. */
  #crashStreak = 0;
  #readyWaiters: (() => void)[] = [];

  constructor(readonly options: PoolOptions) {
    super();
    for (let i = 0; i < options.size; i++) {
      const slot: Slot = {};
      this.#spawn(slot);
      this.#slots.push(slot);
    }
  }

  /**
   * Runs one task; `transfer` lists buffers moved (not copied) to the worker. `timeoutMs`
   * overrides the pool's task timeout for slow kinds of work (OCR).
   */
  run<T>(
    message: unknown,
    transfer: Transferable[] = [],
    timeoutMs = this.options.taskTimeoutMs,
  ): Promise<T> {
    if (this.#closed) return Promise.reject(new TaskError("closed", "worker pool is closed"));
    if (!this.#slots.some((s) => s.worker)) {
      return Promise.reject(new TaskError("no_workers", "no image worker is running"));
    }
    const idle = this.#slots.find(isIdle);
    if (!idle && this.#queue.length >= this.options.queueLimit) {
      return Promise.reject(new PoolFullError("image worker queue is full"));
    }
    return new Promise<T>((resolve, reject) => {
      const task: Task = {
        message,
        transfer,
        timeoutMs,
        resolve: resolve as (v: unknown) => void,
        reject,
      };
      if (idle) this.#start(idle, task);
      else this.#queue.push(task);
    });
  }

  /** Current counters. */
  stats(): PoolStats {
    return {
      size: this.#slots.filter((s) => s.worker).length,
      busy: this.#slots.filter((s) => s.task).length,
      queued: this.#queue.length,
      ...this.#counts,
    };
  }

  /** Whether every worker has loaded and none has a task or one waiting: a task starts now. */
  idle(): boolean {
    return this.#queue.length === 0 && this.#slots.every((s) => s.ready && !s.task);
  }

  /** Resolves once every worker has loaded (tests and the bench start measuring after it). */
  async whenReady(): Promise<void> {
    while (!this.#closed && !this.#slots.every((s) => s.ready)) {
      await new Promise<void>((resolve) => this.#readyWaiters.push(resolve));
    }
  }

  /** Fails queued and running tasks and terminates every worker. */
  close(): void {
    this.#closed = true;
    for (const wake of this.#readyWaiters.splice(0)) wake();
    for (const task of this.#queue.splice(0)) {
      task.reject(new TaskError("closed", "worker pool is closed"));
    }
    for (const slot of this.#slots) {
      clearTimeout(slot.timer);
      slot.task?.reject(new TaskError("closed", "worker pool is closed"));
      slot.worker?.terminate();
    }
    this.#slots = [];
  }

  #spawn(slot: Slot): void {
    const worker = new Worker(this.options.workerUrl, { type: "module" });
    slot.worker = worker;
    slot.ready = false;
    worker.onmessage = (event: MessageEvent<Reply>) => {
      if ("ready" in event.data) {
        slot.ready = true;
        for (const wake of this.#readyWaiters.splice(0)) wake();
        this.#next(slot);
      } else this.#settle(slot, event.data);
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.#replace(
        slot,
        new TaskError("worker_crashed", `image worker crashed: ${event.message}`),
      );
    };
    worker.onmessageerror = () => {
      this.#replace(slot, new TaskError("worker_crashed", "image worker sent an unreadable reply"));
    };
  }

  #start(slot: Slot, task: Task): void {
    try {
      // A message that cannot be cloned (a bug upstream of the pool) fails its task alone.
      slot.worker!.postMessage(task.message, task.transfer);
    } catch (e) {
      task.reject(e as Error);
      return this.#next(slot);
    }
    slot.task = task;
    slot.timer = setTimeout(() => {
      this.#replace(
        slot,
        new TaskError("timeout", `image task exceeded ${task.timeoutMs} ms`),
      );
    }, timerMs(task.timeoutMs));
    this.#tell("task-start", task);
  }

  #tell(type: "task-start" | "task-end", task: Task): void {
    const kind = (task.message as { kind?: unknown } | null)?.kind;
    this.dispatchEvent(new CustomEvent(type, { detail: kind }));
  }

  #settle(slot: Slot, reply: Exclude<Reply, { ready: true }>): void {
    const task = slot.task;
    clearTimeout(slot.timer);
    slot.task = undefined;
    if (task) {
      this.#crashStreak = 0;
      this.#tell("task-end", task);
      if (reply.ok) {
        this.#counts.completed++;
        task.resolve(reply.result);
      } else {
        this.#counts.failed++;
        task.reject(new TaskError(reply.code, reply.message));
      }
    }
    this.#next(slot);
  }

  /** A stuck or crashed worker cannot be trusted again: terminate it and start a fresh one. */
  #replace(slot: Slot, error: TaskError): void {
    clearTimeout(slot.timer);
    slot.worker?.terminate();
    slot.worker = undefined;
    this.#counts.replaced++;
    const task = slot.task;
    slot.task = undefined;
    if (task) {
      this.#counts.failed++;
      this.#tell("task-end", task);
      task.reject(error);
    }
    if (this.#closed) return;
    const restart = () => {
      if (!this.#closed) this.#spawn(slot);
    };
    if (++this.#crashStreak <= this.options.size) return restart();
    const delay = Math.min(30_000, 100 * 2 ** (this.#crashStreak - this.options.size));
    console.error(
      `squint: image worker keeps failing (${error.message}); restarting in ${delay} ms`,
    );
    slot.timer = setTimeout(restart, delay);
  }

  #next(slot: Slot): void {
    if (!isIdle(slot)) return;
    const task = this.#queue.shift();
    if (task) this.#start(slot, task);
  }
}

function isIdle(slot: Slot): boolean {
  return slot.worker !== undefined && slot.ready === true && slot.task === undefined;
}
