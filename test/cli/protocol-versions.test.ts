/**
 * `tools` and `call` speak MCP 2026-07-28 (no initialize, no session, the version and method in
 * headers and `_meta` of every request) to a server of that revision, and fall back to the
 * initialize handshake with servers of 2025-11-25 and older.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { callParamHeaders, createModernMcp } from "../fixtures/modern-mcp.ts";
import { PERSON_BROWSER, useServers } from "./helpers.ts";

const SLOW = { timeout: 30_000 };
const META_VERSION = "io.modelcontextprotocol/protocolVersion";

interface Seen {
  method: string | undefined;
  version: string | null;
  headers: Headers;
  body: { method?: string; params?: Record<string, unknown> } | undefined;
}

describe("tools and call with a 2026-07-28 server", () => {
  const modern = createModernMcp();
  const m = useServers({}, { modern });

  it(
    "tools signs in and lists the tools without initialize; every request carries the headers",
    SLOW,
    async () => {
      const r = await m.cli([
        "tools",
        "demo",
        "--json",
        "--browser",
        PERSON_BROWSER,
        "--timeout",
        "20",
      ]);
      assert.equal(r.code, 0, r.stderr);
      const tools = (JSON.parse(r.stdout) as { tools: { name: string }[] }).tools;
      assert.deepEqual(tools.map((t) => t.name).sort(), ["add", "echo", "whoami"]);
      const methods = modern.received.map((q) => q.method);
      assert.ok(!methods.includes("initialize"), methods.join(" "));
      assert.ok(methods.includes("tools/list"), methods.join(" "));
      for (const q of modern.received) {
        assert.equal(q.status, 200, `${q.method}: ${q.status} ${q.error ?? ""}`);
        assert.equal(q.headers["mcp-protocol-version"], "2026-07-28");
        assert.equal(q.headers["mcp-method"], q.method);
        assert.equal(q.headers["mcp-session-id"], undefined);
        const meta = (q.body as { params: { _meta: Record<string, unknown> } }).params._meta;
        assert.equal(meta[META_VERSION], "2026-07-28");
        assert.deepEqual(
          (meta["io.modelcontextprotocol/clientInfo"] as { name: string }).name,
          "mcp-oauth",
        );
      }
    },
  );

  it("call sends Mcp-Name and prints the tool's text", async () => {
    const before = modern.received.length;
    const r = await m.cli(["call", "demo", "echo", "--args", '{"text":"hi"}']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "hi\n");
    assert.equal(r.stderr, "");
    const call = modern.received.slice(before).find((q) => q.method === "tools/call");
    assert.ok(call, "a tools/call reached the server");
    assert.equal(call.status, 200);
    assert.equal(call.headers["mcp-name"], "echo");
  });

  it("call --json prints the whole result; a tool error exits 1", async () => {
    const ok = await m.cli(["call", "demo", "add", "--args", '{"a":2,"b":3}', "--json"]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual((JSON.parse(ok.stdout) as { content: unknown }).content, [
      { type: "text", text: "5" },
    ]);
    const bad = await m.cli(["call", "demo", "add", "--args", '{"a":"x"}']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /the tool add reported an error/);
  });

  it("a server that offers no tools: tools says so, and stdout stays clean JSON with --json", async () => {
    modern.offersTools = false;
    try {
      const json = await m.cli(["tools", "demo", "--json"]);
      assert.equal(json.code, 0, json.stderr);
      assert.deepEqual(JSON.parse(json.stdout), { tools: [] });
      const text = await m.cli(["tools", "demo"]);
      assert.equal(text.stdout, "demo offers no tools.\n");
    } finally {
      modern.offersTools = true;
    }
  });

  it("the fixture refuses a plain initialize with 400 and -32020, as such servers do", async () => {
    const res = await modern.handle(
      new Request("http://x/mcp", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: {
            protocolVersion: "2025-11-25",
            capabilities: {},
            clientInfo: { name: "c", version: "0" },
          },
        }),
      }),
    );
    assert.equal(res.status, 400);
    const body = await res.json() as { error: { code: number; data: { supported: string[] } } };
    assert.equal(body.error.code, -32020);
    assert.deepEqual(body.error.data.supported, ["2026-07-28"]);
  });
});

describe("call with x-mcp-header parameters, a version retry and a refused call (2026-07-28)", () => {
  const modern = createModernMcp({ headerTools: true });
  const m = useServers({}, { modern });
  const since = (from: number) => modern.received.slice(from);
  const b64 = (text: string) =>
    `=?base64?${btoa(String.fromCharCode(...new TextEncoder().encode(text)))}?=`;

  it(
    "tools leaves out a tool whose x-mcp-header is invalid, saying so on one line",
    SLOW,
    async () => {
      const r = await m.cli(["tools", "demo", "--json", "--browser", PERSON_BROWSER]);
      assert.equal(r.code, 0, r.stderr);
      const tools = (JSON.parse(r.stdout) as { tools: { name: string }[] }).tools;
      assert.deepEqual(tools.map((t) => t.name).sort(), ["add", "echo", "locate", "whoami"]);
      assert.equal(r.stderr.match(/bad_header/g)?.length, 1, r.stderr);
      assert.match(
        r.stderr,
        /\nmcp-oauth: demo: left out the tool "bad_header", its x-mcp-header declaration is invalid \(data: x-mcp-header is only permitted on primitive-typed properties .*\)\.\n$/,
      );
    },
  );

  it("call mirrors the parameters into Mcp-Param-* headers, Base64 where the spec says", async () => {
    const from = modern.received.length;
    const args = {
      region: "us-west1",
      priority: 42,
      verbose: null,
      label: " Hello, 世界\r\n",
      query: "q",
    };
    const r = await m.cli(["call", "demo", "locate", "--args", JSON.stringify(args)]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "q in us-west1\n");
    assert.deepEqual(callParamHeaders(modern, from), {
      "mcp-param-region": "us-west1",
      "mcp-param-priority": "42",
      "mcp-param-label": b64(" Hello, 世界\r\n"),
    }, "verbose is null: no header; query has no x-mcp-header");
    const flag = await m.cli([
      "call",
      "demo",
      "locate",
      "--args",
      '{"region":"eu","verbose":false,"query":"q"}',
    ]);
    assert.equal(flag.code, 0, flag.stderr);
    assert.equal(modern.received.at(-1)!.headers["mcp-param-verbose"], "false");
  });

  it("call refuses a tool the list left out, without calling it", async () => {
    const from = modern.received.length;
    const r = await m.cli(["call", "demo", "bad_header", "--args", '{"data":{}}']);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^mcp-oauth: demo's tool "bad_header" cannot be called: its x-mcp-header declaration is invalid \(data: .*\(SEP-2243\); its server needs fixing\.\n$/,
    );
    assert.ok(!since(from).some((q) => q.method === "tools/call"), "no tools/call sent");
  });

  it("a -32022 answer naming the supported versions is retried with one of them", async () => {
    const from = modern.received.length;
    modern.refuseVersion = 1;
    const r = await m.cli(["call", "demo", "echo", "--args", '{"text":"again"}']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "again\n");
    const seen = since(from);
    assert.equal(seen[0]!.error, -32022);
    assert.ok(
      seen.slice(1).every((q) => q.status === 200),
      JSON.stringify(seen.map((q) => q.status)),
    );
    for (const q of seen.slice(1)) {
      const meta = (q.body as { params: { _meta: Record<string, unknown> } }).params._meta;
      assert.equal(q.headers["mcp-protocol-version"], meta[META_VERSION]);
    }
  });

  it("a call the server refuses: one line naming tools/call, the tool and the JSON-RPC code", async () => {
    modern.callError = { code: -32601, message: "Method not found" };
    try {
      const r = await m.cli(["call", "demo", "echo", "--args", '{"text":"x"}']);
      assert.equal(r.code, 1);
      assert.doesNotMatch(r.stderr, /unexpected error/);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.match(r.stderr, /tools\/call "echo": Method not found \(JSON-RPC error -32601\)/);
    } finally {
      delete modern.callError;
    }
  });
});

for (const version of ["2025-11-25", "2025-06-18", "2025-03-26"]) {
  describe(`tools and call with a ${version} server fall back to initialize`, () => {
    const seen: Seen[] = [];
    const s = useServers({}, {
      protocolVersion: version === "2025-11-25" ? undefined : version,
      onRequest: (req, body) =>
        seen.push({
          method: (body as { method?: string } | undefined)?.method,
          version: req.headers.get("mcp-protocol-version"),
          headers: req.headers,
          body: body as Seen["body"],
        }),
    });

    it(`probes once, then initialize, then speaks ${version}`, SLOW, async () => {
      const r = await s.cli([
        "tools",
        "demo",
        "--json",
        "--browser",
        PERSON_BROWSER,
        "--timeout",
        "20",
      ]);
      assert.equal(r.code, 0, r.stderr);
      const tools = (JSON.parse(r.stdout) as { tools: { name: string }[] }).tools;
      assert.deepEqual(tools.map((t) => t.name).sort(), ["add", "echo", "whoami"]);
      const methods = seen.map((q) => q.method);
      const init = methods.indexOf("initialize");
      assert.ok(init > 0, methods.join(" "));
      assert.deepEqual(methods.slice(0, init), ["server/discover"], "one probe before initialize");
      assert.equal(seen[0]!.version, "2026-07-28");
      assert.equal(seen[init]!.body?.params?.protocolVersion, "2025-11-25");
      const list = seen.find((q) => q.method === "tools/list");
      assert.equal(list?.version, version);
      assert.equal(list?.headers.get("mcp-method"), null, "no 2026-07-28 headers on the old wire");
    });

    it(`call works at ${version}`, async () => {
      const r = await s.cli(["call", "demo", "add", "--args", '{"a":20,"b":22}']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "42\n");
      assert.equal(seen.findLast((q) => q.method === "tools/call")?.version, version);
    });
  });
}
