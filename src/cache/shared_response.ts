/**
 * One upstream response read once and handed to several readers: its body is buffered as it
 * arrives and every reader gets all of it from the first byte, at its own pace, whenever it
 * joined. A reader that leaves does not disturb the others. An upstream failure mid-body reaches
 * every reader as an error of its body stream.
 */

/** A response many readers share. */
export class SharedResponse {
  readonly status: number;
  readonly headers: Headers;
  #chunks: Uint8Array[] = [];
  #done = false;
  #failure: unknown;
  #wake: (() => void)[] = [];
  #finished: Promise<Uint8Array | undefined>;

  /** Starts reading `response`. */
  constructor(response: Response) {
    this.status = response.status;
    this.headers = response.headers;
    this.#finished = this.#pump(response.body);
  }

  async #pump(body: ReadableStream<Uint8Array> | null): Promise<Uint8Array | undefined> {
    try {
      if (body) {
        for await (const chunk of body) {
          this.#chunks.push(chunk);
          this.#notify();
        }
      }
      return concat(this.#chunks);
    } catch (e) {
      this.#failure = e;
      return undefined;
    } finally {
      this.#done = true;
      this.#notify();
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = [];
    for (const w of wake) w();
  }

  /** The whole body once it has arrived, or undefined when the upstream broke off. */
  whenFinished(): Promise<Uint8Array | undefined> {
    return this.#finished;
  }

  /** A response for one reader, its body from the first byte; `release` is called when it ends. */
  reader(release: () => void): Response {
    let at = 0;
    const body = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        while (at === this.#chunks.length && !this.#done) {
          await new Promise<void>((resolve) => this.#wake.push(resolve));
        }
        if (at < this.#chunks.length) {
          controller.enqueue(this.#chunks[at++]);
          return;
        }
        release();
        if (this.#failure !== undefined) controller.error(this.#failure);
        else controller.close();
      },
      cancel: () => release(),
    });
    return new Response(body, { status: this.status, headers: this.headers });
  }
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
