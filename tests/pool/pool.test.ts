import assert from "node:assert/strict";
import { PoolFullError, TaskError, WorkerPool } from "../../src/pool/pool.ts";

const workerUrl = new URL("./_test_worker.ts", import.meta.url);

async function pool(size = 1, queueLimit = 4, taskTimeoutMs = 2000) {
  const p = new WorkerPool({ workerUrl, size, queueLimit, taskTimeoutMs });
  await p.whenReady();
  return p;
}

Deno.test("buffers travel to the worker and back as transferables", async () => {
  const p = await pool();
  try {
    const bytes = new Uint8Array([1, 2, 3, 4]);
    const result = await p.run<{ length: number; bytes: Uint8Array }>({ kind: "echo", bytes }, [
      bytes.buffer,
    ]);
    assert.equal(bytes.byteLength, 0, "the sender's buffer is detached after posting");
    assert.equal(result.length, 4);
    assert.deepEqual([...result.bytes], [1, 2, 3, 4]);
  } finally {
    p.close();
  }
});

Deno.test("a task that fails in the worker rejects with the worker's code", async () => {
  const p = await pool();
  try {
    await assert.rejects(
      p.run({ kind: "fail" }),
      (e: Error) => e instanceof TaskError && e.code === "image_error",
    );
    assert.equal(
      (await p.run<{ length: number }>({ kind: "echo", bytes: new Uint8Array(2) })).length,
      2,
    );
  } finally {
    p.close();
  }
});

Deno.test("a crashed worker fails its task cleanly and is replaced", async () => {
  const p = await pool();
  try {
    await assert.rejects(
      p.run({ kind: "crash" }),
      (e: Error) => e instanceof TaskError && e.code === "worker_crashed",
    );
    assert.equal(
      (await p.run<{ length: number }>({ kind: "echo", bytes: new Uint8Array(3) })).length,
      3,
    );
    assert.equal(p.stats().replaced, 1);
    assert.equal(p.stats().size, 1);
  } finally {
    p.close();
  }
});

Deno.test("a task past its timeout fails and its worker is replaced", async () => {
  const p = await pool(1, 4, 150);
  try {
    await assert.rejects(
      p.run({ kind: "hang" }),
      (e: Error) => e instanceof TaskError && e.code === "timeout",
    );
    assert.equal(
      (await p.run<{ length: number }>({ kind: "echo", bytes: new Uint8Array(1) })).length,
      1,
    );
  } finally {
    p.close();
  }
});

Deno.test("a full queue refuses new tasks at once instead of growing a backlog", async () => {
  const p = await pool(1, 1, 2000);
  try {
    const running = p.run({ kind: "hang" }).catch((e) => e);
    const queued = p.run({ kind: "hang" }).catch((e) => e);
    await assert.rejects(p.run({ kind: "echo", bytes: new Uint8Array(1) }), PoolFullError);
    assert.deepEqual({ busy: p.stats().busy, queued: p.stats().queued }, { busy: 1, queued: 1 });
    p.close();
    assert.equal(((await running) as TaskError).code, "closed");
    assert.equal(((await queued) as TaskError).code, "closed");
  } finally {
    p.close();
  }
});

Deno.test("two workers run two tasks at once", async () => {
  const p = await pool(2, 0, 2000);
  try {
    const a = p.run({ kind: "hang" }).catch((e) => e);
    const b = p.run({ kind: "hang" }).catch((e) => e);
    assert.equal(p.stats().busy, 2);
    await assert.rejects(p.run({ kind: "echo", bytes: new Uint8Array(1) }), PoolFullError);
    p.close();
    await Promise.all([a, b]);
  } finally {
    p.close();
  }
});

Deno.test("a queued task whose message cannot be sent fails alone: the worker goes on to the next", async () => {
  const p = await pool(1, 4, 2000);
  try {
    const first = p.run<{ length: number }>({ kind: "echo", bytes: new Uint8Array(2) });
    // Queued behind the first; a function cannot be cloned to a worker.
    const unsendable = p.run({ kind: "echo", bytes: new Uint8Array(1), oops: () => {} });
    const next = p.run<{ length: number }>({ kind: "echo", bytes: new Uint8Array(3) });
    assert.equal((await first).length, 2);
    await assert.rejects(unsendable, (e: Error) => e.name === "DataCloneError");
    assert.equal((await next).length, 3);
    assert.equal(p.stats().replaced, 0);
  } finally {
    p.close();
  }
});

Deno.test("a task whose message cannot be sent to an idle worker fails at once, the worker still idle", async () => {
  const p = await pool(1, 4, 2000);
  try {
    await assert.rejects(
      p.run({ kind: "echo", oops: () => {} }),
      (e: Error) => e.name === "DataCloneError",
    );
    assert.equal(p.stats().busy, 0);
    assert.equal(
      (await p.run<{ length: number }>({ kind: "echo", bytes: new Uint8Array(1) })).length,
      1,
    );
  } finally {
    p.close();
  }
});

Deno.test("a pool is idle only once every worker has loaded and none has a task or one waiting", async () => {
  const p = new WorkerPool({ workerUrl, size: 1, queueLimit: 1, taskTimeoutMs: 2000 });
  try {
    assert.equal(p.idle(), false, "loading");
    await p.whenReady();
    assert.equal(p.idle(), true);
    const echoed = p.run({ kind: "echo", bytes: new Uint8Array(1) });
    assert.equal(p.idle(), false, "a task");
    await echoed;
    assert.equal(p.idle(), true);
    const hung = p.run({ kind: "hang" }).catch((e) => e);
    const waiting = p.run({ kind: "echo", bytes: new Uint8Array(1) }).catch((e) => e);
    assert.equal(p.idle(), false, "a task and one waiting");
    p.close();
    await Promise.all([hung, waiting]);
  } finally {
    p.close();
  }
});
