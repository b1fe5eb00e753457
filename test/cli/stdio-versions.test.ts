/**
 * The stdio bridge forwards whatever protocol version its local client speaks: a 2026-07-28
 * client's requests reach the server with the version, method and name headers taken from their
 * `_meta`; an older client's `initialize` goes as it is (a 2026-07-28-only server's refusal comes
 * back as the server wrote it), and the version the server chose is sent on the requests after.
 * The local client is driven by hand, line by line, to see exactly what crosses the bridge.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { before, describe, it } from "node:test";
import process from "node:process";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { callParamHeaders, createModernMcp } from "../fixtures/modern-mcp.ts";
import { CLI, CLI_RUNTIME, PERSON_BROWSER, ROOT, type TestServers, useServers } from "./helpers.ts";

const SLOW = { timeout: 30_000 };
const CLIENT_INFO = { name: "stdio-versions-test", version: "0" };
const META_VERSION = "io.modelcontextprotocol/protocolVersion";
const META = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientInfo": CLIENT_INFO,
  "io.modelcontextprotocol/clientCapabilities": {},
};

interface Answer {
  id?: unknown;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

/** `mcp-oauth stdio demo` with a hand-driven client on its stdin and stdout. */
class Bridge {
  readonly child: ChildProcess;
  stderr = "";
  private lines: Answer[] = [];
  private waiting: (() => void)[] = [];

  constructor(s: TestServers) {
    this.child = spawn(CLI, ["stdio", "demo", "--browser", PERSON_BROWSER], {
      cwd: ROOT,
      env: {
        ...process.env as Record<string, string>,
        MCP_OAUTH_HOME: s.home,
        MCP_OAUTH_RUNTIME: CLI_RUNTIME,
        PERSON_LOG: s.personLog,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child.stderr!.setEncoding("utf8").on("data", (d: string) => (this.stderr += d));
    let buffered = "";
    this.child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      buffered += d;
      for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
        this.lines.push(JSON.parse(buffered.slice(0, nl)));
        buffered = buffered.slice(nl + 1);
        this.waiting.splice(0).forEach((wake) => wake());
      }
    });
  }

  send(message: Record<string, unknown>): void {
    this.child.stdin!.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
  }

  /** The answer to request `id`, or undefined if none came within `ms`. */
  async answer(id: number, ms = 10_000): Promise<Answer | undefined> {
    const end = Date.now() + ms;
    for (;;) {
      const found = this.lines.find((l) => l.id === id);
      if (found || Date.now() >= end) return found;
      await new Promise<void>((wake) => {
        this.waiting.push(wake);
        setTimeout(wake, Math.max(0, end - Date.now()));
      });
    }
  }

  /** Send request `id` and wait for its answer. */
  async request(id: number, method: string, params?: Record<string, unknown>): Promise<Answer> {
    this.send(params ? { id, method, params } : { id, method });
    const a = await this.answer(id);
    assert.ok(a, `no answer to ${method} (${id}); stderr:\n${this.stderr}`);
    return a;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) return resolve();
      this.child.once("close", () => resolve());
      this.child.stdin!.end();
    });
  }
}

