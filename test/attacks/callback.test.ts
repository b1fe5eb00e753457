/**
 * Attacks on the OAuth callback (issue 10; S15, S16), against the running pieces: the callback
 * of a `mcp-oauth serve` subprocess, the same dashboard in-process with a clock (expiry), and
 * the one-shot listener of `mcp-oauth authorize`. Two real authorization servers (oidc-provider)
 * hand out real codes; every token-endpoint request they get is counted, so "acts on nothing"
 * means no request at all, not just no token stored.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createEngine, type Engine } from "../../src/core/engine.ts";
import { dashboardApp, encodeId } from "../../src/http/dashboard/app.ts";
import { assets } from "../../src/http/dashboard/assets.ts";
import { ConfigFile } from "../../src/store/config-file.ts";
import { MemoryStore } from "../../src/store/memory-store.ts";
import { MemoryRegistry } from "../../src/store/server-registry.ts";
import { removeHome, startCli, storedRecords, tempHome } from "../cli/helpers.ts";
import {
  type AuthorizationServer,
  startAuthorizationServer,
} from "../fixtures/authorization-server.ts";
import { type McpTestServer, startMcpServer } from "../fixtures/mcp-server.ts";
import { type Dashboard, startServe } from "../http/e2e-helpers.ts";
import { signIn } from "../helpers/person.ts";
import { recordOutput } from "../helpers/secret-ledger.ts";
import { rawRequest } from "./raw-http.ts";

/** Requests that reached an AS's token endpoint, successful or not. */
function tokenRequests(as: AuthorizationServer): { n: number } {
  const count = { n: 0 };
  as.provider.on("grant.success", () => count.n++);
  as.provider.on("grant.error", () => count.n++);
  return count;
}

/** The authorization URL in the dashboard's redirect page. */
function authorizationUrlOf(html: string): URL {
  const m = /content="0;url=([^"]+)"/.exec(html);
  assert.ok(m, `no redirect in ${html.slice(0, 300)}`);
  return new URL(
    m[1]!.replaceAll("&amp;", "&").replaceAll("&#39;", "'").replaceAll("&quot;", '"'),
  );
}

/** A callback URL with some parameters replaced (undefined removes one). */
function withParams(callback: string, change: Record<string, string | undefined>): string {
  const u = new URL(callback);
  for (const [k, v] of Object.entries(change)) {
    if (v === undefined) u.searchParams.delete(k);
    else u.searchParams.set(k, v);
  }
  return u.href;
}

const STALE = /state is unknown, already used or expired/;

