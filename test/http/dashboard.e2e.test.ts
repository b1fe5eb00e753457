/**
 * The dashboard in a real browser, end to end: `mcp-oauth serve` as a subprocess, the real
 * authorization server (oidc-provider) and MCP server fixtures in-process, and the system
 * Chromium driven by playwright-core. Add a server, sign in through the popup tab (login and
 * consent at the AS), watch the row turn "authorized" without reloading, list its tools, read
 * its discovery trace and claims, revoke it; all under the dashboard's CSP, and never with a
 * token in the page. Then the first ten minutes of issue 18: a sign-in from the CLI in another
 * process shows without a reload, expiry counts down, actions fit the state and a busy row shows
 * it, Test lists parameters and calls a tool, "Connect a client" copies snippets and shows the
 * proxy key only on request, and the page works at 420 px. Screenshots of every step go to
 * test-artifacts/dashboard/ (1280 px and 420 px, light and dark).
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
import { PERSON_BROWSER, runCli } from "../cli/helpers.ts";
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

  /** The row's buttons in order; the main one marked with "*". */
  async function actions(): Promise<string[]> {
    return await row().locator(".actions button").evaluateAll((buttons) =>
      buttons.map((b) => {
        const el = b as unknown as { textContent: string; className: string };
        return `${el.textContent.trim()}${/\bprimary\b/.test(el.className) ? "*" : ""}`;
      })
    );
  }

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
    // Not signed in: Authorize is the main button; nothing that needs a token is offered.
    assert.deepEqual(await actions(), ["Authorize*", "Connect", "Trace", "Remove"]);
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
      // The code and state leave the address bar at once (issue 18, item 10).
      await popup.waitForURL(`${dash!.origin}/callback`, { timeout: 5_000 });
      assert.match(await popup.locator("body").innerText(), new RegExp(`signed in to ${NAME}\\.`));
      assert.equal(
        await popup.evaluate(() =>
          (globalThis as unknown as { document: { querySelector(s: string): { href: string } } })
            .document.querySelector('link[rel="icon"]').href
        ),
        `${dash!.origin}/assets/icon.svg`,
      );
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
    // Signed in: Test leads; Refresh, Claims and Revoke appear; signing in again is secondary.
    assert.deepEqual(await actions(), [
      "Sign in again",
      "Test*",
      "Refresh",
      "Claims",
      "Connect",
      "Trace",
      "Revoke",
      "Remove",
    ]);
    const expiresAt = Number(await status().getAttribute("data-expires-at"));
    assert.ok(Math.abs(expiresAt - (Date.now() + 3600_000)) < 60_000, `expiry ${expiresAt}`);

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

  step(
    "5. Test lists the tools with their parameters, and calls one (issue 18, item 13)",
    async () => {
      await row().getByRole("button", { name: "Test" }).click();
      const details = page.locator("#details");
      await waitIn(
        page,
        details.locator("h2", { hasText: `Tools of ${NAME}` }),
        "the tools",
        10_000,
      );
      const tools = details.locator("article.tool");
      assert.deepEqual(await tools.locator("h3").allTextContents(), ["echo", "whoami", "add"]);
      const echo = tools.filter({ hasText: "Echoes the text back" });
      assert.deepEqual(
        await echo.locator("table.params tbody tr").first().locator("td").allTextContents(),
        ["text", "string", "required", ""],
      );
      assert.match(await tools.nth(1).innerText(), /No parameters\./);
      // Call echo with the example arguments filled in: an empty text.
      const args = echo.locator("textarea");
      assert.equal(await args.inputValue(), '{"text":""}');
      await args.fill('{"text": "hello from the dashboard"}');
      await echo.getByRole("button", { name: "Call echo" }).click();
      await waitIn(page, echo.locator(".call-result pre"), "the call's result", 10_000);
      assert.equal(await echo.locator(".call-result pre").innerText(), "hello from the dashboard");
      // Errors in place: not JSON, and a tool that refuses its arguments.
      await args.fill("{text:");
      await echo.getByRole("button", { name: "Call echo" }).click();
      await waitIn(page, echo.locator(".call-result .error"), "the JSON error", 10_000);
      assert.match(await echo.locator(".call-result").innerText(), /not valid JSON/);
      const add = tools.filter({ hasText: "Adds two numbers" });
      await add.locator("textarea").fill('{"a": "x", "b": 2}');
      await add.getByRole("button", { name: "Call add" }).click();
      await waitIn(page, add.locator(".call-result .error"), "the tool's error", 10_000);
      assert.match((await status().getAttribute("class")) ?? "", /\bauthorized\b/);
      await assertNoSecrets(page, "the dashboard after Test");
      await screenshot(page, "05-tools");
      lap("5 test");
    },
  );

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

  step(
    "6c. Connect a client: snippets with copy buttons; the proxy key only on request (issue 18, item 14)",
    async () => {
      await context.grantPermissions(["clipboard-read", "clipboard-write"], {
        origin: dash!.origin,
      });
      await row().getByRole("button", { name: "Connect" }).click();
      const details = page.locator("#details");
      await waitIn(
        page,
        details.locator("h2", { hasText: `Connect a client to ${NAME}` }),
        "the connect panel",
        10_000,
      );
      const text = await details.innerText();
      for (const client of ["Claude Desktop", "Cursor", "VS Code"]) {
        assert.ok(text.includes(client), client);
      }
      assert.ok(
        text.includes(`mcp-oauth serve --port ${new URL(dash!.origin).port} --home ${home}`),
        text,
      );
      const proxyKey = (await runCli(["proxy-key"], { home: home! })).stdout.trim();
      assert.match(proxyKey, /^mcpo_/);
      assert.ok(!(await page.content()).includes(proxyKey), "the proxy key is not shown unasked");
      // Copy the Cursor stdio snippet: the clipboard holds the JSON mcp-oauth config prints.
      const cursor = details.locator(".snippet").filter({ hasText: "Cursor" }).first();
      await cursor.getByRole("button", { name: "Copy" }).click();
      await waitIn(page, cursor.getByRole("button", { name: "Copied" }), '"Copied"', 5_000);
      const copied = await page.evaluate(() =>
        (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } })
          .navigator.clipboard.readText()
      );
      const printed = await runCli(["config", NAME, "--client", "cursor"], { home: home! });
      assert.deepEqual(JSON.parse(copied), JSON.parse(printed.stdout));
      await screenshot(page, "06c-connect");
      await details.getByRole("button", { name: "Show the proxy key" }).click();
      await waitIn(page, details.getByText(/The key is shown/), "the shown key", 5_000);
      assert.ok((await details.innerText()).includes(`Bearer ${proxyKey}`));
      lap("6c connect");
    },
  );

  step(
    "6d. a busy row shows it and rests its buttons while a request runs (issue 18, item 12)",
    async () => {
      // Every class and disabled state the row goes through, recorded as it happens.
      await page.evaluate((id) => {
        const g = globalThis as unknown as {
          __busy: string[];
          document: { getElementById(id: string): unknown };
          MutationObserver: new (cb: () => void) => { observe(n: unknown, o: unknown): void };
        };
        g.__busy = [];
        const tbody = g.document.getElementById(id) as {
          className: string;
          querySelectorAll(s: string): { disabled: boolean }[];
        };
        new g.MutationObserver(() => {
          const disabled = [...tbody.querySelectorAll("button")].filter((b) => b.disabled).length;
          g.__busy.push(`${tbody.className}|${disabled}`);
        }).observe(tbody, { attributes: true, subtree: true });
      }, `srv-${base64url(NAME)}`);
      await row().getByRole("button", { name: "Refresh" }).click();
      await waitIn(page, row().getByText("Refreshed."), '"Refreshed."', 10_000);
      const seen = await page.evaluate(() =>
        (globalThis as unknown as { __busy: string[] }).__busy
      );
      assert.ok(
        seen.some((s) => /htmx-request/.test(s) && !s.endsWith("|0")),
        `the row was marked busy with its buttons disabled: ${JSON.stringify(seen)}`,
      );
      lap("6d busy");
    },
  );

  step(
    "6e. at 1280 px and 420 px, light and dark: usable, nothing one character wide (issue 18, item 15)",
    async () => {
      await row().getByRole("button", { name: "Test" }).click();
      await waitIn(page, page.locator("#details article.tool").first(), "the tools", 10_000);
      for (const scheme of ["light", "dark"] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await page.setViewportSize({ width: 1280, height: 800 });
        await screenshot(page, `09-wide-${scheme}`);
        await page.setViewportSize({ width: 420, height: 860 });
        const layout = await page.evaluate((id) => {
          const d = (globalThis as unknown as {
            document: {
              documentElement: { scrollWidth: number };
              querySelector(
                s: string,
              ): { getBoundingClientRect(): { width: number; height: number } };
              querySelectorAll(s: string): { getBoundingClientRect(): { top: number } }[];
            };
          }).document;
          const url = d.querySelector(`#${id} td.url`).getBoundingClientRect();
          const tops = new Set(
            [...d.querySelectorAll(`#${id} .actions button`)].map((b) =>
              Math.round(b.getBoundingClientRect().top)
            ),
          );
          return {
            scrollWidth: d.documentElement.scrollWidth,
            urlWidth: url.width,
            urlHeight: url.height,
            buttonRows: tops.size,
            buttons: d.querySelectorAll(`#${id} .actions button`).length,
          };
        }, `srv-${base64url(NAME)}`);
        assert.ok(
          layout.scrollWidth <= 420,
          `no sideways scrolling at 420 px: ${JSON.stringify(layout)}`,
        );
        assert.ok(layout.urlWidth > 300, `the URL has the card's width: ${JSON.stringify(layout)}`);
        assert.ok(layout.urlHeight < 80, `the URL takes a line or two: ${JSON.stringify(layout)}`);
        assert.ok(
          layout.buttonRows <= 3,
          `buttons flow in rows, not one per line: ${JSON.stringify(layout)}`,
        );
        await screenshot(page, `10-narrow-${scheme}`);
      }
      await page.emulateMedia({ colorScheme: "light" });
      await page.setViewportSize({ width: 1280, height: 800 });
      lap("6e sizes");
    },
  );

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

  step(
    "7b. a sign-in from the CLI in another process shows without a reload (issue 18, item 11)",
    async () => {
      await page.evaluate(() => ((globalThis as { __mark?: number }).__mark = 43));
      const cli = await runCli(["authorize", NAME, "--browser", PERSON_BROWSER], { home: home! });
      assert.equal(cli.code, 0, cli.stderr);
      const signedInAt = Date.now();
      await waitIn(
        page,
        status().and(page.locator(".authorized")),
        '"authorized" after the CLI sign-in',
        10_000,
      );
      const seconds = (Date.now() - signedInAt) / 1000;
      assert.ok(seconds < 5, `shown ${seconds} s after the CLI signed in`);
      assert.equal(
        await page.evaluate(() => (globalThis as { __mark?: number }).__mark),
        43,
        "the dashboard was not reloaded",
      );
      assert.doesNotMatch(await row().innerText(), /Revoked/, "the stale answer is gone");
      await screenshot(page, "07b-cli-signed-in");
      // And a revoke from the CLI, the other way.
      assert.equal((await runCli(["revoke", NAME], { home: home! })).code, 0);
      await waitIn(
        page,
        status().filter({ hasText: "needs authorization" }),
        '"needs authorization" after the CLI revoke',
        10_000,
      );
      lap("7b live");
    },
  );

  step("7c. expiry counts down in the page, and an expired token says so", async () => {
    // The page's own clock: an element like a row's status, expiring in 2m 05s, then in 1 s.
    const label = async (ms: number) => {
      await page.evaluate((at) => {
        const d = (globalThis as unknown as {
          document: {
            createElement(
              t: string,
            ): { id: string; className: string; dataset: Record<string, string> };
            body: { append(n: unknown): void };
            getElementById(id: string): { remove(): void } | null;
          };
        }).document;
        d.getElementById("countdown-probe")?.remove();
        const el = d.createElement("span");
        el.id = "countdown-probe";
        el.className = "status authorized";
        el.dataset.expiresAt = String(at);
        d.body.append(el);
      }, Date.now() + ms);
      const probe = page.locator("#countdown-probe");
      await page.waitForTimeout(1_100);
      const first = await probe.innerText();
      await page.waitForTimeout(1_000);
      return [first, await probe.innerText(), (await probe.getAttribute("class")) ?? ""];
    };
    const [a, b] = await label(125_000);
    assert.match(a!, /^authorized, expires in [12]m \d\ds$/, a);
    assert.notEqual(a, b, "it counts down");
    const [, gone, cls] = await label(1_000);
    assert.equal(gone, "expired");
    assert.match(cls!, /expired-refreshable/);
    await page.evaluate(() =>
      (globalThis as unknown as { document: { getElementById(id: string): { remove(): void } } })
        .document.getElementById("countdown-probe").remove()
    );
    lap("7c countdown");
  });

  it("the dashboard page had no CSP violations and no errors", async () => {
    guard();
    const csp = await violations(page);
    // The dashboard has its icon (issue 18, item 10): no 404 of /favicon.ico either.
    const mine = problems.filter((p) => p.tab === "dashboard");
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
      const text = await p.locator("body").innerText();
      assert.match(text, /Locked: open the address/);
      // One sentence on how to open the dashboard (issue 18, item 15).
      assert.match(text, /To open the dashboard, run mcp-oauth serve --open/);
      assert.equal(await p.locator("tbody[data-server]").count(), 0);
      await screenshot(p, "08-locked");
      await p.setViewportSize({ width: 420, height: 700 });
      await screenshot(p, "08b-locked-narrow");
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
