/**
 * The proxy's wire behaviour (issue 7) against a bare upstream that shows
 * what it received: MCP session and protocol headers pass both ways, the
 * upstream sees the server's token (never the proxy key or a cookie), and an
 * event stream is relayed as it is produced, not buffered whole.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { createEngine, type Engine } from "../../src/core/engine.ts";
import { dashboardApp } from "../../src/http/dashboard/app.ts";
import { assets } from "../../src/http/dashboard/assets.ts";
import { MemoryStore } from "../../src/store/memory-store.ts";
import { MemoryRegistry } from "../../src/store/server-registry.ts";
import { listen, type Listening } from "../helpers/listen.ts";
import { seedToken } from "../helpers/seed.ts";

const KEY = `mcpo_${"k".repeat(43)}`;

describe("proxy wire behaviour (issue 7)", () => {
  let upstream: Listening;
  let proxy: Listening;
  let engine: Engine;
  const seen: Record<string, string | null>[] = [];

  before(async () => {
    const up = new Hono();
    up.post("/mcp", (c) => {
      seen.push({
        authorization: c.req.header("authorization") ?? null,
        session: c.req.header("mcp-session-id") ?? null,
        version: c.req.header("mcp-protocol-version") ?? null,
        cookie: c.req.header("cookie") ?? null,
      });
      return c.json({ jsonrpc: "2.0", id: 1, result: {} }, 200, {
        "mcp-session-id": "session-from-upstream",
        "set-cookie": "tracker=1",
      });
    });
    up.get("/mcp", () => {
      // Three events, 300 ms apart: a buffering proxy would deliver all at the end.
      let i = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (i === 3) return controller.close();
          if (i > 0) await new Promise((r) => setTimeout(r, 300));
          controller.enqueue(new TextEncoder().encode(`event: message\ndata: {"n":${i++}}\n\n`));
        },
      });
      return new Response(body, { headers: { "content-type": "text/event-stream" } });
    });
    upstream = await listen(up.fetch);
    engine = createEngine({ store: new MemoryStore(), servers: new MemoryRegistry() });
    const issuer = "http://127.0.0.1:9";
    const url = `${upstream.url}/mcp`;
    await engine.servers.put({ name: "up", url, issuer });
    await seedToken(engine.store, { issuer, url, access_token: "upstream-token" });
    const ready: { app?: ReturnType<typeof dashboardApp> } = {};
    proxy = await listen((req) => ready.app!.fetch(req));
    ready.app = dashboardApp({
      engine,
      origin: proxy.url,
      hosts: [proxy.url.slice(7)],
      secret: "dash",
      home: "/tmp",
      assets,
      listTools: () => Promise.resolve([]),
      proxyKey: () => Promise.resolve(KEY),
    });
  });
  after(() => Promise.all([proxy.close(), upstream.close()]));

  it("passes MCP session and protocol headers both ways, the server's token upstream, no cookies", async () => {
    const res = await fetch(`${proxy.url}/mcp/up`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${KEY}`,
        "content-type": "application/json",
        "mcp-session-id": "session-from-client",
        "mcp-protocol-version": "2025-11-25",
        cookie: "mcp_oauth_key=dash",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("mcp-session-id"), "session-from-upstream");
    assert.equal(res.headers.get("set-cookie"), null, "upstream cookies stay upstream");
    assert.deepEqual(seen.at(-1), {
      authorization: "Bearer upstream-token",
      session: "session-from-client",
      version: "2025-11-25",
      cookie: null,
    });
  });

  it("relays an event stream as it is produced", async () => {
    const t0 = performance.now();
    const res = await fetch(`${proxy.url}/mcp/up`, {
      headers: { authorization: `Bearer ${KEY}`, accept: "text/event-stream" },
    });
    assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
    const reader = res.body!.getReader();
    const first = await reader.read();
    const firstAt = performance.now() - t0;
    assert.match(new TextDecoder().decode(first.value), /"n":0/);
    let rest = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    const endAt = performance.now() - t0;
    assert.match(rest, /"n":2/);
    assert.ok(
      firstAt < 250 && endAt >= 550,
      `first event after ${firstAt.toFixed(0)} ms, end after ${endAt.toFixed(0)} ms`,
    );
  });
});
