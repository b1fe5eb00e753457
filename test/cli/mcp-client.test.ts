/**
 * withMcpSession remembers each server's era for the rest of the process (the dashboard lists
 * tools often): the second connection to a 2026-07-28 server sends no `server/discover`, the
 * second to an older server goes straight to `initialize`; and a server that changed era since
 * is probed again after the one failure that shows it.
 *
 * @module
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { listToolNames, withMcpSession } from "../../src/cli/mcp-client.ts";
import { createEngine, type Engine } from "../../src/core/engine.ts";
import { MemoryStore } from "../../src/store/memory-store.ts";
import { MemoryRegistry, type ServerDefinition } from "../../src/store/server-registry.ts";
import { createMcpHandler } from "../fixtures/mcp-server.ts";
import { createModernMcp } from "../fixtures/modern-mcp.ts";
import { listen, type Listening } from "../helpers/listen.ts";
import { seedToken } from "../helpers/seed.ts";

const ISSUER = "http://127.0.0.1:9";

describe("withMcpSession remembers each server's era", () => {
  let server: Listening;
  let engine: Engine;
  let def: ServerDefinition;
  const methods: (string | undefined)[] = [];
  let handler: (req: Request) => Promise<Response>;

  /** The endpoint as a 2026-07-28 server, or as an older one (the SDK server, 2025-11-25). */
  const become = (era: "modern" | "legacy") => {
    handler = createMcpHandler(server.url, {
      issuer: ISSUER,
      introspect: () =>
        Promise.resolve({ active: true, aud: def.url, scope: "mcp:read", client_id: "c" }),
      onRequest: (_req, body) => methods.push((body as { method?: string } | undefined)?.method),
      ...(era === "modern" ? { modern: createModernMcp() } : {}),
    }).fetch;
  };
  const names = () => withMcpSession(engine, def, undefined, listToolNames);
  const since = async (run: () => Promise<unknown>) => {
    const from = methods.length;
    await run();
    return methods.slice(from).filter((m) => m !== undefined);
  };

  before(async () => {
    server = await listen((req) => handler(req));
    engine = createEngine({ store: new MemoryStore(), servers: new MemoryRegistry() });
    def = { name: "eras", url: `${server.url}/mcp`, issuer: ISSUER };
    await engine.servers.put(def);
    await seedToken(engine.store, { issuer: ISSUER, url: def.url, access_token: "t" });
  });
  after(() => server.close());

  it("a 2026-07-28 server is probed once", async () => {
    become("modern");
    assert.deepEqual(await since(names), ["server/discover", "tools/list"]);
    assert.deepEqual(await since(names), ["tools/list"]);
  });

  it("a server that changed era fails once, then is probed again", async () => {
    become("legacy");
    await assert.rejects(names(), /The MCP server .* failed/);
    const again = await since(names);
    assert.deepEqual(again.slice(0, 2), ["server/discover", "initialize"]);
    assert.ok(again.includes("tools/list"), again.join(" "));
  });

  it("an older server then goes straight to initialize", async () => {
    const next = await since(names);
    assert.equal(next[0], "initialize", next.join(" "));
    assert.ok(!next.includes("server/discover"));
  });
});