describe("attacks on the callback of `serve` (issue 10, S15, S16)", () => {
  let as1: AuthorizationServer;
  let as2: AuthorizationServer;
  let a: McpTestServer;
  let b: McpTestServer;
  let c: McpTestServer;
  let home: string;
  let serve: Dashboard;
  let key: Record<string, string>;
  let t1: { n: number };
  let t2: { n: number };

  /** Press Authorize on `name` in the dashboard: the authorization URL and its state. */
  async function begin(name: string): Promise<{ url: URL; state: string }> {
    const res = await fetch(`${serve.origin}/s/${encodeId(name)}/authorize`, {
      method: "POST",
      headers: { origin: serve.origin, ...key },
    });
    const html = await res.text();
    recordOutput(`serve authorize ${name}`, html);
    assert.equal(res.status, 200, html);
    const url = authorizationUrlOf(html);
    return { url, state: url.searchParams.get("state")! };
  }

  /** The person signs in and consents; the callback URL is returned, not opened. */
  async function consent(url: URL): Promise<string> {
    const { callbackUrl } = await signIn(url.href, { stopAtCallback: true });
    assert.ok(callbackUrl && new URL(callbackUrl).searchParams.has("code"));
    return callbackUrl!;
  }

  /** Open a callback URL in the "browser". */
  async function open(url: string): Promise<{ status: number; text: string; csp: string }> {
    const res = await fetch(url);
    const text = await res.text();
    recordOutput(`serve callback → ${res.status}`, text);
    return { status: res.status, text, csp: res.headers.get("content-security-policy") ?? "" };
  }

  /** The stored token record of an MCP server, if any. */
  async function tokenOf(mcp: McpTestServer): Promise<{ access_token: string } | undefined> {
    const records = await storedRecords(home);
    const key = Object.keys(records).find((k) =>
      k.includes("/.mcp-oauth/token/") && k.endsWith(encodeURIComponent(mcp.url))
    );
    return key ? records[key] as { access_token: string } : undefined;
  }

  before(async () => {
    as1 = await startAuthorizationServer();
    as2 = await startAuthorizationServer();
    a = await startMcpServer({ issuer: as1.issuer, introspect: as1.introspect });
    b = await startMcpServer({ issuer: as1.issuer, introspect: as1.introspect });
    c = await startMcpServer({ issuer: as2.issuer, introspect: as2.introspect });
    as1.allowResource(a.url);
    as1.allowResource(b.url);
    as2.allowResource(c.url);
    t1 = tokenRequests(as1);
    t2 = tokenRequests(as2);
    home = await tempHome("mcp-oauth-attacks-cb-");
    const config = new ConfigFile(home);
    await config.put({ name: "a", url: a.url });
    await config.put({ name: "b", url: b.url });
    await config.put({ name: "c", url: c.url });
    serve = await startServe(home);
    key = { "mcp-oauth-key": serve.key };
  }, { timeout: 60_000 });

  after(async () => {
    await serve?.stop();
    for (const s of [a, b, c, as1, as2]) await s?.close();
    await removeHome(home);
  });

  it("unknown, missing and repeated state: refused, no token request, and the real sign-in still works", async () => {
    const { url, state } = await begin("a");
    const genuine = await consent(url);
    for (
      const forged of [
        withParams(genuine, { state: "made-up-state-0123456789" }),
        withParams(genuine, { state: state.slice(0, -1) }),
        withParams(genuine, {
          state: state.toUpperCase() === state ? state.toLowerCase() : state.toUpperCase(),
        }),
        withParams(genuine, { state: undefined }),
        withParams(genuine, { state: "" }),
        `${genuine}&state=${encodeURIComponent(state)}`,
      ]
    ) {
      const r = await open(forged);
      assert.equal(r.status, 400, forged);
      assert.match(r.text, /state is (unknown|missing|repeated)/);
      assert.ok(
        !r.text.includes(new URL(genuine).searchParams.get("code")!),
        "the page echoes no code",
      );
    }
    assert.equal(t1.n, 0, "no forged callback reached the token endpoint");
    assert.equal(await tokenOf(a), undefined);
    const ok = await open(genuine);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(t1.n, 1);
    assert.ok(await tokenOf(a));
  });

  it("replay after a success: refused, the token is not replaced, the code is not redeemed again", async () => {
    const { url } = await begin("b");
    const genuine = await consent(url);
    assert.equal((await open(genuine)).status, 200);
    const first = await tokenOf(b);
    const requests = t1.n;
    for (let i = 0; i < 3; i++) {
      const r = await open(genuine);
      assert.equal(r.status, 400);
      assert.match(r.text, STALE);
    }
    assert.equal(t1.n, requests, "a replay made no token request");
    assert.deepEqual(await tokenOf(b), first);
  });

  it("replay after a failure (mix-up): the first answer used the state up; the genuine one is refused too", async () => {
    const before = await tokenOf(a);
    const requests = t1.n + t2.n;
    const { url } = await begin("a");
    const genuine = await consent(url);
    const mixed = await open(withParams(genuine, { iss: as2.issuer }));
    assert.equal(mixed.status, 400);
    assert.match(mixed.text, /iss .* is not .* mix-up/);
    const again = await open(genuine);
    assert.equal(again.status, 400);
    assert.match(again.text, STALE);
    assert.equal(t1.n + t2.n, requests, "neither AS got a token request");
    assert.deepEqual(await tokenOf(a), before);
  });

  it("S16: iss missing though the AS advertises it, or another AS's iss on an error: refused unread", async () => {
    const requests = t1.n + t2.n;
    const before = await tokenOf(b);
    const first = await begin("b");
    const noIss = await open(withParams(await consent(first.url), { iss: undefined }));
    assert.equal(noIss.status, 400);
    assert.match(noIss.text, /iss is missing; expected/);

    // An error response is not believed either when it names another AS.
    const second = await begin("b");
    const err = await open(
      `${serve.origin}/callback?error=access_denied&error_description=ignore+me&state=${second.state}&iss=${
        encodeURIComponent(as2.issuer)
      }`,
    );
    assert.equal(err.status, 400);
    assert.match(err.text, /mix-up/);
    assert.doesNotMatch(err.text, /ignore me|refused the sign-in/);
    for (
      const iss of [
        `${as1.issuer}/`,
        as1.issuer.toUpperCase(),
        ` ${as1.issuer}`,
        as1.issuer.replace("127.0.0.1", "localhost"),
      ]
    ) {
      const third = await begin("b");
      const r = await open(withParams(await consent(third.url), { iss }));
      assert.equal(r.status, 400, `iss ${iss}`);
      assert.match(r.text, /mix-up/);
    }
    assert.equal(t1.n + t2.n, requests);
    assert.deepEqual(await tokenOf(b), before);
  });

  it("an error_description with markup is shown as text under a strict CSP", async () => {
    const { state } = await begin("b");
    const r = await open(
      `${serve.origin}/callback?error=access_denied&state=${state}&iss=${
        encodeURIComponent(as1.issuer)
      }&error_description=${
        encodeURIComponent('<script>alert(1)</script><img src=x onerror="alert(2)">')
      }`,
    );
    assert.equal(r.status, 400);
    assert.match(r.text, /refused the sign-in: access_denied/);
    assert.ok(!r.text.includes("<script>alert") && !r.text.includes("<img src=x"), r.text);
    assert.match(r.text, /&lt;script&gt;/);
    assert.match(r.csp, /default-src 'none'/);
    assert.doesNotMatch(r.csp, /script-src[^;]*unsafe-inline/);
  });

  it("the state of another server on the same AS: PKCE makes the swapped code useless", async () => {
    const tokenA = await tokenOf(a);
    const tokenB = await tokenOf(b);
    const forA = await begin("a");
    const forB = await begin("b");
    const codeForB = await consent(forB.url);
    // B's code and iss, delivered with A's state: A's verifier does not match B's challenge.
    const swapped = await open(withParams(codeForB, { state: forA.state }));
    assert.equal(swapped.status, 400);
    assert.match(swapped.text, /invalid_grant|code exchange/i);
    assert.deepEqual(await tokenOf(a), tokenA, "A got no token from B's code");
    assert.deepEqual(await tokenOf(b), tokenB);
    // B's own callback still works: the AS did not spend the code on the failed exchange.
    const own = await open(codeForB);
    assert.equal(own.status, 200, own.text);
    assert.notDeepEqual(await tokenOf(b), tokenB);
  });

  it("mix-up across two AS: a code from AS2 with a state sent to AS1 is refused before any request", async () => {
    const requests = t1.n + t2.n;
    const forB = await begin("b"); // AS1
    const forC = await begin("c"); // AS2
    const codeFromAs2 = await consent(forC.url);
    const r = await open(withParams(codeFromAs2, { state: forB.state }));
    assert.equal(r.status, 400);
    assert.ok(r.text.includes(`is not ${as1.issuer} (RFC 9207 mix-up defence)`), r.text);
    assert.ok(r.text.includes(as2.issuer));
    assert.equal(t1.n + t2.n, requests, "no token request to either AS");
    assert.equal(await tokenOf(c), undefined);
    // C's own flow was not touched.
    assert.equal((await open(codeFromAs2)).status, 200);
    assert.ok(await tokenOf(c));
    assert.equal(t2.n, 1);
  });

  it("DNS rebinding on the callback: a foreign Host is refused even with a genuine answer", async () => {
    const { url } = await begin("c");
    const genuine = new URL(await consent(url));
    const port = Number(genuine.port);
    const before = t2.n;
    for (const h of ["evil.example", `evil.example:${port}`, `127.0.0.1:${port + 1}`]) {
      const res = await rawRequest(port, {
        target: `${genuine.pathname}${genuine.search}`,
        headers: [["Host", h]],
      });
      assert.equal(res.status, 421, h);
    }
    assert.equal(t2.n, before);
    assert.equal((await open(genuine.href)).status, 200, "the refused requests used nothing up");
  });
});

