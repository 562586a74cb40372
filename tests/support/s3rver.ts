/** A real S3 stand-in (`s3rver`) on a loopback port over a temporary folder, for the tests. */
import S3rver from "s3rver";

/** A running s3rver; closing it removes its folder. */
export interface RunningS3 {
  port: number;
  endpoint: string;
  /** Its folder (each object is a file there). */
  dir: string;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts s3rver on port 0 (credentials `S3RVER`/`S3RVER`, path-style addressing). */
export async function startS3rver(): Promise<RunningS3> {
  const dir = await Deno.makeTempDir({ prefix: "squint-s3rver-" });
  const server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: dir });
  const { port } = await server.run();
  const close = async () => {
    await server.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  return { port, endpoint: `http://127.0.0.1:${port}`, dir, close, [Symbol.asyncDispose]: close };
}