describe("stdio bridge with a 2026-07-28 server", () => {
  const modern = createModernMcp();
  const s = useServers({}, { modern });
  before(async () => {
    const r = await s.cli(["authorize", "demo", "--browser", PERSON_BROWSER, "--timeout", "20"]);
    assert.equal(r.code, 0, r.stderr);
  }, SLOW);

  it(
    "a 2026-07-28 client: each request reaches the server with headers from its own _meta",
    SLOW,
    async () => {
      const bridge = new Bridge(s);
      try {
        const from = modern.received.length;
        const discover = await bridge.request(1, "server/discover", { _meta: META });
        assert.deepEqual(discover.result?.supportedVersions, ["2026-07-28"]);
        const list = await bridge.request(2, "tools/list", { _meta: META });
        assert.deepEqual(
          (list.result?.tools as { name: string }[]).map((t) => t.name).sort(),
          ["add", "echo", "whoami"],
        );
        const call = await bridge.request(3, "tools/call", {
          name: "echo",
          arguments: { text: "through the bridge" },
          _meta: META,
        });
        assert.deepEqual(call.result?.content, [{ type: "text", text: "through the bridge" }]);
        const seen = modern.received.slice(from);
        assert.deepEqual(seen.map((q) => q.method), [
          "server/discover",
          "tools/list",
          "tools/call",
        ]);
        for (const q of seen) {
          assert.equal(q.status, 200, `${q.method}: ${q.error}`);
          assert.equal(q.headers["mcp-protocol-version"], "2026-07-28");
          assert.equal(q.headers["mcp-method"], q.method);
          assert.equal(q.headers["mcp-session-id"], undefined);
        }
        assert.equal(seen[2]!.headers["mcp-name"], "echo");
        assert.equal(seen[0]!.headers["mcp-name"], undefined);
      } finally {
        await bridge.close();
      }
    },
  );

  it(
    "a server's 400 JSON-RPC error (an unsupported version) reaches the client as the server wrote it",
    SLOW,
    async () => {
      const bridge = new Bridge(s);
      try {
        const meta = { ...META, "io.modelcontextprotocol/protocolVersion": "2027-01-01" };
        const a = await bridge.request(1, "server/discover", { _meta: meta });
        assert.equal(a.error?.code, -32022);
        assert.deepEqual(a.error?.data, { supported: ["2026-07-28"], requested: "2027-01-01" });
        assert.equal(modern.received.at(-1)!.headers["mcp-protocol-version"], "2027-01-01");
      } finally {
        await bridge.close();
      }
    },
  );

  it(
    "an older client's initialize goes as it is; the server's refusal naming its versions comes back",
    SLOW,
    async () => {
      const bridge = new Bridge(s);
      try {
        const a = await bridge.request(1, "initialize", {
          protocolVersion: "2025-06-18",
          capabilities: {},
          clientInfo: CLIENT_INFO,
        });
        assert.equal(a.error?.code, -32020, JSON.stringify(a));
        assert.match(a.error!.message, /2026-07-28/);
        assert.deepEqual((a.error?.data as { supported: string[] }).supported, ["2026-07-28"]);
        const q = modern.received.at(-1)!;
        assert.equal(q.method, "initialize");
        assert.equal(
          q.headers["mcp-protocol-version"],
          undefined,
          "initialize as the client sent it",
        );
        assert.equal(q.headers["mcp-method"], undefined);
      } finally {
        await bridge.close();
      }
    },
  );

  it(
    "cancelling a 2026-07-28 call closes its stream: no notification is posted, no answer comes",
    SLOW,
    async () => {
      const bridge = new Bridge(s);
      modern.callDelayMs = 600;
      try {
        await bridge.request(1, "tools/list", { _meta: META });
        const from = modern.received.length;
        bridge.send({
          id: 2,
          method: "tools/call",
          params: { name: "echo", arguments: { text: "never" }, _meta: META },
        });
        // Cancel once the call is at the server (which then waits 600 ms before answering).
        while (!modern.received.slice(from).some((q) => q.method === "tools/call")) {
          await new Promise((r) => setTimeout(r, 10));
        }
        bridge.send({ method: "notifications/cancelled", params: { requestId: 2 } });
        assert.equal(await bridge.answer(2, 1_200), undefined, "no answer after cancellation");
        const methods = modern.received.slice(from).map((q) => q.method);
        assert.deepEqual(methods, ["tools/call"], "the cancellation is not posted");
        modern.callDelayMs = 0;
        const after = await bridge.request(3, "tools/call", {
          name: "add",
          arguments: { a: 1, b: 2 },
          _meta: META,
        });
        assert.deepEqual(after.result?.content, [{ type: "text", text: "3" }]);
      } finally {
        modern.callDelayMs = 0;
        await bridge.close();
      }
    },
  );
});

describe("stdio bridge with a 2025-06-18 client and server", () => {
  const seen: { method?: string; version: string | null; mcpMethod: string | null }[] = [];
  const s = useServers({}, {
    onRequest: (req, body) =>
      seen.push({
        method: (body as { method?: string } | undefined)?.method,
        version: req.headers.get("mcp-protocol-version"),
        mcpMethod: req.headers.get("mcp-method"),
      }),
  });
  before(async () => {
    const r = await s.cli(["authorize", "demo", "--browser", PERSON_BROWSER, "--timeout", "20"]);
    assert.equal(r.code, 0, r.stderr);
  }, SLOW);

  it(
    "initialize passes unchanged, then the chosen version goes in MCP-Protocol-Version",
    SLOW,
    async () => {
      const bridge = new Bridge(s);
      try {
        const init = await bridge.request(1, "initialize", {
          protocolVersion: "2025-06-18",
          capabilities: {},
          clientInfo: CLIENT_INFO,
        });
        assert.equal(init.result?.protocolVersion, "2025-06-18");
        bridge.send({ method: "notifications/initialized" });
        const list = await bridge.request(2, "tools/list");
        assert.ok(Array.isArray(list.result?.tools));
        const i = seen.findIndex((q) => q.method === "initialize");
        assert.equal(seen[i]!.version, null, "initialize as the client sent it");
        const later = seen.slice(i + 1).filter((q) => q.method !== undefined);
        // Each message is its own POST: the two may arrive in either order.
        assert.deepEqual(later.map((q) => q.method).sort(), [
          "notifications/initialized",
          "tools/list",
        ]);
        for (const q of later) {
          assert.equal(q.version, "2025-06-18");
          assert.equal(q.mcpMethod, null, "no 2026-07-28 headers on the old wire");
        }
      } finally {
        await bridge.close();
      }
    },
  );
});

