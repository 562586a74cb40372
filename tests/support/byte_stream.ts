/** A byte stream of `chunks`, as a fetch body is: a BYOB reader can read it into its own buffer. */
export function byteStream(chunks: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let i = 0;
  return new ReadableStream({
    type: "bytes",
    pull(controller) {
      if (i < chunks.length) {
        const chunk = chunks[i++];
        return controller.enqueue(
          typeof chunk === "string" ? encoder.encode(chunk) : chunk.slice(),
        );
      }
      controller.close();
      controller.byobRequest?.respond(0); // a read waiting on the end is answered
    },
  });
}