describe("attacks on the callback: an expired state (S15, clock injected)", () => {
  let as: AuthorizationServer;
  let mcp: McpTestServer;
  let engine: Engine;
  let store: MemoryStore;
  let app: ReturnType<typeof dashboardApp>;
  let clock = Date.now();
  let requests: { n: number };
  const ORIGIN = "http://127.0.0.1:7777";
  const KEY = "expiry-test-key-0123456789";
  const TTL = 10 * 60_000;

  const req = (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set("host", "127.0.0.1:7777");
    headers.set("mcp-oauth-key", KEY);
    if (init.method === "POST") headers.set("origin", ORIGIN);
    return app.request(`${ORIGIN}${path}`, { ...init, headers });
  };

  async function beginAndConsent(): Promise<string> {
    const res = await req(`/s/${encodeId("demo")}/authorize`, { method: "POST" });
    assert.equal(res.status, 200);
    const { callbackUrl } = await signIn(authorizationUrlOf(await res.text()).href, {
      stopAtCallback: true,
    });
    return callbackUrl!;
  }

  before(async () => {
    as = await startAuthorizationServer();
    mcp = await startMcpServer({ issuer: as.issuer, introspect: as.introspect });
    as.allowResource(mcp.url);
    requests = tokenRequests(as);
    store = new MemoryStore();
    engine = createEngine({
      store,
      servers: new MemoryRegistry(),
      now: () => clock,
      authorizationTtlMs: TTL,
    });
    await engine.addServer({ name: "demo", url: mcp.url });
    app = dashboardApp({
      engine,
      origin: ORIGIN,
      hosts: ["127.0.0.1:7777"],
      secret: KEY,
      home: "/tmp/unused",
      assets,
      listTools: () => Promise.resolve([]),
      now: () => clock,
    });
  }, { timeout: 30_000 });

  after(async () => {
    await mcp?.close();
    await as?.close();
  });

  it("a callback at the expiry is refused, stays refused, and makes no request", async () => {
    const callback = await beginAndConsent();
    clock += TTL;
    const late = await req(new URL(callback).pathname + new URL(callback).search);
    assert.equal(late.status, 400);
    assert.match(await late.text(), STALE);
    clock -= TTL; // even back in time: the expired request was dropped, not kept
    assert.equal((await req(new URL(callback).pathname + new URL(callback).search)).status, 400);
    assert.equal(requests.n, 0);
    assert.equal(
      (await engine.status((await engine.servers.get("demo"))!)).state,
      "needs-authorization",
    );
  });

  it("control: one millisecond before the expiry the same callback signs in", async () => {
    const callback = await beginAndConsent();
    clock += TTL - 1;
    const res = await req(new URL(callback).pathname + new URL(callback).search);
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(requests.n, 1);
    assert.equal((await engine.status((await engine.servers.get("demo"))!)).state, "authorized");
  });
});

