/**
 * A real browser for the dashboard's tests: Debian's chromium, headless, driven by puppeteer-core
 * (`.ci/run` installs chromium when it is missing). Each page records its console errors and
 * uncaught exceptions, and screenshots go to `.squint/screenshots/` (ignored by git).
 *
 * @module
 */
import assert from "node:assert/strict";
import puppeteer, { type Browser, type Page } from "puppeteer-core";

/** Where chromium is (`SQUINT_CHROMIUM` overrides). */
export const CHROMIUM = Deno.env.get("SQUINT_CHROMIUM") ?? "/usr/bin/chromium";
/** Where the screenshots go. */
export const SCREENSHOTS = new URL("../../.squint/screenshots/", import.meta.url).pathname;

/** A page and what it said on its console. */
export interface WatchedPage {
  page: Page;
  /** Console errors and uncaught exceptions, in order. */
  errors: string[];
}

/** Starts chromium; use it as `await using browser = await startBrowser()`. */
export async function startBrowser(): Promise<Browser & AsyncDisposable> {
  try {
    await Deno.stat(CHROMIUM);
  } catch {
    throw new Error(`no chromium at ${CHROMIUM}: apt-get install -y chromium (as .ci/run does)`);
  }
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  return Object.assign(browser, { [Symbol.asyncDispose]: () => browser.close() });
}

/** A new page (in its own cookie jar) whose console errors are recorded. */
export async function watchedPage(browser: Browser): Promise<WatchedPage> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width: 1440, height: 900 });
  // Every wait here is for an event of a page on loopback: ten seconds means it will not come.
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(`uncaught: ${(error as Error).message}`));
  return { page, errors };
}

/** Asserts the page logged no error since the last check, then forgets what it logged. */
export function assertNoConsoleErrors(watched: WatchedPage, where: string): void {
  assert.deepEqual(watched.errors.splice(0), [], `console errors on ${where}`);
}

/** Saves a full-page screenshot as `<name>.png`; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await Deno.mkdir(SCREENSHOTS, { recursive: true });
  const path = `${SCREENSHOTS}${name}.png`;
  await page.screenshot({ path: path as `${string}.png`, fullPage: true });
  return path;
}

/**
 * Goes to a view of the dashboard and waits until it has drawn (its main is no longer busy); a
 * view that never draws fails with what the page said.
 */
export async function openView(watched: WatchedPage, origin: string, hash: string): Promise<void> {
  const { page } = watched;
  const name = hash.replace(/^#\//, "").split(/[/?]/)[0];
  if (page.url().startsWith(`${origin}/dashboard`) && !page.url().includes("/login")) {
    // Resolves after the app's own hashchange listener has marked the view busy.
    await page.evaluate((h) =>
      new Promise<void>((resolve) => {
        addEventListener("hashchange", () => resolve(), { once: true });
        location.hash = h;
      }), hash);
  } else {
    await page.goto(`${origin}/dashboard${hash}`);
  }
  try {
    await page.waitForSelector(`main[data-view="${name}"]:not([aria-busy])`);
  } catch (e) {
    throw new Error(`view ${hash} did not draw; the page said: ${watched.errors.join(" | ")}`, {
      cause: e,
    });
  }
}
