/**
 * Runs the mock Anthropic upstream (tests/support/mock_anthropic.ts) as a child process of the
 * bench: prints `listening http://127.0.0.1:PORT`, and stops on SIGTERM or when stdin closes.
 *
 * @module
 */
import { startMockAnthropic } from "../tests/support/mock_anthropic.ts";
import { serveUntilStopped } from "./serve_child.ts";

const mock = startMockAnthropic({ record: false });
await serveUntilStopped(mock.baseUrl, () => mock.close());