describe("attacks on the one-shot callback listener of `authorize` (S15, S16)", () => {
  let as: AuthorizationServer;
  let other: AuthorizationServer;
  let mcp: McpTestServer;
  let home: string;
  let requests: { n: number };

  before(async () => {
    as = await startAuthorizationServer();
    other = await startAuthorizationServer();
    mcp = await startMcpServer({ issuer: as.issuer, introspect: as.introspect });
    as.allowResource(mcp.url);
    requests = tokenRequests(as);
    home = await tempHome("mcp-oauth-attacks-cli-");
    await new ConfigFile(home).put({ name: "demo", url: mcp.url });
  }, { timeout: 30_000 });

  after(async () => {
    await mcp?.close();
    await as?.close();
    await other?.close();
    await removeHome(home);
  });

  /** `authorize demo --browser none`: the printed authorization URL and the listener's port. */
  async function start() {
    const cli = startCli(["authorize", "demo", "--browser", "none", "--timeout", "30"], { home });
    const m = await cli.waitForStderr(/^\s+(http:\/\/127\.0\.0\.1:\d+\/\S+)$/m);
    const url = new URL(m[1]!);
    const port = Number(new URL(url.searchParams.get("redirect_uri")!).port);
    return { cli, url, port, state: url.searchParams.get("state")! };
  }

  const get = (port: number, target: string, host = `127.0.0.1:${port}`) =>
    rawRequest(port, { target, headers: [["Host", host]] });

  it("strays (unknown state, foreign Host) do not end the wait; a mix-up answer ends it with nothing stored", async () => {
    const { cli, url, port, state } = await start();
    const genuine = new URL((await signIn(url.href, { stopAtCallback: true })).callbackUrl!);
    const code = genuine.searchParams.get("code")!;
    const stray = await get(port, `/callback?code=${code}&state=not-the-state-0123456789`);
    assert.equal(stray.status, 400);
    assert.match(stray.body, STALE);
    const rebound = await get(port, `${genuine.pathname}${genuine.search}`, `evil.example:${port}`);
    assert.equal(rebound.status, 421, "a rebound page cannot deliver (or read) the callback");
    assert.equal(requests.n, 0);

    const mixed = await get(
      port,
      `/callback?code=${code}&state=${state}&iss=${encodeURIComponent(other.issuer)}`,
    );
    assert.equal(mixed.status, 400);
    const done = await cli.done;
    recordOutput("authorize (mix-up) stderr", done.stderr);
    assert.equal(done.code, 1);
    assert.match(done.stderr, /mix-up/);
    assert.equal(requests.n, 0, "the code was never sent to the token endpoint");
    assert.deepEqual(
      Object.keys(await storedRecords(home)).filter((k) => k.includes("/token/")),
      [],
    );
    // The listener is gone: the genuine answer cannot be replayed into it.
    await assert.rejects(get(port, `${genuine.pathname}${genuine.search}`));
  });

  it("replay after a success: the listener closed with the sign-in", async () => {
    const { cli, url, port } = await start();
    const genuine = new URL((await signIn(url.href, { stopAtCallback: true })).callbackUrl!);
    // As a relay delivers it (to http://localhost:PORT): the Host check lets that through.
    const ok = await get(port, `${genuine.pathname}${genuine.search}`, `localhost:${port}`);
    assert.equal(ok.status, 200);
    const done = await cli.done;
    recordOutput("authorize stderr", done.stderr);
    assert.equal(done.code, 0, done.stderr);
    assert.equal(requests.n, 1);
    await assert.rejects(get(port, `${genuine.pathname}${genuine.search}`));
    assert.equal(requests.n, 1);
  });
});
