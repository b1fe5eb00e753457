/**
 * Markup from hostile servers on the dashboard's pages (issue 10, S26): every string an MCP
 * server or authorization server controls (protected resource and AS metadata, the 401
 * challenge, the registered client id, error descriptions, an MCP error, JWT claims) is shown
 * as text. A page may load scripts only from our own /assets/.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { listToolNames, withMcpSession } from "../../src/cli/mcp-client.ts";
import { createEngine, type Engine } from "../../src/core/engine.ts";
import { dashboardApp, encodeId } from "../../src/http/dashboard/app.ts";
import { assets } from "../../src/http/dashboard/assets.ts";
import { MemoryStore } from "../../src/store/memory-store.ts";
import { MemoryRegistry } from "../../src/store/server-registry.ts";
import { seedToken } from "../helpers/seed.ts";
import { recordOutput } from "../helpers/secret-ledger.ts";
import { type Hostile, startHostile } from "./hostile-as.ts";

const PAYLOADS = [
  "<img src=x onerror=alert(1)>",
  '"><script>alert(2)</script>',
  "' onmouseover='alert(3)' x='",
  "</code></td></tr></table><script>alert(4)</script>",
  "<svg/onload=alert(5)>",
];

const PROXY_KEY = "mcpo_pages-test-proxy-key-0123456789abcdefghijklm";

const b64url = (value: unknown) =>
  btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");

/** Every way a payload could have become markup or a script. */
function assertInert(where: string, body: string): void {
  for (const p of PAYLOADS) assert.ok(!body.includes(p), `${where} shows ${p} as markup:\n${body}`);
  for (const tag of body.match(/<script[^>]*>/g) ?? []) {
    assert.match(tag, /^<script src="\/assets\/[\w.-]+\.js"( defer)?>$/, `${where}: ${tag}`);
  }
  // Real tags (a payload's "<" arrives as "&lt;"): no image or SVG, no handler, no javascript: link.
  for (const tag of body.match(/<[a-zA-Z][^>]*>/g) ?? []) {
    assert.doesNotMatch(tag, /^<(img|svg)\b/i, `${where}: ${tag}`);
    assert.doesNotMatch(tag, /\son[a-z]+\s*=/i, `${where}: an event handler in ${tag}`);
    assert.doesNotMatch(tag, /javascript:/i, `${where}: ${tag}`);
  }
}

