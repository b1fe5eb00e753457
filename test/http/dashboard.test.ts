/**
 * The dashboard app through app.request(): every action, every error, every
 * local-security rule (issue 5), against the real oidc-provider and MCP fixtures.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { listTools, withMcpSession } from "../../src/cli/mcp-client.ts";
import { createEngine, type Engine } from "../../src/core/engine.ts";
import { dashboardApp, encodeId } from "../../src/http/dashboard/app.ts";
import { assets } from "../../src/http/dashboard/assets.ts";
import { MemoryStore } from "../../src/store/memory-store.ts";
import { MemoryRegistry } from "../../src/store/server-registry.ts";
import {
  type AuthorizationServer,
  startAuthorizationServer,
} from "../fixtures/authorization-server.ts";
import { type McpTestServer, startMcpServer } from "../fixtures/mcp-server.ts";
import { signIn } from "../helpers/person.ts";
import { OUTPUT_LOG, recordOutput } from "../helpers/secret-ledger.ts";

const ORIGIN = "http://127.0.0.1:7777";
const KEY = "test-key-0123456789";
const PROXY_KEY = "mcpo_dashboard-test-proxy-key";

describe("dashboard routes (issue 5)", () => {
  let as: AuthorizationServer;
  let mcp: McpTestServer;
  let store: MemoryStore;
  let engine: Engine;
  let app: ReturnType<typeof dashboardApp>;
  /** The key as the page's script sends it, once the page was opened with it. */
  let key = "";

  /** A request as the dashboard's own page would send it; the page goes to the output log. */
  async function req(
    path: string,
    init: RequestInit & { host?: string; origin?: string | null; withKey?: boolean } = {},
  ) {
    const headers = new Headers(init.headers);
    headers.set("host", init.host ?? "127.0.0.1:7777");
    const method = init.method ?? "GET";
    if (method !== "GET" && init.origin !== null) headers.set("origin", init.origin ?? ORIGIN);
    if (init.withKey !== false && key) headers.set("mcp-oauth-key", key);
    const res = await app.request(`${ORIGIN}${path}`, { ...init, method, headers });
    if (OUTPUT_LOG) {
      recordOutput(`dashboard ${method} ${path.split("?")[0]}`, await res.clone().text());
    }
    return res;
  }
  const form = (fields: Record<string, string>) => ({
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "hx-request": "true" },
    body: new URLSearchParams(fields).toString(),
  });

  before(async () => {
    as = await startAuthorizationServer({ accessTokenTTL: 600 });
    mcp = await startMcpServer({ issuer: as.issuer, introspect: as.introspect });
    as.allowResource(mcp.url);
    store = new MemoryStore();
    engine = createEngine({ store, servers: new MemoryRegistry() });
    app = dashboardApp({
      engine,
      origin: ORIGIN,
      hosts: ["127.0.0.1:7777", "localhost:7777"],
      secret: KEY,
      home: "/tmp/home",
      assets,
      listTools: (def) => withMcpSession(engine, def, undefined, listTools),
      callTool: (def, name, args) =>
        withMcpSession(
          engine,
          def,
          undefined,
          (client) => client.callTool({ name, arguments: args }),
        ),
      proxyKey: () => Promise.resolve(PROXY_KEY),
    });
  });
  after(async () => {
    await mcp.close();
    await as.close();
  });

  describe("local security", () => {
    it("refuses a Host that is not the address served (DNS rebinding)", async () => {
      const res = await req("/", { host: "evil.example:7777", withKey: false });
      assert.equal(res.status, 421);
      assert.match(await res.text(), /answers only to 127\.0\.0\.1:7777/);
      assert.equal(
        (await req("/assets/app.css", { host: "attacker.test" })).status,
        421,
        "assets too",
      );
      assert.equal(
        (await req("/callback?state=x", { host: "127.0.0.1.nip.io:7777" })).status,
        421,
        "the callback too",
      );
    });

    it("is locked without the key, refuses a wrong key, and opens with the right one, which the page holds (no cookie)", async () => {
      const locked = await req("/", { withKey: false });
      assert.equal(locked.status, 401);
      assert.match(await locked.text(), /open the address that `mcp-oauth serve` printed/);
      assert.equal((await req("/?k=wrong-key-0123456789", { withKey: false })).status, 403);
      const res = await req(`/?k=${KEY}`, { withKey: false });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("set-cookie"), null, "never a cookie: cookies ignore ports");
      const html = await res.text();
      assert.match(html, /<h1>mcp-oauth<\/h1>/);
      assert.ok(html.includes(`<meta name="mcp-oauth-key" content="${KEY}">`), "for the script");
      key = KEY;
      const page = await req("/");
      assert.equal(page.status, 200, "with the key in its header");
      assert.match(await page.text(), /<h1>mcp-oauth<\/h1>/);
    });

    it("refuses state-changing requests from another Origin, or with none", async () => {
      const foreign = await req("/servers", {
        ...form({ name: "x", url: mcp.url }),
        origin: "https://evil.example",
      });
      assert.equal(foreign.status, 403);
      const none = await req("/servers", { ...form({ name: "x", url: mcp.url }), origin: null });
      assert.equal(none.status, 403);
      const lookalike = await req("/servers", {
        ...form({ name: "x", url: mcp.url }),
        origin: "http://127.0.0.1:7778",
      });
      assert.equal(lookalike.status, 403);
      assert.equal(await engine.servers.get("x"), undefined, "nothing was added");
    });

    it("refuses a state-changing request without the key even from our Origin", async () => {
      const res = await req("/servers", { ...form({ name: "x", url: mcp.url }), withKey: false });
      assert.equal(res.status, 401);
      assert.equal(await engine.servers.get("x"), undefined);
    });

    it("sends a strict CSP with no inline scripts, and no-store on pages", async () => {
      const res = await req("/");
      const csp = res.headers.get("content-security-policy") ?? "";
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.equal(res.headers.get("cache-control"), "no-store");
      assert.equal(res.headers.get("x-frame-options"), "DENY");
      const html = await res.text();
      assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, "every script has a src");
      assert.doesNotMatch(html, /\son[a-z]+=/i, "no inline event handlers");
    });

    it("serves htmx (the pinned package) and our assets from our own origin, without the key", async () => {
      const htmx = await req("/assets/htmx.min.js", { withKey: false });
      assert.equal(htmx.status, 200);
      assert.match(htmx.headers.get("content-type") ?? "", /javascript/);
      assert.ok((await htmx.text()).length > 10_000);
      assert.equal((await req("/assets/app.css", { withKey: false })).status, 200);
      assert.equal((await req("/assets/app.js", { withKey: false })).status, 200);
      assert.doesNotMatch(
        await (await req("/")).text(),
        /https?:\/\/(?!127\.0\.0\.1)[^"]*\.js/,
        "no CDN",
      );
    });

    it("the callback refuses an unknown state and stores nothing", async () => {
      const before = await store.list();
      const res = await req(
        `/callback?code=abc&state=forged&iss=${encodeURIComponent(as.issuer)}`,
        { withKey: false },
      );
      assert.equal(res.status, 400);
      const text = await res.text();
      assert.match(text, /Sign-in failed/);
      assert.match(text, /state is unknown, already used or expired/);
      assert.deepEqual(await store.list(), before);
    });
  });

  describe("actions", () => {
    const id = encodeId("demo");

    it("adds a server, and explains a bad one next to the form (422)", async () => {
      const bad = await req("/servers", form({ name: "bad name!", url: mcp.url }));
      assert.equal(bad.status, 422);
      assert.match(
        await bad.text(),
        /&quot;bad name!&quot; is not a valid name|"bad name!" is not a valid name/,
      );
      const badUrl = await req("/servers", form({ name: "demo", url: "ftp://example.com/x" }));
      assert.equal(badUrl.status, 422);
      assert.match(await badUrl.text(), /scheme &quot;ftp:&quot;|scheme "ftp:"/);
      const ok = await req(
        "/servers",
        form({ name: "demo", url: mcp.url, scopes: "mcp:read mcp:write" }),
      );
      assert.equal(ok.status, 200);
      const html = await ok.text();
      assert.match(html, new RegExp(`id="srv-${id}"`));
      assert.match(html, /needs authorization/);
      assert.deepEqual((await engine.servers.get("demo"))?.scopes, ["mcp:read", "mcp:write"]);
    });

    it("shows an error in the row, not a blank page, when refresh is impossible", async () => {
      const res = await req(`/s/${id}/refresh`, { method: "POST" });
      assert.equal(res.status, 200);
      assert.match(await res.text(), /class="error" role="alert">demo is not signed in yet/);
    });

    it("authorize opens the AS in the tab, the row polls, and the callback signs in", async () => {
      const start = await req(`/s/${id}/authorize`, { method: "POST" });
      assert.equal(start.status, 200);
      const page = await start.text();
      const url = /content="0;url=([^"]+)"/.exec(page)?.[1]?.replaceAll("&amp;", "&");
      assert.ok(url?.startsWith(`${as.issuer}/auth?`), page);
      const params = new URL(url!).searchParams;
      assert.equal(params.get("redirect_uri"), `${ORIGIN}/callback`);
      assert.equal(params.get("code_challenge_method"), "S256");
      const row = await (await req(`/s/${id}/row`)).text();
      assert.match(row, /waiting for sign-in/);
      assert.match(row, /hx-trigger="every 1s"/);
      const { callbackUrl } = await signIn(url!, { stopAtCallback: true });
      const cb = new URL(callbackUrl);
      const done = await req(`${cb.pathname}${cb.search}`, { withKey: false });
      assert.equal(done.status, 200);
      assert.match(await done.text(), /Signed in[\s\S]*You can close this tab/);
      const after = await (await req(`/s/${id}/row`)).text();
      assert.match(after, /status authorized/);
      assert.doesNotMatch(after, /hx-trigger/, "polling stops");
      const replay = await req(`${cb.pathname}${cb.search}`, { withKey: false });
      assert.equal(replay.status, 400, "S15: the state is single use");
    });

    it("test lists the tools through authFetch, with descriptions, parameters and a call form (issue 18, item 13)", async () => {
      const html = await (await req(`/s/${id}/test`, { method: "POST" })).text();
      assert.match(html, /<h2>Tools of demo<\/h2>/);
      assert.deepEqual([...html.matchAll(/data-tool="([^"]+)"/g)].map((m) => m[1]), [
        "echo",
        "whoami",
        "add",
      ]);
      assert.match(html, /Echoes the text back/);
      assert.match(
        html,
        /<td><code>text<\/code><\/td>\s*<td><code>string<\/code><\/td>\s*<td>required<\/td>/,
      );
      assert.match(html, new RegExp(`hx-post="/s/${id}/call"`));
      assert.match(
        html,
        /<textarea name="args"[^>]*>\{&quot;text&quot;:&quot;&quot;\}<\/textarea>/,
      );
    });

    it("call shows the result, and errors in place: bad JSON, not an object, a tool error (issue 18, item 13)", async () => {
      const call = (fields: Record<string, string>) => req(`/s/${id}/call`, form(fields));
      const ok = await call({ tool: "echo", args: '{"text": "hello <b>"}' });
      assert.equal(ok.status, 200);
      const okHtml = await ok.text();
      assert.match(okHtml, /Result:/);
      assert.match(okHtml, /<pre>hello &lt;b&gt;<\/pre>/);
      const bad = await call({ tool: "echo", args: "{text:" });
      assert.equal(bad.status, 200, "an error shown in place, not a failed load");
      assert.match(await bad.text(), /class="error" role="alert">The arguments are not valid JSON/);
      const array = await call({ tool: "echo", args: "[1]" });
      assert.equal(array.status, 200);
      assert.match(await array.text(), /must be a JSON object/);
      const refused = await (await call({ tool: "add", args: '{"a": "x"}' })).text();
      assert.match(refused, /error/);
      assert.doesNotMatch(refused, /Result:/);
    });

    it("refresh refreshes", async () => {
      const refreshes = as.counts.refresh;
      const html = await (await req(`/s/${id}/refresh`, { method: "POST" })).text();
      assert.match(html, /Refreshed\./);
      assert.equal(as.counts.refresh, refreshes + 1);
      // The live section, re-rendered since the tokens changed, keeps the answer.
      assert.match(await (await req("/servers/live?since=")).text(), /Refreshed\./);
    });

    it("trace shows each discovery step and the registration without secrets", async () => {
      const html = await (await req(`/s/${id}/trace`)).text();
      assert.match(html, /Discovery of demo/);
      assert.match(html, /oauth-protected-resource\/mcp/);
      assert.match(html, /requests in 2 sequential rounds/);
      assert.match(html, /none \(public client\)/);
    });

    it("claims explains an opaque token and never shows it", async () => {
      const token = await engine.getAccessToken((await engine.servers.get("demo"))!);
      const html = await (await req(`/s/${id}/claims`)).text();
      assert.match(html, /opaque/);
      for (const path of ["/", `/s/${id}/row`, `/s/${id}/trace`, `/s/${id}/claims`]) {
        assert.ok(
          !(await (await req(path)).text()).includes(token),
          `${path} never renders the token`,
        );
      }
    });

    it("revoke revokes at the AS and the row needs authorization again", async () => {
      const token = await engine.getAccessToken((await engine.servers.get("demo"))!);
      const html = await (await req(`/s/${id}/revoke`, { method: "POST" })).text();
      assert.match(html, /Revoked\./);
      assert.match(html, /needs authorization/);
      assert.equal((await as.introspect(token)).active, false);
    });

    it("connect shows the snippets with the home, and the proxy key only on request (issue 18, item 14)", async () => {
      const hidden = await (await req(`/s/${id}/connect`)).text();
      assert.match(hidden, /Connect a client to demo/);
      for (const title of ["Claude Desktop", "Cursor", "VS Code"]) {
        assert.match(hidden, new RegExp(title));
      }
      assert.match(
        hidden,
        /&quot;stdio&quot;,\s*&quot;demo&quot;,\s*&quot;--home&quot;,\s*&quot;\/tmp\/home&quot;/,
      );
      assert.match(hidden, /http:\/\/127\.0\.0\.1:7777\/mcp\/demo/);
      assert.ok(!hidden.includes(PROXY_KEY), "the proxy key is not shown unasked");
      assert.match(hidden, /Show the proxy key/);
      const shown = await (await req(`/s/${id}/connect?key=show`)).text();
      assert.ok(shown.includes(`Bearer ${PROXY_KEY}`), "shown when asked");
      assert.doesNotMatch(shown, /Show the proxy key/);
    });

    it("the servers section answers 204 while nothing changed, and itself once something did (issue 18, item 11)", async () => {
      const first = await req("/servers/live?since=");
      assert.equal(first.status, 200);
      const html = await first.text();
      const since = /hx-get="\/servers\/live\?since=([^"]+)"/.exec(html)?.[1];
      assert.ok(since, html.slice(0, 300));
      assert.match(html, /hx-trigger="every 2s"/);
      assert.equal((await req(`/servers/live?since=${since}`)).status, 204);
      assert.equal((await req(`/servers/live?since=${since}`)).status, 204, "still");
      // Another process (or this one) changes the tokens: the section comes back, changed.
      await engine.addServer({ name: "other", url: mcp.url });
      const changed = await req(`/servers/live?since=${since}`);
      assert.equal(changed.status, 200);
      assert.notEqual(/since=([^"]+)"/.exec(await changed.text())?.[1], since);
      const page = await (await req("/")).text();
      assert.match(page, /<section id="servers"[^>]* hx-get="\/servers\/live\?since=/);
      await engine.remove((await engine.servers.get("other"))!);
    });

    it("an unknown server id is a 404 with a message", async () => {
      const res = await req(`/s/${encodeId("nope")}/refresh`, { method: "POST" });
      assert.equal(res.status, 404);
      assert.match(await res.text(), /reload the page/);
    });

    it("remove forgets the server", async () => {
      const res = await req(`/s/${id}/remove`, { method: "POST" });
      assert.equal(res.status, 200);
      assert.equal(await engine.servers.get("demo"), undefined);
      assert.doesNotMatch(await (await req("/")).text(), /data-server="demo"/);
    });
  });
});
