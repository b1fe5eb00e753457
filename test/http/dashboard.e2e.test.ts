/**
 * The dashboard in a real browser, end to end: `mcp-oauth serve` as a subprocess, the real
 * authorization server (oidc-provider) and MCP server fixtures in-process, and the system
 * Chromium driven by playwright-core. Add a server, sign in through the popup tab (login and
 * consent at the AS), watch the row turn "authorized" without reloading, list its tools, read
 * its discovery trace and claims, revoke it; all under the dashboard's CSP, and never with a
 * token in the page. Screenshots of every step go to test-artifacts/dashboard/.
 *
 * @module
 */
import assert from "node:assert/strict";
import { mkdir, rm } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import type {
  Browser,
  BrowserContext,
  ConsoleMessage,
  Dialog,
  Locator,
  Page,
} from "playwright-core";
import {
  type AuthorizationServer,
  startAuthorizationServer,
} from "../fixtures/authorization-server.ts";
import { type McpTestServer, startMcpServer } from "../fixtures/mcp-server.ts";
import {
  ARTIFACTS,
  type Dashboard,
  launchChromium,
  removeHome,
  RUNTIME,
  screenshot,
  startServe,
  storedTokens,
  tempHome,
} from "./e2e-helpers.ts";

const SLOW = { timeout: 60_000 };
const NAME = "demo";

/** One console error or uncaught exception, with the page it happened on. */
interface PageProblem {
  tab: string;
  url: string;
  text: string;
  /** Where the console message came from (a resource URL for failed loads). */
  source?: string;
}

const isCsp = (text: string) =>
  /Content Security Policy|Refused to (load|apply|execute|connect|frame)/i.test(text);

