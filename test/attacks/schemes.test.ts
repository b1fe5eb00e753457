/**
 * Attacks with URLs a browser must never be sent to (issue 10, S18): an authorization server
 * whose metadata names a javascript:, data:, file: or vbscript: authorization endpoint (in every
 * case and padding a parser forgives), a device flow whose verification_uri is one, and the
 * browser opener itself. Tried through the engine, `authorize` (browser and device), and the
 * stdio bridge; the "browser" is a script that records any launch.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/stdio"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { createEngine } from "../../src/core/engine.ts";
import { ErrorCode, McpOAuthError } from "../../src/core/errors.ts";
import { openBrowser } from "../../src/runtime/open-browser.ts";
import type { Runtime } from "../../src/runtime/runtime.ts";
import { ConfigFile } from "../../src/store/config-file.ts";
import { MemoryStore } from "../../src/store/memory-store.ts";
import { MemoryRegistry } from "../../src/store/server-registry.ts";
import { CLI, CLI_RUNTIME, errorLines, removeHome, runMain, tempHome } from "../cli/helpers.ts";
import { recordOutput } from "../helpers/secret-ledger.ts";
import { type Hostile, startHostile } from "./hostile-as.ts";

/** URLs no browser may be pointed at, as hostile metadata would carry them. */
const HOSTILE = [
  "javascript:alert(document.domain)",
  "JavaScript:alert(1)",
  "JAVASCRIPT:alert(1)",
  " javascript:alert(1)",
  "\tjavascript:alert(1)",
  "java\nscript:alert(1)",
  "java\tscript:alert(1)",
  "\u0000javascript:alert(1)",
  "\u001fjavascript:alert(1)",
  "javascript://%0Aalert(1)",
  "javascript:\u001b]0;pwned\u0007alert(1)",
  "\u001b[31mjavascript:alert(1)",
  "  javascript:alert(1)  ",
  "data:text/html,<script>alert(1)</script>",
  "DATA:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
  " data:text/html,x ",
  "file:///etc/passwd",
  "FILE:///etc/passwd",
  "file://localhost/etc/passwd",
  "vbscript:msgbox(1)",
  "VBScript:msgbox(1)",
  "\nvbscript:msgbox(1)",
  "blob:http://127.0.0.1/0f9c",
  "about:blank",
  "chrome://settings",
  "ftp://127.0.0.1/authorize",
  "ws://127.0.0.1/authorize",
  "//evil.example/authorize",
  "/authorize",
  "http://evil.example/authorize",
];

/** The control characters in `text` other than newline (terminal escapes, NUL, BEL…). */
const controls = (text: string) =>
  [...text].filter((ch) => (ch < " " && ch !== "\n") || ch === "\u007f");

/** A runtime whose only ability is recording launches (the opener's last guard is tested). */
function recordingRuntime(launched: string[][]): Runtime {
  return {
    name: "node",
    version: "0",
    serve: () => Promise.reject(new Error("not here")),
    run: () => Promise.reject(new Error("not here")),
    launch: (argv) => {
      launched.push(argv);
      return Promise.resolve();
    },
  };
}

