/**
 * Runs the mock OpenAI upstream as a child process of the bench: prints
 * `listening http://127.0.0.1:PORT`, and stops on SIGTERM or when stdin closes.
 *
 * @module
 */
import { startMockOpenAI } from "../tests/support/mock_openai.ts";
import { serveUntilStopped } from "./serve_child.ts";

const mock = startMockOpenAI({ record: false });
await serveUntilStopped(mock.origin, () => mock.close());
