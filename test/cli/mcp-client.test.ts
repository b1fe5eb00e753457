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
import { leftOutLine, listToolNames, listTools, withMcpSession } from "../../src/cli/mcp-client.ts";
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

describe("tools the client leaves out (SEP-2243)", () => {
  it("are named on one line with nothing a terminal acts on", () => {
    const line = leftOutLine({
      name: "evil\u001b[2J\u202etool",
      reason: "x-mcp-header 'A\r\nB' is not a valid RFC 9110 token",
    });
    const unshowable = [...line].filter((c) =>
      c.charCodeAt(0) < 0x20 || c === "\u007f" || c === "\u202e"
    );
    assert.deepEqual(unshowable, []);
    assert.match(line, /^left out the tool "evil.*tool", its x-mcp-header declaration is invalid/);
  });

  it("a concurrent list's warnings reach every listener; other warnings pass; console.warn is restored", async () => {
    const plain = console.warn;
    const passed: unknown[][] = [];
    const stub = (...parts: unknown[]) => void passed.push(parts);
    console.warn = stub;
    try {
      const heard: string[] = [];
      const fake = (delayMs: number, name: string) =>
        ({
          getServerCapabilities: () => ({ tools: {} }),
          listTools: async () => {
            await new Promise((r) => setTimeout(r, delayMs));
            console.warn(
              `[mcp-sdk] excluding tool '${name}' from tools/list: invalid x-mcp-header declaration — why`,
            );
            console.warn("something else");
            return { tools: [] };
          },
        }) as unknown as Parameters<typeof listTools>[0];
      await Promise.all([
        listTools(fake(20, "a"), undefined, (t) => heard.push(`1:${t.name}:${t.reason}`)),
        listTools(fake(5, "b"), undefined, (t) => heard.push(`2:${t.name}`)),
      ]);
      assert.deepEqual(heard.sort(), ["1:a:why", "1:b:why", "2:b"]);
      assert.deepEqual(passed, [["something else"], ["something else"]]);
      assert.equal(console.warn, stub, "console.warn is restored once no list runs");
    } finally {
      console.warn = plain;
    }
  });
});
