/// <reference lib="deno.worker" />
// A worker speaking the pool's reply protocol, with tasks that misbehave on purpose.
self.onmessage = (event: MessageEvent<{ kind: string; bytes?: Uint8Array }>) => {
  const task = event.data;
  if (task.kind === "echo") {
    const bytes = task.bytes!;
    self.postMessage({ ok: true, result: { length: bytes.byteLength, bytes } }, {
      transfer: [bytes.buffer as ArrayBuffer],
    });
  } else if (task.kind === "fail") {
    self.postMessage({ ok: false, code: "image_error", message: "cannot decode" });
  } else if (task.kind === "crash") {
    setTimeout(() => {
      throw new Error("worker blew up");
    });
  } else if (task.kind === "hang") {
    // never answers
  }
};
self.postMessage({ ready: true });
