/**
 * After the callback, the browser tab keeps no code or state in its address bar, and there is a
 * favicon (issue 18, item 10): the CLI's one-shot listener (callbackApp) clears the address with
 * one inline script its CSP allows by hash; the dashboard's callback page with its own script.
 * Checked in Chromium: the address after the page loaded, and no CSP violation or 404.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { callbackApp, CLEAR_ADDRESS_HASH } from "../../src/http/callback-app.ts";
import { listen, type Listening } from "../helpers/listen.ts";
import { launchChromium } from "./e2e-helpers.ts";

describe("the callback page clears the address and has an icon (issue 18, item 10)", () => {
  let server: Listening;
  let browser: Browser;
  before(async () => {
    const app = callbackApp(() => Promise.resolve({ ok: true, message: "Signed in to demo." }));
    server = await listen((req) => app.fetch(req));
    browser = await launchChromium();
  }, { timeout: 60_000 });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it("the CSP allows exactly the page's one inline script, by its hash", async () => {
    const app = callbackApp(() => Promise.resolve({ ok: true, message: "ok" }));
    const res = await app.request("http://127.0.0.1/callback?code=c&state=s");
    const page = await res.text();
    const scripts = [...page.matchAll(/<script>([^<]*)<\/script>/g)].map((m) => m[1]!);
    assert.equal(scripts.length, 1);
    const hash = `sha256-${createHash("sha256").update(scripts[0]!).digest("base64")}`;
    assert.equal(hash, CLEAR_ADDRESS_HASH);
    const csp = res.headers.get("content-security-policy") ?? "";
    assert.match(csp, new RegExp(`script-src '${hash.replace(/[+/=]/g, "\\$&")}'`));
    assert.doesNotMatch(csp, /unsafe-inline'[^;]*;?\s*$|script-src[^;]*unsafe/);
    const icon = await app.request("http://127.0.0.1/favicon.ico");
    assert.equal(icon.status, 200);
    assert.equal(icon.headers.get("content-type"), "image/svg+xml");
  });

  it("in Chromium: the address loses code and state, no CSP violation, no failed load", {
    timeout: 30_000,
  }, async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
    page.on("requestfailed", (r) => problems.push(`failed: ${r.url()}`));
    page.on("response", (r) => r.status() >= 400 && problems.push(`${r.status()} ${r.url()}`));
    await page.goto(`${server.url}/callback?code=secret-code&state=secret-state&iss=x`);
    await page.waitForFunction(() => !(globalThis as unknown as Window).location.search);
    assert.equal(page.url(), `${server.url}/callback`);
    assert.match(await page.locator("h1").innerText(), /Signed in/);
    // The tab's history has no entry with the code either.
    await page.goBack();
    assert.equal(page.url(), "about:blank");
    await page.goForward();
    assert.equal(page.url(), `${server.url}/callback`);
    await page.waitForTimeout(300);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
