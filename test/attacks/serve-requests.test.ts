/**
 * Attacks on a running `mcp-oauth serve` (issue 10): DNS rebinding, cross-site requests and path
 * tricks against every route of the dashboard and the MCP proxy, sent as raw HTTP so any Host,
 * Origin or request target can be forged. The routes come from the app itself (Hono's route
 * table), so a route added later is attacked too. After each wave the home directory (store,
 * config, proxy key) is byte-for-byte unchanged and the MCP server saw no request.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { createEngine } from "../../src/core/engine.ts";
import { callbackApp } from "../../src/http/callback-app.ts";
import { dashboardApp, encodeId } from "../../src/http/dashboard/app.ts";
import { ConfigFile } from "../../src/store/config-file.ts";
import { FileStore } from "../../src/store/file-store.ts";
import { MemoryStore } from "../../src/store/memory-store.ts";
import { ProxyKeyFile } from "../../src/store/proxy-key.ts";
import { MemoryRegistry } from "../../src/store/server-registry.ts";
import { removeHome, tempHome } from "../cli/helpers.ts";
import {
  type AuthorizationServer,
  startAuthorizationServer,
} from "../fixtures/authorization-server.ts";
import { type McpTestServer, startMcpServer } from "../fixtures/mcp-server.ts";
import { type Dashboard, startServe } from "../http/e2e-helpers.ts";
import { listen } from "../helpers/listen.ts";
import { signIn } from "../helpers/person.ts";
import { recordOutput } from "../helpers/secret-ledger.ts";
import { rawRequest, type RawResponse } from "./raw-http.ts";

/** Every file under `dir` (relative path → base64 bytes): the whole persistent state. */
async function snapshot(dir: string, prefix = ""): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = join(prefix, e.name);
    if (e.isDirectory()) Object.assign(out, await snapshot(dir, rel));
    else out[rel] = (await readFile(join(dir, rel))).toString("base64");
  }
  return out;
}

/** The routes of the dashboard app (with the proxy), from Hono's own table. */
function dashboardRoutes(): { method: string; path: string }[] {
  const app = dashboardApp({
    engine: createEngine({ store: new MemoryStore(), servers: new MemoryRegistry() }),
    origin: "http://127.0.0.1:1",
    hosts: ["127.0.0.1:1"],
    secret: "unused",
    home: "/unused",
    assets: { htmx: "", css: "", js: "" },
    listTools: () => Promise.resolve([]),
    proxyKey: () => Promise.resolve("unused"),
  });
  // `use()` middleware appears as ALL /*; those are not routes.
  return app.routes.filter((r) => r.path !== "/*").map((r) => ({
    method: r.method,
    path: r.path,
  }));
}

const ROUTES = dashboardRoutes();
const STATE_CHANGING = ROUTES.filter((r) => r.method !== "GET" && r.method !== "HEAD");