describe("attacks: URLs the browser must never open (issue 10, S18)", () => {
  let hostile: Hostile;
  let home: string;
  let recorder: string;
  let launches: string;
  const browser = () => `node ${recorder} ${launches}`;
  let tried = 0;

  before(async () => {
    hostile = await startHostile();
    home = await tempHome("mcp-oauth-attacks-schemes-");
    recorder = join(home, "record-launch.mjs");
    launches = join(home, "launches.jsonl");
    await writeFile(
      recorder,
      'import { appendFileSync } from "node:fs";\n' +
        "appendFileSync(process.argv[2], JSON.stringify(process.argv.slice(3)) + '\\n');\n",
    );
    const config = new ConfigFile(home);
    await config.put({ name: "hostile", url: hostile.mcpUrl });
    await config.put({ name: "device", url: hostile.mcpUrl, clientId: "static-client" });
  });

  after(async () => {
    await hostile?.close();
    await removeHome(home);
  });

  it("the engine refuses every hostile authorization_endpoint at discovery, before registering", async () => {
    for (const insecure of [false, true]) {
      const engine = createEngine({
        store: new MemoryStore(),
        servers: new MemoryRegistry(),
        allowInsecureHttp: insecure,
      });
      for (const value of HOSTILE) {
        if (insecure && value === "http://evil.example/authorize") continue; // the switch's job
        tried++;
        hostile.metadata.authorization_endpoint = value;
        const server = { name: "hostile", url: hostile.mcpUrl };
        await assert.rejects(
          (async () => {
            const d = await engine.discover(server);
            await engine.beginAuthorization(server, d, {
              redirectUri: "http://127.0.0.1:1/callback",
            });
          })(),
          (err: unknown) => {
            assert.ok(err instanceof McpOAuthError, String(err));
            assert.ok(
              err.code === ErrorCode.INSECURE_URL || err.code === ErrorCode.INVALID_URL,
              `${JSON.stringify(value)}: ${err.code} ${err.message}`,
            );
            assert.match(err.message, /authorization_endpoint/);
            assert.deepEqual(controls(err.message), [], "no control character in the message");
            return true;
          },
          JSON.stringify(value),
        );
      }
    }
    assert.deepEqual(
      hostile.log.filter((l) => !l.includes("/.well-known/") && !l.endsWith("/mcp")),
      [],
    );
  });

  it("`authorize`: exit 1 with one line naming the field, and the browser is never launched", async () => {
    for (const value of HOSTILE) {
      tried++;
      hostile.metadata.authorization_endpoint = value;
      const r = await runMain(["authorize", "hostile", "--browser", browser(), "--timeout", "5"], {
        home,
      });
      recordOutput(`authorize (authorization_endpoint ${JSON.stringify(value)})`, r.err.join("\n"));
      assert.equal(r.code, 1, `${JSON.stringify(value)}: ${r.err.join("")}`);
      const { errors } = errorLines(r.err);
      assert.equal(errors.length, 1, r.err.join(""));
      assert.match(errors[0]!, /authorization_endpoint/);
      assert.doesNotMatch(r.err.join(""), /Open this URL/);
      assert.deepEqual(controls(r.err.join("")), [], "no terminal control reaches stderr");
    }
    hostile.metadata = {};
    assert.equal(existsSync(launches), false, "a browser was launched");
    assert.deepEqual(
      hostile.log.filter((l) => l.includes("/register") || l.includes("/token")),
      [],
    );
  });

  it("`authorize --device`: a hostile verification_uri is refused and never opened or printed", async () => {
    for (const [i, value] of HOSTILE.entries()) {
      tried++;
      hostile.device = i % 2 ? { verification_uri_complete: value } : { verification_uri: value };
      const r = await runMain(
        ["authorize", "device", "--device", "--browser", browser(), "--timeout", "5"],
        { home },
      );
      recordOutput(`authorize --device (${JSON.stringify(value)})`, r.err.join("\n"));
      assert.equal(r.code, 1, `${JSON.stringify(value)}: ${r.err.join("")}`);
      const { errors } = errorLines(r.err);
      assert.equal(errors.length, 1, r.err.join(""));
      assert.match(errors[0]!, /verification_uri/);
      assert.doesNotMatch(
        r.err.join(""),
        /WDJB-MJHT/,
        "the user code of a hostile flow is not shown",
      );
    }
    hostile.device = {};
    assert.equal(existsSync(launches), false, "a browser was launched");
    assert.deepEqual(hostile.log.filter((l) => l.includes("/token")), []);
    // Control: the same flow with a sane verification_uri shows the code (and would poll).
    const ok = await runMain(
      ["authorize", "device", "--device", "--browser", "none", "--timeout", "1"],
      { home },
    );
    assert.match(ok.err.join(""), /WDJB-MJHT/);
  });

  it(
    "the stdio bridge answers the client with the refusal and opens nothing",
    { timeout: 60_000 },
    async () => {
      for (const value of ["javascript:alert(1)", " DATA:text/html,x", "file:///etc/passwd"]) {
        tried++;
        hostile.metadata.authorization_endpoint = value;
        const stderr: string[] = [];
        const transport = new StdioClientTransport({
          command: CLI,
          args: ["stdio", "hostile", "--browser", browser(), "--timeout", "5"],
          env: {
            ...process.env as Record<string, string>,
            MCP_OAUTH_HOME: home,
            MCP_OAUTH_RUNTIME: CLI_RUNTIME,
          },
          stderr: "pipe",
        });
        transport.stderr?.on("data", (d: Uint8Array) => stderr.push(new TextDecoder().decode(d)));
        const client = new Client({ name: "attack", version: "0" });
        await assert.rejects(client.connect(transport), /authorization_endpoint/);
        await client.close();
        recordOutput(`stdio (authorization_endpoint ${JSON.stringify(value)})`, stderr.join(""));
      }
      hostile.metadata = {};
      assert.equal(existsSync(launches), false, "a browser was launched");
    },
  );

  it("the opener refuses every non-http(s) URL itself, and hands the browser the parsed URL", async () => {
    const launched: string[][] = [];
    const runtime = recordingRuntime(launched);
    for (const value of HOSTILE.filter((v) => !/^\s*https?:/i.test(v))) {
      for (const command of [undefined, "firefox", "open -a Safari %s"]) {
        tried++;
        await assert.rejects(
          openBrowser(runtime, value, command, () => {}, { BROWSER: "true" }),
          /refusing to open/,
          JSON.stringify(value),
        );
      }
    }
    assert.equal(launched.length, 0, `launched: ${JSON.stringify(launched)}`);
    // http(s) with padding: the browser gets the canonical form, not the raw text.
    await openBrowser(runtime, "  HTTPS://Example.COM/a b\n", "firefox", () => {}, {});
    await openBrowser(runtime, "\thttp://127.0.0.1:7777/?k=x", undefined, () => {}, {});
    assert.deepEqual(launched.map((a) => a.at(-1)), [
      "https://example.com/a%20b",
      "http://127.0.0.1:7777/?k=x",
    ]);
    // A `%s` in a browser command is replaced by the URL as one argument, never split.
    await openBrowser(
      runtime,
      "https://a.example/?q=x y&r=1",
      "open -a 'Google Chrome' %s",
      () => {},
      {},
    );
    assert.deepEqual(launched.at(-1), [
      "open",
      "-a",
      "Google Chrome",
      "https://a.example/?q=x%20y&r=1",
    ]);
    console.log(`scheme attacks tried: ${tried}`);
  });
});