describe("an SDK client (2.x, 2026-07-28) through the stdio bridge", () => {
  const modern = createModernMcp({ headerTools: true });
  const s = useServers({}, { modern });
  before(async () => {
    const r = await s.cli(["authorize", "demo", "--browser", PERSON_BROWSER, "--timeout", "20"]);
    assert.equal(r.code, 0, r.stderr);
  }, SLOW);

  /** The official client on `mcp-oauth stdio demo`, as an MCP host starts it. */
  async function through<T>(use: (client: Client) => Promise<T>): Promise<T> {
    const transport = new StdioClientTransport({
      command: CLI,
      args: ["stdio", "demo"],
      env: {
        ...process.env as Record<string, string>,
        MCP_OAUTH_HOME: s.home,
        MCP_OAUTH_RUNTIME: CLI_RUNTIME,
      },
      stderr: "pipe",
    });
    let stderr = "";
    transport.stderr?.on("data", (d: Uint8Array) => (stderr += new TextDecoder().decode(d)));
    const client = new Client(
      { name: "stdio-sdk-test", version: "0" },
      { versionNegotiation: { mode: "auto" } },
    );
    try {
      await client.connect(transport);
      return await use(client);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${stderr}`);
    } finally {
      await client.close().catch(() => {});
    }
  }

  it(
    "request metadata and standard headers: MCP-Protocol-Version equals _meta, Mcp-Method and Mcp-Name equal the body",
    SLOW,
    async () => {
      const from = modern.received.length;
      const text = await through(async (client) => {
        assert.equal(client.getProtocolEra(), "modern");
        const { tools } = await client.listTools();
        assert.ok(tools.some((t) => t.name === "add"));
        const r = await client.callTool({ name: "add", arguments: { a: 2, b: 40 } });
        return r.content;
      });
      assert.deepEqual(text, [{ type: "text", text: "42" }]);
      const seen = modern.received.slice(from).filter((q) => q.method !== undefined);
      assert.deepEqual(seen.map((q) => q.method), ["server/discover", "tools/list", "tools/call"]);
      for (const q of seen) {
        assert.equal(q.status, 200, `${q.method}: ${q.error}`);
        const params = (q.body as { params: { name?: string; _meta: Record<string, unknown> } })
          .params;
        assert.equal(q.headers["mcp-protocol-version"], params._meta[META_VERSION]);
        assert.equal(q.headers["mcp-method"], q.method);
        assert.equal(q.headers["mcp-name"], params.name, `${q.method}: Mcp-Name`);
      }
    },
  );

  it(
    "a -32022 answer naming the supported versions is retried with one of them",
    SLOW,
    async () => {
      const from = modern.received.length;
      modern.refuseVersion = 1;
      const names = await through(async (client) =>
        (await client.listTools()).tools.map((t) => t.name)
      );
      assert.ok(names.includes("echo"), names.join(" "));
      const seen = modern.received.slice(from).filter((q) => q.method !== undefined);
      assert.equal(seen[0]!.error, -32022, JSON.stringify(seen.map((q) => [q.method, q.status])));
      assert.ok(seen.slice(1).length > 0 && seen.slice(1).every((q) => q.status === 200));
      for (const q of seen.slice(1)) {
        const meta = (q.body as { params: { _meta: Record<string, unknown> } }).params._meta;
        assert.equal(q.headers["mcp-protocol-version"], meta[META_VERSION]);
      }
    },
  );

  it(
    "a tool's x-mcp-header arguments go as Mcp-Param-* headers, from the list the bridge passed on (a tool with an invalid declaration left out)",
    SLOW,
    async () => {
      const from = modern.received.length;
      const content = await through(async (client) => {
        const { tools } = await client.listTools();
        assert.ok(tools.some((t) => t.name === "locate"));
        // SEP-2243: the bridge is the HTTP client, so it leaves out the invalid declaration.
        assert.ok(!tools.some((t) => t.name === "bad_header"), "bad_header is left out");
        return (await client.callTool({
          name: "locate",
          arguments: {
            region: "us-west1",
            priority: 7,
            verbose: null,
            label: "Hello, 世界",
            query: "q",
          },
        })).content;
      });
      assert.deepEqual(content, [{ type: "text", text: "q in us-west1" }]);
      assert.deepEqual(callParamHeaders(modern, from), {
        "mcp-param-label": "=?base64?SGVsbG8sIOS4lueVjA==?=",
        "mcp-param-priority": "7",
        "mcp-param-region": "us-west1",
      });
    },
  );
});