describe("attacks on `serve`: DNS rebinding and cross-site requests (issue 10)", () => {
  let as: AuthorizationServer;
  let mcp: McpTestServer;
  let home: string;
  let serve: Dashboard;
  let port: number;
  let host: string;
  let origin: string;
  /** The access key as our page sends it. */
  let keyHeader: [string, string];
  let proxyKey: string;
  let baseline: Record<string, string>;
  const id = encodeId("demo");
  let tried = 0;

  /** A concrete path for a route pattern. */
  const pathOf = (pattern: string) => pattern.replace(":id", id).replace(":name", "demo");

  /** What a request to a route carries: a body that would change something if accepted. */
  function bodyFor(path: string): { type: string; body: string } {
    if (path.startsWith("/mcp/")) {
      return {
        type: "application/json",
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: {
            protocolVersion: "2025-06-18",
            capabilities: {},
            clientInfo: { name: "attacker", version: "0" },
          },
        }),
      };
    }
    return {
      type: "application/x-www-form-urlencoded",
      body: "name=evil&url=https%3A%2F%2Fevil.example%2Fmcp",
    };
  }

  async function send(
    method: string,
    target: string,
    headers: [string, string][],
    body?: { type: string; body: string },
  ): Promise<RawResponse> {
    tried++;
    const h: [string, string][] = [...headers];
    if (body) h.push(["Content-Type", body.type]);
    if (body && target.includes("/mcp/")) h.push(["Accept", "application/json, text/event-stream"]);
    const res = await rawRequest(port, { method, target, headers: h, body: body?.body });
    recordOutput(`serve ${method} ${target} → ${res.status}`, res.body);
    return res;
  }

  async function assertNothingChanged(what: string, upstreamBefore: number) {
    assert.deepEqual(await snapshot(home), baseline, `${what}: the home changed`);
    assert.equal(mcp.requests, upstreamBefore, `${what}: a request reached the MCP server`);
  }

  before(async () => {
    as = await startAuthorizationServer();
    mcp = await startMcpServer({ issuer: as.issuer, introspect: as.introspect });
    as.allowResource(mcp.url);
    home = await tempHome("mcp-oauth-attacks-");
    // "demo" is signed in for real, so a request that got through would have a token to use.
    const engine = createEngine({ store: new FileStore(home), servers: new ConfigFile(home) });
    const cb = await listen(
      callbackApp(async (url) => {
        await engine.completeAuthorization(url);
        return { ok: true, message: "" };
      }).fetch,
    );
    await engine.addServer({ name: "demo", url: mcp.url });
    const def = (await engine.servers.get("demo"))!;
    const { url } = await engine.beginAuthorization(def, await engine.discover(def), {
      redirectUri: `${cb.url}/callback`,
    });
    await signIn(url.href);
    await cb.close();
    assert.equal((await engine.status((await engine.servers.get("demo"))!)).state, "authorized");

    serve = await startServe(home);
    port = Number(new URL(serve.origin).port);
    host = `127.0.0.1:${port}`;
    origin = `http://${host}`;
    keyHeader = ["Mcp-OAuth-Key", serve.key];
    proxyKey = await new ProxyKeyFile(home).get();
    baseline = await snapshot(home);
  }, { timeout: 60_000 });

  after(async () => {
    await serve?.stop();
    await mcp?.close();
    await as?.close();
    await removeHome(home);
  });

  it("the route table is what these attacks cover (a new route must be classified here)", () => {
    assert.deepEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort(), [
      "ALL /mcp/:name",
      "GET /",
      "GET /assets/app.css",
      "GET /assets/app.js",
      "GET /assets/htmx.min.js",
      "GET /assets/icon.svg",
      "GET /callback",
      "GET /favicon.ico",
      "GET /s/:id/claims",
      "GET /s/:id/connect",
      "GET /s/:id/row",
      "GET /s/:id/trace",
      "GET /servers/live",
      "POST /s/:id/authorize",
      "POST /s/:id/call",
      "POST /s/:id/refresh",
      "POST /s/:id/remove",
      "POST /s/:id/revoke",
      "POST /s/:id/test",
      "POST /servers",
    ]);
    assert.equal(STATE_CHANGING.length, 8);
  });

  it("DNS rebinding: every route, any Host but ours, is refused before anything runs (421/400)", async () => {
    const hosts: (string | null)[] = [
      "evil.example",
      `evil.example:${port}`,
      `localhost.evil.example:${port}`,
      `127.0.0.1.nip.io:${port}`,
      `127.0.0.1.evil.example:${port}`,
      "127.0.0.1",
      `127.0.0.1:${port + 1}`,
      "localhost",
      `localhost.:${port}`,
      `127.0.0.1.:${port}`,
      `0.0.0.0:${port}`,
      `127.0.0.2:${port}`,
      `127.1:${port}`,
      `2130706433:${port}`,
      `0x7f000001:${port}`,
      `[::1]`,
      `[::ffff:127.0.0.1]:${port}`,
      `[0:0:0:0:0:0:0:1]:${port}`,
      `user@127.0.0.1:${port}`,
      `<script>alert(1)</script>`,
      "",
      null, // no Host header at all
    ];
    const before = mcp.requests;
    const targets = [
      ...ROUTES.map((r) => ({
        method: r.method === "ALL" ? "POST" : r.method,
        path: pathOf(r.path),
      })),
      { method: "GET", path: `/?k=${serve.key}` },
      { method: "GET", path: "/mcp/demo" },
      { method: "DELETE", path: "/mcp/demo" },
    ];
    for (const h of hosts) {
      const foreign = `http://${h ?? "evil.example"}`;
      for (const t of targets) {
        const headers: [string, string][] = h === null ? [] : [["Host", h]];
        // The attacker's page sends its own Origin; give it our access key and proxy key too,
        // to show that the Host check alone stops it.
        headers.push(["Origin", foreign], keyHeader, [
          "Authorization",
          `Bearer ${proxyKey}`,
        ]);
        const res = await send(
          t.method,
          t.path,
          headers,
          t.method === "POST" ? bodyFor(t.path) : undefined,
        );
        assert.ok(
          res.status === 421 || res.status === 400,
          `Host ${JSON.stringify(h)} ${t.method} ${t.path}: ${res.status} ${res.body.slice(0, 80)}`,
        );
        assert.deepEqual(res.setCookies, [], "no cookie for a rebound host");
        if (res.status === 421) {
          assert.match(res.headers["content-type"] ?? "", /^text\/plain/);
          assert.equal(
            res.headers["x-content-type-options"],
            "nosniff",
            "the echoed Host is never HTML",
          );
        }
      }
    }
    await assertNothingChanged("rebinding", before);
  });

  it("DNS rebinding: two Host headers, and absolute-form targets naming us with a foreign Host", async () => {
    const before = mcp.requests;
    for (const r of STATE_CHANGING) {
      const path = pathOf(r.path);
      const method = r.method === "ALL" ? "POST" : r.method;
      const auth: [string, string][] = [
        ["Origin", origin],
        keyHeader,
        ["Authorization", `Bearer ${proxyKey}`],
      ];
      for (
        const [target, hostHeaders] of [
          [path, [["Host", host], ["Host", "evil.example"]]],
          [path, [["Host", "evil.example"], ["Host", host]]],
          [`http://${host}${path}`, [["Host", "evil.example"]]],
          [`http://${host}${path}`, [["Host", `evil.example:${port}`]]],
        ] as [string, [string, string][]][]
      ) {
        const res = await send(method, target, [...hostHeaders, ...auth], bodyFor(path));
        assert.ok(
          res.status === 421 || res.status === 400,
          `${JSON.stringify(hostHeaders)} ${method} ${target}: ${res.status}`,
        );
      }
    }
    await assertNothingChanged("two Hosts / absolute-form", before);
  });

  it("cross-site: every state-changing route refuses a foreign, null or missing Origin, even with our key", async () => {
    const before = mcp.requests;
    const variants: { name: string; headers: [string, string][]; text?: boolean }[] = [
      { name: "foreign Origin", headers: [["Origin", "http://evil.example"]] },
      { name: "Origin null (sandboxed frame, data: page)", headers: [["Origin", "null"]] },
      { name: "same host, other port", headers: [["Origin", `http://127.0.0.1:${port + 1}`]] },
      { name: "https instead of http", headers: [["Origin", `https://${host}`]] },
      { name: "our host as a prefix", headers: [["Origin", `http://${host}.evil.example`]] },
      { name: "our origin as userinfo", headers: [["Origin", `http://${host}@evil.example`]] },
      {
        name: "simple form POST, text/plain, Sec-Fetch-Site cross-site",
        headers: [["Origin", "http://evil.example"], ["Sec-Fetch-Site", "cross-site"]],
        text: true,
      },
      {
        name: "Sec-Fetch-Site same-site with a sibling origin",
        headers: [["Origin", `http://localhost:${port + 1}`], ["Sec-Fetch-Site", "same-site"]],
      },
      {
        name: "two Origin headers, ours second",
        headers: [["Origin", "http://evil.example"], ["Origin", origin]],
      },
    ];
    for (const r of STATE_CHANGING) {
      const path = pathOf(r.path);
      const methods = r.method === "ALL"
        ? ["POST", "DELETE", "PUT", "PATCH", "OPTIONS"]
        : [r.method];
      for (const method of methods) {
        for (const v of variants) {
          const body = v.text ? { type: "text/plain", body: bodyFor(path).body } : bodyFor(path);
          const headers: [string, string][] = [
            ["Host", host],
            ...v.headers,
            keyHeader,
            ["Authorization", `Bearer ${proxyKey}`],
          ];
          const res = await send(method, path, headers, body);
          assert.ok(
            res.status === 403 || res.status === 400,
            `${v.name}: ${method} ${path} answered ${res.status} ${res.body.slice(0, 80)}`,
          );
          assert.equal(res.headers["access-control-allow-origin"], undefined, "no CORS grant");
        }
        // No Origin at all: a browser always sends one on a cross-site POST; the dashboard still
        // refuses it, the proxy (whose clients are not browsers) wants its key instead.
        const res = await send(method, path, [["Host", host], keyHeader, [
          "Sec-Fetch-Site",
          "cross-site",
        ]], bodyFor(path));
        assert.equal(
          res.status,
          path.startsWith("/mcp/") ? 401 : 403,
          `no Origin: ${method} ${path} answered ${res.status}`,
        );
      }
    }
    await assertNothingChanged("cross-site", before);
  });

  it("our Origin without the access key or proxy key is locked out (401)", async () => {
    const before = mcp.requests;
    for (const r of STATE_CHANGING) {
      const path = pathOf(r.path);
      const method = r.method === "ALL" ? "POST" : r.method;
      for (
        const extra of [
          [],
          [["Mcp-OAuth-Key", "wrong"]],
          [["Mcp-OAuth-Key", serve.key.slice(0, -1)]],
          [["Mcp-OAuth-Key", proxyKey]],
          // A cookie goes to every port of the host, so the key is never taken from one
          // (issue 15): not even the right key.
          [["Cookie", `mcp_oauth_key=${serve.key}`]],
          [["Authorization", `Bearer ${serve.key}`]],
          [["Authorization", `bearer ${proxyKey.slice(0, -1)}x`]],
        ] as [string, string][][]
      ) {
        const res = await send(
          method,
          path,
          [["Host", host], ["Origin", origin], ...extra],
          bodyFor(path),
        );
        assert.equal(
          res.status,
          401,
          `${method} ${path} with ${JSON.stringify(extra)}: ${res.status}`,
        );
      }
      // The key in the query string counts only on GET; on a POST it is ignored.
      const res = await send(method, `${path}?k=${serve.key}&key=${proxyKey}`, [["Host", host], [
        "Origin",
        origin,
      ]], bodyFor(path));
      assert.equal(res.status, 401, `${method} ${path}?k=: ${res.status}`);
    }
    await assertNothingChanged("no key", before);
  });

  it("path tricks do not reach a protected route through a public prefix (/mcp/, /assets/, /callback)", async () => {
    const before = mcp.requests;
    const protectedPaths = STATE_CHANGING.filter((r) => !r.path.startsWith("/mcp/")).map((r) =>
      pathOf(r.path).slice(1)
    );
    for (const p of protectedPaths) {
      for (
        const target of [
          `/mcp/../${p}`,
          `/mcp/demo/../../${p}`,
          `/mcp/%2e%2e/${p}`,
          `/mcp/%2E%2E%2F${p.replaceAll("/", "%2F")}`,
          `/assets/../${p}`,
          `/assets/%2e%2e/${p}`,
          `/callback/../${p}`,
          `/mcp//../${p}`,
          `//${p}`,
          `/${p}/`,
          `/${p.toUpperCase()}`,
          `/${p};x=1`,
          `/${p}%00`,
        ]
      ) {
        // No Origin (the proxy's clients send none) and no key: only a public route may answer.
        const res = await send("POST", target, [["Host", host]], bodyFor(`/${p}`));
        assert.ok(res.status >= 400, `POST ${target} answered ${res.status}`);
      }
    }
    await assertNothingChanged("path tricks", before);
  });

  it("no GET or HEAD changes anything, even with our key, and none opens a state-changing route", async () => {
    const before = await snapshot(home);
    for (const r of ROUTES) {
      const path = pathOf(r.path);
      for (const method of ["GET", "HEAD"]) {
        for (
          const target of [
            path,
            `${path}?_method=POST`,
            `${path}?name=evil&url=https%3A%2F%2Fevil.example%2Fmcp`,
          ]
        ) {
          const res = await send(method, target, [
            ["Host", host],
            keyHeader,
            ["Origin", "http://evil.example"],
            ["X-HTTP-Method-Override", "POST"],
            ["X-Method-Override", "DELETE"],
            ["Sec-Fetch-Site", "cross-site"],
          ]);
          if (r.method === "POST") {
            assert.equal(res.status, 404, `${method} ${target} of a POST route: ${res.status}`);
          }
          assert.equal(res.headers["access-control-allow-origin"], undefined);
        }
      }
    }
    // The callback with no or a made-up state is a GET that must not sign anything in.
    const cb = await send("GET", "/callback?code=stolen-code-1234&state=made-up-state-5678", [[
      "Host",
      host,
    ]]);
    assert.equal(cb.status, 400);
    assert.deepEqual(await snapshot(home), before, "a GET changed the home");
  });

  it("control: the same requests from our own page do change things (so the checks above can fail)", async () => {
    const upstream = mcp.requests;
    const own: [string, string][] = [["Host", host], ["Origin", origin], keyHeader];
    const test = await send("POST", `/s/${id}/test`, own, {
      type: "application/x-www-form-urlencoded",
      body: "",
    });
    assert.equal(test.status, 200);
    assert.match(test.body, /whoami/);
    assert.ok(mcp.requests > upstream, "the tools were listed through the MCP server");

    const viaProxy = await send("POST", "/mcp/demo", [["Host", host], [
      "Authorization",
      `Bearer ${proxyKey}`,
    ]], bodyFor("/mcp/demo"));
    assert.equal(viaProxy.status, 200);
    assert.match(viaProxy.body, /mcp-oauth-test-server/);

    const add = await send("POST", "/servers", own, bodyFor("/servers"));
    assert.equal(add.status, 200);
    assert.notDeepEqual(await snapshot(home), baseline, "a legitimate add changed the config");
    assert.match(await readFile(join(home, "config.json"), "utf8"), /evil\.example/);
    assert.ok(tried > 700, `attacks sent: ${tried}`);
    console.log(`serve attacks sent: ${tried}`);
  });
});
