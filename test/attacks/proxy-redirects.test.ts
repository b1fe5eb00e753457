/**
 * Attacks through the proxy's upstream (issue 15, item 1): a hostile MCP server answers the
 * proxied request with a redirect (301, 302, 303, 307, 308) to a host the attacker cannot reach
 * but this machine can (a private or link-local service; here a second loopback listener
 * stands in for it). A followed 307 re-sends the body there, and the target's answer would go
 * back to the proxy's client. The proxy must never follow: the target sees nothing, the client
 * gets an error that names the redirect.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { createEngine } from "../../src/core/engine.ts";
import { dashboardApp } from "../../src/http/dashboard/app.ts";
import { MemoryStore } from "../../src/store/memory-store.ts";
import { MemoryRegistry } from "../../src/store/server-registry.ts";
import { listen, type Listening } from "../helpers/listen.ts";
import { seedToken } from "../helpers/seed.ts";
import { recordOutput } from "../helpers/secret-ledger.ts";

const PROXY_KEY = "mcpo_redirect-test-proxy-key-0123456789abcdefghij";
const ORIGIN = "http://127.0.0.1:7777";
const INTERNAL_ANSWER = "internal-service-secret-answer";

describe("attacks: upstream redirects through the proxy (issue 15, item 1)", () => {
  let upstream: Listening;
  let internal: Listening;
  /** What the upstream answers: a redirect with this status to this Location. */
  let redirect = { status: 302, location: "" };
  /** Requests that reached the internal service. */
  const reached: string[] = [];
  let app: ReturnType<typeof dashboardApp>;

  before(async () => {
    const inner = new Hono();
    inner.all("*", async (c) => {
      reached.push(`${c.req.method} ${c.req.path} ${await c.req.text()}`);
      return c.json({ jsonrpc: "2.0", id: 1, result: { secret: INTERNAL_ANSWER } });
    });
    internal = await listen(inner.fetch);
    const up = new Hono();
    up.all("/mcp", () =>
      new Response(null, {
        status: redirect.status,
        headers: { location: redirect.location },
      }));
    upstream = await listen(up.fetch);
    const store = new MemoryStore();
    const servers = new MemoryRegistry();
    const issuer = `${upstream.url}/as`;
    await servers.put({ name: "evil", url: `${upstream.url}/mcp`, issuer });
    await seedToken(store, { issuer, url: `${upstream.url}/mcp`, access_token: "at-redirect" });
    app = dashboardApp({
      engine: createEngine({ store, servers }),
      origin: ORIGIN,
      hosts: ["127.0.0.1:7777"],
      secret: "redirect-dashboard-key",
      home: "/unused",
      assets: { htmx: "", css: "", js: "" },
      listTools: () => Promise.resolve([]),
      proxyKey: () => Promise.resolve(PROXY_KEY),
    });
  });

  after(async () => {
    await upstream?.close();
    await internal?.close();
  });

  async function proxied(method: string, body?: string) {
    const res = await app.request(`${ORIGIN}/mcp/evil`, {
      method,
      headers: {
        host: "127.0.0.1:7777",
        authorization: `Bearer ${PROXY_KEY}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body,
    });
    const text = await res.text();
    recordOutput(`proxy ${method} (redirecting upstream) → ${res.status}`, text);
    return { status: res.status, text, location: res.headers.get("location") };
  }

  for (const status of [301, 302, 303, 307, 308]) {
    it(`a ${status} from the upstream is not followed, and the client is told so`, async () => {
      const targets = [
        `${internal.url}/latest/meta-data/iam`,
        // Relative and protocol-relative forms resolve to the same internal host.
        `//127.0.0.1:${internal.port}/admin`,
      ];
      for (const location of targets) {
        redirect = { status, location };
        reached.length = 0;
        const call = JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/list" });
        const post = await proxied("POST", call);
        assert.deepEqual(reached, [], `${status} → ${location}: the internal service was reached`);
        assert.ok(!post.text.includes(INTERNAL_ANSWER), "the internal answer came back");
        assert.equal(post.location, null, "no Location is passed to the client");
        const msg = JSON.parse(post.text) as { id: number; error: { message: string } };
        assert.equal(msg.id, 7, "a JSON-RPC error answering the request");
        assert.match(msg.error.message, new RegExp(`answered HTTP ${status}, a redirect to `));
        assert.match(msg.error.message, /127\.0\.0\.1:\d+\/(latest|admin)/, "names the target");
        assert.match(msg.error.message, /redirects are not followed/);
        // The SSE stream (GET) and a notification without an id get an HTTP error instead.
        const get = await proxied("GET");
        assert.equal(get.status, 502, get.text);
        assert.match(get.text, /redirects are not followed/);
        assert.deepEqual(reached, [], `${status} GET: the internal service was reached`);
      }
    });
  }
});