describe("attacks: hostile strings on the dashboard's pages (issue 10)", () => {
  let hostile: Hostile;
  let engine: Engine;
  let app: ReturnType<typeof dashboardApp>;
  const ORIGIN = "http://127.0.0.1:7777";
  const id = encodeId("evil");
  let shown = 0;

  async function req(path: string, method = "GET"): Promise<{ status: number; body: string }> {
    const headers = new Headers({ host: "127.0.0.1:7777", "mcp-oauth-key": "pages-key" });
    if (method !== "GET") headers.set("origin", ORIGIN);
    const res = await app.request(`${ORIGIN}${path}`, { method, headers });
    const body = await res.text();
    recordOutput(`dashboard ${method} ${path.split("?")[0]} → ${res.status}`, body);
    return { status: res.status, body };
  }

  before(async () => {
    hostile = await startHostile();
    hostile.prm = { scopes_supported: PAYLOADS, resource_name: PAYLOADS[0] };
    hostile.challenge = 'scope="<svg/onload=alert(5)>"';
    hostile.metadata = {
      scopes_supported: [...PAYLOADS, "offline_access"],
      service_documentation: "javascript:alert(6)",
      op_policy_uri: PAYLOADS[1],
      ui_locales_supported: PAYLOADS,
    };
    hostile.registration = { client_id: PAYLOADS[1], client_name: PAYLOADS[0] };
    hostile.token = {
      status: 400,
      body: {
        error: PAYLOADS[4],
        error_description: PAYLOADS[3],
        error_uri: "javascript:alert(7)",
      },
    };
    hostile.mcp = () =>
      new Response(PAYLOADS.join(" "), { status: 500, headers: { "content-type": "text/html" } });
    const store = new MemoryStore();
    const servers = new MemoryRegistry();
    engine = createEngine({ store, servers });
    await servers.put({ name: "evil", url: hostile.mcpUrl, issuer: hostile.url });
    const claims = {
      sub: PAYLOADS[0],
      scope: PAYLOADS.join(" "),
      [PAYLOADS[3]!]: PAYLOADS[1],
      nested: { a: PAYLOADS[2] },
      exp: Math.floor(Date.now() / 1000) + 3600,
    };
    await seedToken(store, {
      issuer: hostile.url,
      url: hostile.mcpUrl,
      access_token: `${b64url({ alg: "none" })}.${b64url(claims)}.c2ln`,
      refresh_token: "hostile-refresh-token-0123456789",
      scope: "mcp:read",
    });
    app = dashboardApp({
      engine,
      origin: ORIGIN,
      hosts: ["127.0.0.1:7777"],
      secret: "pages-key",
      home: "/tmp/unused",
      assets,
      listTools: (def) => withMcpSession(engine, def, undefined, listToolNames),
      proxyKey: () => Promise.resolve(PROXY_KEY),
    });
  });

  after(async () => {
    await hostile?.close();
  });

  it("authorize (hostile client id and metadata): the redirect page carries them only inside the URL", async () => {
    const r = await req(`/s/${id}/authorize`, "POST");
    assert.equal(r.status, 200, r.body);
    assertInert("authorize", r.body);
    assert.match(
      r.body,
      /client_id=%22%3E%3Cscript%3E/,
      "the client id is URL-encoded in the link",
    );
    shown++;
  });

  it("trace: metadata, challenge and registration shown as text", async () => {
    const r = await req(`/s/${id}/trace`);
    assert.equal(r.status, 200);
    assertInert("trace", r.body);
    assert.match(
      r.body,
      /&quot;&gt;&lt;script&gt;alert\(2\)&lt;\/script&gt;/,
      "the client id, escaped",
    );
    shown++;
  });

  it("claims: JWT claim names and values shown as text", async () => {
    const r = await req(`/s/${id}/claims`);
    assert.equal(r.status, 200);
    assertInert("claims", r.body);
    assert.match(r.body, /&lt;img src=x onerror=alert\(1\)&gt;/);
    shown++;
  });

  it("refresh and test: the AS's error and the MCP server's error shown as text in the row", async () => {
    for (const action of ["refresh", "test"]) {
      const r = await req(`/s/${id}/${action}`, "POST");
      assert.equal(r.status, 200);
      assertInert(action, r.body);
      shown++;
    }
    const page = await req("/");
    assert.equal(page.status, 200);
    assertInert("list page", page.body);
    shown++;
  });

  it("the proxy passes no cookie, CORS grant, redirect or policy of a hostile upstream to our origin", async () => {
    hostile.mcp = () =>
      new Response(`<html><script>alert(8)</script>${PAYLOADS[0]}</html>`, {
        status: 200,
        headers: {
          "content-type": "text/html",
          "set-cookie": "mcp_oauth_key=planted; Path=/",
          "access-control-allow-origin": "*",
          "access-control-allow-credentials": "true",
          location: "javascript:alert(9)",
          refresh: "0;url=javascript:alert(10)",
          "content-security-policy": "script-src *",
          link: "<https://evil.example/x.css>; rel=stylesheet",
        },
      });
    for (const method of ["POST", "GET", "DELETE"]) {
      const res = await app.request(`${ORIGIN}/mcp/evil`, {
        method,
        headers: {
          host: "127.0.0.1:7777",
          authorization: `Bearer ${PROXY_KEY}`,
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
        },
        body: method === "GET" ? undefined : "{}",
      });
      const body = await res.text();
      recordOutput(`proxy ${method} (hostile upstream) → ${res.status}`, body);
      assert.equal(res.status, 200, `${method}: the request reached the upstream: ${body}`);
      assert.match(body, /alert\(8\)/, "the body is passed as it came (MCP clients read it)");
      for (
        const h of ["set-cookie", "access-control-allow-origin", "location", "refresh", "link"]
      ) {
        assert.equal(res.headers.get(h), null, `${method}: the upstream's ${h} reached the client`);
      }
      const csp = res.headers.get("content-security-policy") ?? "";
      assert.match(csp, /default-src 'none'/, `${method}: our CSP, not the upstream's: ${csp}`);
      assert.doesNotMatch(csp, /script-src \*/);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    }
    hostile.mcp = undefined;
  });

  it("a discovery that fails on a hostile endpoint shows its error as text", async () => {
    hostile.metadata = { ...hostile.metadata, revocation_endpoint: `https://${PAYLOADS[0]}` };
    const r = await req(`/s/${id}/trace`);
    assertInert("failed trace", r.body);
    hostile.metadata = { ...hostile.metadata, token_endpoint: PAYLOADS[1] };
    assertInert("failed trace 2", (await req(`/s/${id}/trace`)).body);
    const start = await req(`/s/${id}/authorize`, "POST");
    assert.equal(start.status, 502);
    assertInert("failed authorize", start.body);
    shown += 3;
    assert.equal(shown, 9);
  });
});
