import assert from "node:assert/strict";
import { ConfigError, loadConfig, requiresSquintKey } from "../src/config.ts";

Deno.test("defaults work on a laptop with no environment", () => {
  const config = loadConfig({});
  assert.equal(config.host, "127.0.0.1");
  assert.equal(config.port, 8000);
  assert.equal(config.openai_base_url, "https://api.openai.com/v1");
  assert.equal(config.anthropic_base_url, "https://api.anthropic.com");
  assert.equal(config.on_overload, "passthrough");
  assert.equal(config.fidelity, "balanced");
  assert.equal(config.max_body_mb, 64);
  assert.equal(config.max_image_pixels, 100_000_000);
  assert.equal(config.cache, "off");
  assert.ok(config.workers >= 1);
});

Deno.test("environment values are parsed and base URLs lose their trailing slash", () => {
  const config = loadConfig({
    SQUINT_PORT: "9001",
    SQUINT_API_KEYS: "sq-a, sq-b",
    SQUINT_OPENAI_BASE_URL: "http://127.0.0.1:5000/v1/",
    SQUINT_WORKERS: "3",
  });
  assert.equal(config.port, 9001);
  assert.deepEqual(config.api_keys, ["sq-a", "sq-b"]);
  assert.equal(config.openai_base_url, "http://127.0.0.1:5000/v1");
  assert.equal(config.workers, 3);
});

Deno.test("a bad value stops start-up naming the variable and what it expects", () => {
  assert.throws(
    () => loadConfig({ SQUINT_PORT: "eighty" }),
    (e: Error) => e instanceof ConfigError && /^SQUINT_PORT: .*got "eighty"/.test(e.message),
  );
  assert.throws(
    () => loadConfig({ SQUINT_ON_OVERLOAD: "drop" }),
    (e: Error) => e instanceof ConfigError && e.message.startsWith("SQUINT_ON_OVERLOAD:"),
  );
  assert.throws(
    () => loadConfig({ SQUINT_OPENAI_BASE_URL: "not a url" }),
    (e: Error) => e instanceof ConfigError && e.message.startsWith("SQUINT_OPENAI_BASE_URL:"),
  );
});

Deno.test("a YAML config file is read and the environment overrides it", () => {
  const path = Deno.makeTempFileSync({ suffix: ".yaml" });
  try {
    Deno.writeTextFileSync(
      path,
      "port: 7000\nsquint_fidelity: lossless\nfetch_remote_images: false\nprices:\n  gpt-4o:\n    input_per_mtok: 1\n    output_per_mtok: 2\n",
    );
    const config = loadConfig({ SQUINT_CONFIG: path, SQUINT_PORT: "7001" });
    assert.equal(config.port, 7001);
    assert.equal(config.fidelity, "lossless");
    assert.equal(config.fetch_remote_images, "off");
    assert.deepEqual(config.prices["gpt-4o"], { input_per_mtok: 1, output_per_mtok: 2 });
  } finally {
    Deno.removeSync(path);
  }
});

Deno.test("an unknown setting in the config file is refused", () => {
  const path = Deno.makeTempFileSync({ suffix: ".json" });
  try {
    Deno.writeTextFileSync(path, JSON.stringify({ prot: 1 }));
    assert.throws(() => loadConfig({ SQUINT_CONFIG: path }), /unknown setting prot/);
    Deno.writeTextFileSync(path, JSON.stringify({ constructor: 1 }));
    assert.throws(() => loadConfig({ SQUINT_CONFIG: path }), /unknown setting constructor/);
  } finally {
    Deno.removeSync(path);
  }
});

Deno.test("squint keys are required whenever squint holds a provider key or knows a squint key", () => {
  assert.equal(requiresSquintKey(loadConfig({})), false);
  assert.equal(requiresSquintKey(loadConfig({ SQUINT_OPENAI_API_KEY: "sk-x" })), true);
  assert.equal(requiresSquintKey(loadConfig({ SQUINT_API_KEYS: "sq-a" })), true);
  assert.equal(
    requiresSquintKey(loadConfig({ SQUINT_OPENAI_API_KEY: "sk-x", SQUINT_REQUIRE_KEY: "off" })),
    false,
  );
});

Deno.test("an upstream base URL squint could not call stops start-up saying why", () => {
  const refused: [string, RegExp][] = [
    ["file:///etc/", /http or https/],
    ["ftp://example.com/v1", /http or https/],
    ["https://user:secret@example.com/v1", /credentials.*SQUINT_OPENAI_API_KEY/],
    ["https://example.com/v1?api-version=1", /query or fragment/],
    ["https://example.com/v1#x", /query or fragment/],
  ];
  for (const [value, why] of refused) {
    assert.throws(
      () => loadConfig({ SQUINT_OPENAI_BASE_URL: value }),
      (e: Error) =>
        e instanceof ConfigError && e.message.startsWith("SQUINT_OPENAI_BASE_URL:") &&
        why.test(e.message) && !e.message.includes("secret"),
      value,
    );
  }
  assert.throws(
    () => loadConfig({ SQUINT_S3_ENDPOINT: "file:///tmp" }),
    (e: Error) =>
      e instanceof ConfigError && /^SQUINT_S3_ENDPOINT: .*http or https/.test(e.message),
  );
  assert.equal(
    loadConfig({ SQUINT_OLLAMA_BASE_URL: "http://[::1]:11434/" }).ollama_base_url,
    "http://[::1]:11434",
  );
});

Deno.test("a bad nested setting in the config file is named with its path", () => {
  const path = Deno.makeTempFileSync({ suffix: ".json" });
  try {
    Deno.writeTextFileSync(
      path,
      JSON.stringify({
        providers: { deepseek: { base_url: "not a url" } },
      }),
    );
    assert.throws(
      () => loadConfig({ SQUINT_CONFIG: path }),
      (e: Error) => /SQUINT_PROVIDERS \(providers\.deepseek\.base_url\)/.test(e.message),
    );
    Deno.writeTextFileSync(path, JSON.stringify({ fallbacks: { "gpt-4o": "gpt-4o-mini" } }));
    assert.throws(
      () => loadConfig({ SQUINT_CONFIG: path }),
      (e: Error) => /SQUINT_FALLBACKS \(fallbacks\.gpt-4o\)/.test(e.message),
    );
  } finally {
    Deno.removeSync(path);
  }
});
