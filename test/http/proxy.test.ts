/**
 * The authenticating proxy (issue 7): the official MCP SDK client talks to the
 * SDK fixture server through /mcp/<name> of a real `serve` app on loopback.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { createEngine, type Engine } from "../../src/core/engine.ts";
import { dashboardApp, encodeId } from "../../src/http/dashboard/app.ts";
import { assets } from "../../src/http/dashboard/assets.ts";
import { ConfigFile } from "../../src/store/config-file.ts";
import { FileStore } from "../../src/store/file-store.ts";
import { ProxyKeyFile } from "../../src/store/proxy-key.ts";
import {
  type AuthorizationServer,
  startAuthorizationServer,
} from "../fixtures/authorization-server.ts";
import { type McpTestServer, startMcpServer } from "../fixtures/mcp-server.ts";
import { type Harness, signInServer } from "../helpers/engine-harness.ts";
import { listen, type Listening } from "../helpers/listen.ts";
import { callbackApp } from "../../src/http/callback-app.ts";

describe("MCP proxy at /mcp/<name> (issue 7)", () => {
  let as: AuthorizationServer;
  let mcp: McpTestServer;
  let home: string;
  let engine: Engine;
  let server: Listening;
  let key: string;
  let base: string;

  /** An SDK client through the proxy; `proxyKey` null sends none. */
  async function connect(name: string, proxyKey: string | null = key) {
    const client = new Client({ name: "proxy-test", version: "0" });
    const headers: Record<string, string> = proxyKey === null
      ? {}
      : { Authorization: `Bearer ${proxyKey}` };
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${base}/mcp/${name}`), {
        requestInit: { headers },
      }),
    );
    return client;
  }

  before(async () => {
    as = await startAuthorizationServer({ accessTokenTTL: 2 });
    mcp = await startMcpServer({ issuer: as.issuer, introspect: as.introspect });
    as.allowResource(mcp.url);
    home = await mkdtemp(join(tmpdir(), "mcp-oauth-proxy-"));
    engine = createEngine({ store: new FileStore(home), servers: new ConfigFile(home) });
    const keys = new ProxyKeyFile(home);
    key = await keys.get();
    const ready: { app?: ReturnType<typeof dashboardApp> } = {};
    server = await listen((req) => ready.app!.fetch(req));
    base = server.url;
    ready.app = dashboardApp({
      engine,
      origin: base,
      hosts: [base.slice("http://".length)],
      secret: "dashboard-key",
      home,
      assets,
      listTools: () => Promise.resolve([]),
      proxyKey: () => keys.get(),
    });
    // Sign "demo" in with the scripted person, through the same engine and store.
    const h = {
      engine,
      store: engine.store,
      servers: engine.servers,
      outcomes: [],
    } as unknown as Harness;
    const cb = await listen(
      callbackApp(async (url) => {
        const ok = await engine.completeAuthorization(url).then(() => true, () => false);
        (h.outcomes as { ok: boolean; message: string }[]).push({ ok, message: "" });
        return { ok, message: "" };
      }).fetch,
    );
    Object.assign(h, { redirectUri: `${cb.url}/callback` });
    await engine.addServer({ name: "demo", url: mcp.url });
    await engine.addServer({ name: "unsigned", url: mcp.url.replace("127.0.0.1", "localhost") });
    const { outcome } = await signInServer(h, (await engine.servers.get("demo"))!);
    assert.equal(outcome.ok, true);
    await cb.close();
  });
  after(async () => {
    await server.close();
    await mcp.close();
    await as.close();
    await rm(home, { recursive: true, force: true });
  });

  it("the proxy key is random, at least 256 bits, kept with mode 0600 and stable", async () => {
    assert.match(key, /^mcpo_[A-Za-z0-9_-]{43}$/);
    assert.equal((await stat(join(home, "proxy-key.json"))).mode & 0o777, 0o600);
    assert.equal(await new ProxyKeyFile(home).get(), key);
  });

  it("initialize, tools/list and tools/call go through, and the client never holds the upstream token", async () => {
    const client = await connect("demo");
    try {
      assert.equal(client.getServerVersion()?.name !== undefined, true);
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), ["add", "echo", "whoami"]);
      const r = await client.callTool({ name: "whoami", arguments: {} });
      const text = (r.content as { text: string }[])[0]!.text;
      assert.match(text, /alice/);
      const upstream = await engine.getAccessToken((await engine.servers.get("demo"))!);
      assert.notEqual(upstream, key);
      assert.ok(!text.includes(upstream));
    } finally {
      await client.close();
    }
  });

  it("streams server-sent events through unbuffered, with the MCP headers both ways", async () => {
    const init = await fetch(`${base}/mcp/demo`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${key}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2025-11-25",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 7,
        method: "initialize",
        params: {
          protocolVersion: "2025-11-25",
          capabilities: {},
          clientInfo: { name: "raw", version: "0" },
        },
      }),
    });
    assert.equal(init.status, 200);
    assert.match(init.headers.get("content-type") ?? "", /text\/event-stream/);
    const text = await init.text();
    assert.match(text, /^event: message\ndata: .*"id":7/m);
    assert.match(text, /"protocolVersion":"2025-11-25"/);
  });

  it("S20: a token that expires mid-session is refreshed without the client noticing", async () => {
    const client = await connect("demo");
    try {
      await client.listTools();
      const refreshes = as.counts.refresh;
      await new Promise((r) => setTimeout(r, 2100));
      const r = await client.callTool({ name: "echo", arguments: { text: "still here" } });
      assert.deepEqual(r.content, [{ type: "text", text: "still here" }]);
      assert.equal(as.counts.refresh, refreshes + 1);
    } finally {
      await client.close();
    }
  });

  it("a missing sign-in is a clear JSON-RPC error naming the dashboard, which shows it", async () => {
    await assert.rejects(connect("unsigned"), (err: unknown) => {
      assert.match(
        String((err as Error).message),
        /unsigned needs a sign-in \(no valid token\); open http:\/\/127\.0\.0\.1:\d+\/ and press Authorize on "unsigned"/,
      );
      return true;
    });
    const row = await (await fetch(`${base}/s/${encodeId("unsigned")}/row`, {
      headers: { "mcp-oauth-key": "dashboard-key" },
    })).text();
    assert.match(row, /An MCP client is waiting: no valid token\. Press Authorize\./);
  });

  it("refuses a request without the proxy key, with a wrong one, or from a web page", async () => {
    const none = await fetch(`${base}/mcp/demo`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(none.status, 401);
    assert.match(await none.text(), /missing or wrong proxy key/);
    const wrong = await fetch(`${base}/mcp/demo`, {
      method: "POST",
      headers: { authorization: `Bearer ${key.slice(0, -2)}xx` },
      body: "{}",
    });
    assert.equal(wrong.status, 401);
    await assert.rejects(connect("demo", null), /401|proxy key/);
    const page = await fetch(`${base}/mcp/demo`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${key}`,
        origin: "https://evil.example",
        "content-type": "application/json",
      },
      body: "{}",
    });
    assert.equal(page.status, 403, "a browser page on another origin is refused even with the key");
    const unknown = await fetch(`${base}/mcp/nope`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}` },
      body: "{}",
    });
    assert.equal(unknown.status, 404);
  });

  it("rotating the key locks out the old one at once", async () => {
    const fresh = await new ProxyKeyFile(home).rotate();
    assert.notEqual(fresh, key);
    const old = await fetch(`${base}/mcp/demo`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}` },
      body: "{}",
    });
    assert.equal(old.status, 401);
    key = fresh;
    const client = await connect("demo");
    assert.ok((await client.listTools()).tools.length > 0);
    await client.close();
  });
});
