/**
 * The proxy forwards MCP 2026-07-28 unchanged: an up-to-date client (the official 2.x client)
 * reaches a 2026-07-28 server through it without initialize, the version, method, name and
 * `Mcp-Param-*` headers arrive upstream as sent (the suite's request-metadata,
 * http-standard-headers and http-custom-headers behaviour, seen by the server), a -32022 refusal
 * reaches the client, which retries, and a server's 400 JSON-RPC error (its refusal of an older
 * client's initialize) comes back as the server wrote it.
 *
 * @module
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { createEngine } from "../../src/core/engine.ts";
import { dashboardApp } from "../../src/http/dashboard/app.ts";
import { assets } from "../../src/http/dashboard/assets.ts";
import { MemoryStore } from "../../src/store/memory-store.ts";
import { MemoryRegistry } from "../../src/store/server-registry.ts";
import { callParamHeaders, createModernMcp } from "../fixtures/modern-mcp.ts";
import { listen, type Listening } from "../helpers/listen.ts";
import { seedToken } from "../helpers/seed.ts";

const KEY = `mcpo_${"k".repeat(43)}`;
const META_VERSION = "io.modelcontextprotocol/protocolVersion";

describe("proxy with a 2026-07-28 server", () => {
  const modern = createModernMcp({ headerTools: true });
  let upstream: Listening;
  let proxy: Listening;

  before(async () => {
    upstream = await listen((req) =>
      new URL(req.url).pathname === "/mcp"
        ? modern.handle(req)
        : Promise.resolve(new Response(null, { status: 404 }))
    );
    const engine = createEngine({ store: new MemoryStore(), servers: new MemoryRegistry() });
    const issuer = "http://127.0.0.1:9";
    const url = `${upstream.url}/mcp`;
    await engine.servers.put({ name: "modern", url, issuer });
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

  /** The official client (2.x) through the proxy. */
  async function through<T>(use: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client(
      { name: "proxy-versions-test", version: "0" },
      { versionNegotiation: { mode: "auto" } },
    );
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${proxy.url}/mcp/modern`), {
        requestInit: { headers: { authorization: `Bearer ${KEY}` } },
      }),
    );
    try {
      return await use(client);
    } finally {
      await client.close();
    }
  }

  it("a 2026-07-28 client lists and calls tools through it; the headers arrive as sent", async () => {
    const from = modern.received.length;
    const client = new Client(
      { name: "proxy-versions-test", version: "0" },
      { versionNegotiation: { mode: "auto" } },
    );
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${proxy.url}/mcp/modern`), {
        requestInit: { headers: { authorization: `Bearer ${KEY}` } },
      }),
    );
    try {
      assert.equal(client.getProtocolEra(), "modern");
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), ["add", "echo", "locate", "whoami"]);
      const r = await client.callTool({ name: "add", arguments: { a: 2, b: 40 } });
      assert.deepEqual(r.content, [{ type: "text", text: "42" }]);
    } finally {
      await client.close();
    }
    const seen = modern.received.slice(from);
    assert.ok(!seen.some((q) => q.method === "initialize"), "no initialize");
    assert.ok(seen.some((q) => q.method === "tools/call"));
    for (const q of seen) {
      assert.equal(q.status, 200, `${q.method}: ${q.error}`);
      assert.equal(q.headers["mcp-protocol-version"], "2026-07-28");
      const params = (q.body as { params: { name?: string; _meta: Record<string, unknown> } })
        .params;
      assert.equal(q.headers["mcp-protocol-version"], params._meta[META_VERSION]);
      assert.equal(q.headers["mcp-method"], q.method);
      assert.equal(q.headers["mcp-name"], params.name, `${q.method}: Mcp-Name`);
      assert.equal(q.headers.authorization, "Bearer upstream-token");
    }
    assert.equal(seen.find((q) => q.method === "tools/call")!.headers["mcp-name"], "add");
  });

  it("the client's Mcp-Param-* headers for x-mcp-header arguments arrive as it sent them", async () => {
    const from = modern.received.length;
    const content = await through(async (client) => {
      await client.listTools();
      return (await client.callTool({
        name: "locate",
        arguments: {
          region: "us-west1",
          priority: 7,
          verbose: null,
          label: " padded ",
          query: "q",
        },
      })).content;
    });
    assert.deepEqual(content, [{ type: "text", text: "q in us-west1" }]);
    assert.deepEqual(callParamHeaders(modern, from), {
      "mcp-param-label": `=?base64?${btoa(" padded ")}?=`,
      "mcp-param-priority": "7",
      "mcp-param-region": "us-west1",
    });
  });

  it("a -32022 refusal naming the supported versions reaches the client, which retries", async () => {
    const from = modern.received.length;
    modern.refuseVersion = 1;
    const names = await through(async (client) =>
      (await client.listTools()).tools.map((t) => t.name)
    );
    assert.ok(names.includes("echo"), names.join(" "));
    const seen = modern.received.slice(from).filter((q) => q.method !== undefined);
    assert.equal(seen[0]!.error, -32022, JSON.stringify(seen.map((q) => [q.method, q.status])));
    assert.ok(seen.length > 1 && seen.slice(1).every((q) => q.status === 200));
    for (const q of seen.slice(1)) {
      const meta = (q.body as { params: { _meta: Record<string, unknown> } }).params._meta;
      assert.equal(q.headers["mcp-protocol-version"], meta[META_VERSION]);
    }
  });

  it("passes Mcp-Param-* headers upstream", async () => {
    const res = await fetch(`${proxy.url}/mcp/modern`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${KEY}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2026-07-28",
        "mcp-method": "tools/call",
        "mcp-name": "echo",
        "mcp-param-region": "us-west1",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 7,
        method: "tools/call",
        params: {
          name: "echo",
          arguments: { text: "hi" },
          _meta: {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
          },
        },
      }),
    });
    assert.equal(res.status, 200);
    assert.equal(modern.received.at(-1)!.headers["mcp-param-region"], "us-west1");
  });

  it("an older client's initialize gets the server's 400 and JSON-RPC error unchanged", async () => {
    const res = await fetch(`${proxy.url}/mcp/modern`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${KEY}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-11-25",
          capabilities: {},
          clientInfo: { name: "old", version: "0" },
        },
      }),
    });
    assert.equal(res.status, 400);
    const body = await res.json() as { id: number; error: { code: number; data: unknown } };
    assert.equal(body.id, 1);
    assert.equal(body.error.code, -32020);
    assert.deepEqual(body.error.data, { supported: ["2026-07-28"] });
  });
});