describe(`dashboard in Chromium, end to end (serve on ${RUNTIME})`, () => {
  let as: AuthorizationServer | undefined;
  let mcp: McpTestServer | undefined;
  let home: string | undefined;
  let dash: Dashboard | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  let popup: Page | undefined;
  /** Console errors and page errors of every tab. */
  const problems: PageProblem[] = [];
  /** Messages of the confirm dialogs accepted. */
  const dialogs: string[] = [];
  /** Tokens seen in the store while authorized. */
  const secrets: string[] = [];
  /** securitypolicyviolation events on the callback page. */
  const popupCsp: string[] = [];
  /** The first step that failed. */
  let brokenAt: string | undefined;
  /** Why before() failed (no Chromium, say): every test fails with it, none passes vacuously. */
  let setupError: unknown;
  /** Step 3 got the sign-in tab to the callback page. */
  let reachedCallback = false;
  const timings: Record<string, number> = {};
  let t0 = Date.now();

  const row = () => page.locator(`tbody[data-server="${NAME}"]`);
  const status = () => row().locator("span.status");

  /** Records console errors and uncaught errors of `p` as tab `tab`. */
  function watch(p: Page, tab: string) {
    p.on("console", (msg: ConsoleMessage) => {
      if (msg.type() !== "error") return;
      problems.push({ tab, url: p.url(), text: msg.text(), source: msg.location().url });
    });
    p.on("pageerror", (err: Error) => problems.push({ tab, url: p.url(), text: String(err) }));
  }

  /** CSP violations reported by the securitypolicyviolation listener of the init script. */
  async function violations(p: Page): Promise<string[]> {
    return await p.evaluate(() => (globalThis as { __csp?: string[] }).__csp ?? []);
  }

  /** Asserts that no token seen in the store appears in the HTML of `p`. */
  async function assertNoSecrets(p: Page, where: string) {
    const html = await p.content();
    for (const s of secrets) {
      assert.ok(!html.includes(s), `a stored token appears in the HTML of ${where}`);
    }
  }

  /** Waits for `locator`; on timeout, the error tells what `p` shows instead. */
  async function waitIn(p: Page, locator: Locator, what: string, timeout: number) {
    try {
      await locator.waitFor({ timeout });
    } catch (err) {
      // On the dashboard, the row says most; elsewhere, the page.
      const shown = p === page && (await row().count()) ? row() : p.locator("body");
      const body = await shown.innerText({ timeout: 1_000 }).catch(() => "?");
      throw new Error(
        `${what} did not appear within ${timeout} ms; the tab is at ${p.url()} and shows:\n${
          body.slice(0, 600)
        }`,
        { cause: err },
      );
    }
  }

  function lap(step: string) {
    timings[step] = Date.now() - t0;
    t0 = Date.now();
  }

  /** Fails the test at once if the setup failed. */
  function guard() {
    if (setupError) throw setupError;
  }

  before(async () => {
    try {
      await setup();
    } catch (err) {
      setupError = err;
      throw err;
    }
  }, SLOW);

  async function setup() {
    t0 = Date.now();
    await rm(ARTIFACTS, { recursive: true, force: true });
    await mkdir(ARTIFACTS, { recursive: true });
    // The browser first: without it nothing else is worth starting (and the error says why).
    browser = await launchChromium();
    as = await startAuthorizationServer({ accessTokenTTL: 3600 });
    mcp = await startMcpServer({ issuer: as.issuer, introspect: as.introspect });
    as.allowResource(mcp.url);
    home = await tempHome();
    dash = await startServe(home);
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    // Init scripts run through the DevTools protocol, outside the page's CSP.
    await context.addInitScript(() => {
      // No DOM types here (Deno checks this file without the DOM lib).
      type Violation = { violatedDirective: string; blockedURI: string; documentURI: string };
      const w = globalThis as unknown as {
        __csp?: string[];
        addEventListener(type: string, listener: (e: Violation) => void, capture: boolean): void;
      };
      const list: string[] = (w.__csp = []);
      w.addEventListener("securitypolicyviolation", (e) => {
        list.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} in ${e.documentURI}`);
      }, true);
    });
    page = await context.newPage();
    watch(page, "dashboard");
    page.on("dialog", (d: Dialog) => {
      dialogs.push(d.message());
      void d.accept();
    });
    lap("setup");
  }

  after(async () => {
    await browser?.close().catch(() => {});
    await dash?.stop().catch(() => {});
    await mcp?.close().catch(() => {});
    await as?.close().catch(() => {});
    await removeHome(home);
    console.log(`dashboard e2e timings (ms, serve on ${RUNTIME}): ${JSON.stringify(timings)}`);
  }, SLOW);

  /**
   * One step of the walk-through. Steps build on each other: once one fails, the next ones fail
   * at once, naming it, instead of each timing out.
   */
  function step(title: string, fn: () => Promise<void>) {
    it(title, SLOW, async () => {
      guard();
      if (brokenAt) assert.fail(`not run: the earlier step "${brokenAt}" failed`);
      try {
        await fn();
      } catch (err) {
        brokenAt = title;
        throw err;
      }
    });
  }

  step("1. the printed address opens the empty dashboard and drops the key", async () => {
    const response = await page.goto(dash!.url);
    assert.equal(response?.status(), 200);
    await page.waitForURL(`${dash!.origin}/`, { timeout: 5_000 });
    assert.equal(page.url(), `${dash!.origin}/`, "the key is dropped from the address bar");
    // Never a cookie: cookies ignore ports, so every other service on 127.0.0.1 would get it.
    assert.deepEqual(await context.cookies(), [], "no cookie at all");
    assert.equal(
      await page.evaluate(() =>
        (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } })
          .sessionStorage.getItem("mcp-oauth-key")
      ),
      dash!.key,
      "the tab holds the key (its origin's own storage, port included)",
    );
    assert.equal(await page.title(), "mcp-oauth");
    await waitIn(page, page.getByText("No servers yet"), "the empty list", 5_000);
    assert.equal(await page.locator("tbody[data-server]").count(), 0);
    assert.equal(await page.getByRole("button", { name: "Add server" }).count(), 1);
    // htmx loaded from our own origin under the CSP.
    assert.equal(
      await page.evaluate(() => typeof (globalThis as { htmx?: unknown }).htmx),
      "object",
    );
    await screenshot(page, "01-empty-dashboard");
    lap("1 open");
  });

  step("2. adding a server shows its row, needing authorization", async () => {
    const form = page.locator('form[hx-post="/servers"]');
    await form.locator('input[name="name"]').fill(NAME);
    await form.locator('input[name="url"]').fill(mcp!.url);
    await form.getByRole("button", { name: "Add server" }).click();
    await waitIn(page, row(), `the row of ${NAME}`, 10_000);
    assert.equal(await row().getAttribute("id"), `srv-${base64url(NAME)}`);
    await waitIn(
      page,
      status().filter({ hasText: "needs authorization" }),
      '"needs authorization"',
      5_000,
    );
    assert.match((await status().getAttribute("class")) ?? "", /\bneeds-authorization\b/);
    assert.equal((await row().locator("td.url").textContent())?.trim(), mcp!.url);
    assert.equal(await page.getByText("No servers yet").count(), 0);
    await screenshot(page, "02-server-added");
    lap("2 add");
  });

  step(
    "3. Authorize opens the AS in a new tab: sign in, consent, back to the callback",
    async () => {
      // A mark in the page: still there in step 4 proves the dashboard was not reloaded.
      await page.evaluate(() => ((globalThis as { __mark?: number }).__mark = 42));
      const [tab] = await Promise.all([
        context.waitForEvent("page", { timeout: 10_000 }),
        row().getByRole("button", { name: "Authorize" }).click(),
      ]);
      popup = tab;
      watch(popup, "sign-in tab");

      const login = popup.locator('input[name="login"]');
      await waitIn(popup, login, "the AS login form", 15_000);
      assert.ok(popup.url().startsWith(as!.issuer), `the tab is at the AS: ${popup.url()}`);
      // Meanwhile the dashboard row waits for the callback, polling.
      await waitIn(
        page,
        status().filter({ hasText: "waiting for sign-in" }),
        '"waiting for sign-in…" on the dashboard',
        5_000,
      );
      assert.equal(await row().getAttribute("hx-trigger"), "every 1s");
      await screenshot(page, "03a-dashboard-waiting");
      await screenshot(popup, "03b-as-login");

      await login.fill("alice");
      await popup.locator('input[name="password"]').fill("any-password");
      await popup.getByRole("button", { name: "Sign-in" }).click();
      const consent = popup.getByRole("button", { name: /^(Continue|Authorize)$/ });
      await waitIn(popup, consent, "the AS consent button", 15_000);
      await screenshot(popup, "03c-as-consent");
      await consent.click();

      await waitIn(
        popup,
        popup.locator("h1", { hasText: "Signed in" }),
        'the callback page saying "Signed in"',
        15_000,
      );
      assert.ok(popup.url().startsWith(`${dash!.origin}/callback?`), popup.url());
      assert.match(await popup.locator("body").innerText(), new RegExp(`signed in to ${NAME}\\.`));
      reachedCallback = true;
      popupCsp.push(...await violations(popup));
      await screenshot(popup, "03d-callback-signed-in");
      lap("3 authorize");
    },
  );

  step("4. without a reload, the row turns authorized; no token in the page", async () => {
    await waitIn(page, status().and(page.locator(".authorized")), '"authorized"', 10_000);
    assert.match((await status().textContent()) ?? "", /^authorized/);
    assert.equal(
      await page.evaluate(() => (globalThis as { __mark?: number }).__mark),
      42,
      "the dashboard was not reloaded",
    );
    assert.equal(await row().getAttribute("hx-trigger"), null, "polling stops once authorized");
    assert.equal((await row().locator("td.issuer").textContent())?.trim(), as!.issuer);

    const tokens = await storedTokens(home!);
    assert.equal(tokens.access.length, 1, "one access token in credentials.json");
    secrets.push(...tokens.access, ...tokens.refresh);
    await assertNoSecrets(page, "the dashboard");
    await assertNoSecrets(popup!, "the callback page");
    await popup!.close();
    await screenshot(page, "04a-authorized");
    // The same in the dark color scheme (the stylesheet has one), for the eyes.
    await page.emulateMedia({ colorScheme: "dark" });
    await screenshot(page, "04b-authorized-dark");
    await page.emulateMedia({ colorScheme: "light" });
    lap("4 authorized");
  });

  step("5. Test lists the server's tools under the row", async () => {
    await row().getByRole("button", { name: "Test" }).click();
    const tools = row().locator(".tools");
    await waitIn(page, tools, "the tool list", 10_000);
    assert.deepEqual(await tools.locator("code").allTextContents(), ["echo", "whoami", "add"]);
    assert.match(await tools.innerText(), /^Tools: /);
    assert.match((await status().getAttribute("class")) ?? "", /\bauthorized\b/);
    await assertNoSecrets(page, "the dashboard after Test");
    await screenshot(page, "05-tools");
    lap("5 test");
  });

  step("6. Trace and Claims fill the details panel", async () => {
    await row().getByRole("button", { name: "Trace" }).click();
    const details = page.locator("#details");
    await waitIn(
      page,
      details.locator("h2", { hasText: `Discovery of ${NAME}` }),
      "the trace",
      10_000,
    );
    const text = await details.innerText();
    assert.match(text, /oauth-protected-resource/);
    assert.match(text, /oauth-authorization-server|openid-configuration/);
    assert.ok(text.includes(`issuer ${as!.issuer}`), "the trace names the issuer");
    assert.ok(text.includes(mcp!.url), "the trace names the resource");
    const steps = details.locator("table").first().locator("tbody tr");
    assert.ok((await steps.count()) >= 2, "at least two discovery steps are listed");
    assert.match(text, /PKCE S256\s+yes/);
    await assertNoSecrets(page, "the trace panel");
    await screenshot(page, "06a-trace");

    // The fixture's access tokens are opaque: no claims, and never the token itself.
    await row().getByRole("button", { name: "Claims" }).click();
    await waitIn(page, details.locator("h2", { hasText: `Token of ${NAME}` }), "claims", 10_000);
    assert.match(await details.innerText(), /opaque/);
    await assertNoSecrets(page, "the claims panel");
    await screenshot(page, "06b-claims");
    lap("6 trace+claims");
  });

  step("7. Revoke (confirmed) returns the row to needing authorization", async () => {
    const revocations = as!.counts.revocation;
    await row().getByRole("button", { name: "Revoke" }).click();
    await waitIn(
      page,
      status().filter({ hasText: "needs authorization" }),
      '"needs authorization"',
      10_000,
    );
    assert.deepEqual(dialogs, [`Revoke the tokens of ${NAME}?`]);
    assert.match(await row().locator("tr.message").innerText(), /Revoked\./);
    assert.ok(as!.counts.revocation > revocations, "the AS saw a revocation");
    assert.deepEqual((await storedTokens(home!)).access, [], "no access token left in the store");
    await assertNoSecrets(page, "the dashboard after Revoke");
    await screenshot(page, "07-revoked");
    lap("7 revoke");
  });

  it("the dashboard page had no CSP violations and no errors", async () => {
    guard();
    const csp = await violations(page);
    // The dashboard links no favicon; Chromium logs the 404 of /favicon.ico as a console error.
    const mine = problems.filter((p) =>
      p.tab === "dashboard" && !p.source?.endsWith("/favicon.ico")
    );
    assert.deepEqual(csp, [], "securitypolicyviolation events on the dashboard");
    assert.deepEqual(
      mine.filter((p) => isCsp(p.text)),
      [],
      "CSP errors in the dashboard's console",
    );
    assert.deepEqual(mine, [], "console errors or uncaught exceptions on the dashboard");

    // The detectors work: an inline style on a dashboard page is reported by both.
    const probe = await context.newPage();
    const seen: string[] = [];
    probe.on("console", (m) => m.type() === "error" && seen.push(m.text()));
    try {
      await probe.goto(`${dash!.origin}/`);
      await probe.evaluate(() => {
        const d = (globalThis as unknown as {
          document: {
            createElement(t: string): { textContent: string };
            head: { append(n: unknown): void };
          };
        }).document;
        const style = d.createElement("style");
        style.textContent = "body { color: red }";
        d.head.append(style);
      });
      await probe.waitForTimeout(200);
      assert.equal((await violations(probe)).length, 1, "the securitypolicyviolation probe");
      assert.ok(seen.some(isCsp), `the console probe: ${JSON.stringify(seen)}`);
    } finally {
      await probe.close();
    }
    lap("csp checks");
  });

  it("the dashboard's own pages in the sign-in tab had no CSP violations", () => {
    guard();
    assert.ok(reachedCallback, "not checked: the sign-in tab never reached the callback");
    const ours = problems.filter((p) =>
      p.tab === "sign-in tab" && p.url.startsWith(dash!.origin) && isCsp(p.text)
    );
    assert.deepEqual(ours, [], "CSP errors on pages served by the dashboard in the sign-in tab");
    assert.deepEqual(popupCsp, [], "securitypolicyviolation events on the callback page");
  });

  it("without the key, a fresh browser is locked out (401)", SLOW, async () => {
    guard();
    const stranger = await browser!.newContext();
    try {
      const p = await stranger.newPage();
      const response = await p.goto(`${dash!.origin}/`);
      assert.equal(response?.status(), 401);
      assert.match(await p.locator("body").innerText(), /^Locked: open the address/);
      assert.equal(await p.locator("tbody[data-server]").count(), 0);
      await screenshot(p, "08-locked");
    } finally {
      await stranger.close();
    }
    lap("locked");
  });

  it("serve stops on SIGTERM", SLOW, async () => {
    guard();
    const { code, forced } = await dash!.stop(5_000);
    assert.equal(forced, false, "serve needed SIGKILL");
    // Deno's node:child_process reports "SIGTERM" for a child that handled it (see stop()).
    const graceful = RUNTIME === "deno" ? [0, "SIGTERM"] : [0];
    assert.ok(graceful.includes(code!), `serve exited with ${code}; stderr:\n${dash!.stderr()}`);
    await assert.rejects(fetch(`${dash!.origin}/`), "the port is closed");
    lap("stop");
  });
});

function base64url(s: string): string {
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
