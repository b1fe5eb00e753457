/**
 * An MCP server that echoes secrets in its errors (issue 15, item 6): the bearer token it was
 * sent (and, as if it knew them, the refresh token and the client secret) in an HTTP error body
 * or in a JSON-RPC error message. `tools`, `call` and the stdio bridge printed the MCP client's
 * error, body included; the dashboard showed it. Now no stored secret of the server is ever
 * printed, logged or shown: each is redacted wherever the server's text is quoted.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { Hono } from "hono";
import { listToolNames, withMcpSession } from "../../src/cli/mcp-client.ts";
import { createEngine } from "../../src/core/engine.ts";
import { dashboardApp, encodeId } from "../../src/http/dashboard/app.ts";
import { ConfigFile } from "../../src/store/config-file.ts";
import { FileStore } from "../../src/store/file-store.ts";
import { CLI, removeHome, ROOT, runCli, tempHome } from "../cli/helpers.ts";
import { neutralEnv } from "../helpers/child-env.ts";
import { listen, type Listening } from "../helpers/listen.ts";
import { seedToken } from "../helpers/seed.ts";
import { recordCommand, recordSecret } from "../helpers/secret-ledger.ts";

const secret = (kind: string) => {
  const s = `${kind}-${crypto.randomUUID()}-${crypto.randomUUID()}`;
  recordSecret(kind, s);
  return s;
};
const AT = secret("access_token");
const RT = secret("refresh_token");
const CS = secret("client_secret");

/** How the hostile server answers a POST bearing our token. */
type Mode = "http-body" | "json-rpc";

describe("attacks: an MCP server echoing secrets in its errors (issue 15, item 6)", () => {
  let server: Listening;
  let mode: Mode = "http-body";
  let home: string;
  let url: string;

  /** Whatever the server echoes: the Authorization header, plus the other two, encoded too. */
  const echo = (auth: string) =>
    `invalid credentials: ${auth}; refresh_token=${RT}; client_secret=${
      encodeURIComponent(CS)
    }; the end`;

  before(async () => {
    const app = new Hono();
    app.post("/mcp", async (c) => {
      const auth = c.req.header("authorization") ?? "(none)";
      if (mode === "http-body") return c.text(echo(auth), 400);
      const body = await c.req.json().catch(() => ({})) as { id?: unknown };
      return c.json({
        jsonrpc: "2.0",
        id: body.id ?? null,
        error: { code: -32600, message: echo(auth) },
      });
    });
    app.get("/mcp", (c) => c.text(echo(c.req.header("authorization") ?? ""), 405));
    server = await listen(app.fetch);
    url = `${server.url}/mcp`;
    home = await tempHome("mcp-oauth-attacks-echo-");
    const store = new FileStore(home);
    const servers = new ConfigFile(home);
    const issuer = `${server.url}/as`;
    await servers.put({ name: "echo", url, issuer, clientId: "static-client" });
    await seedToken(store, { issuer, url, access_token: AT, refresh_token: RT });
    await createEngine({ store, servers }).saveClientSecret(
      (await servers.get("echo"))!,
      "static-client",
      CS,
    );
  });

  after(async () => {
    await server?.close();
    await removeHome(home);
  });

  function assertNoSecret(where: string, text: string) {
    for (const [name, s] of [["access token", AT], ["refresh token", RT], ["client secret", CS]]) {
      assert.ok(!text.includes(s!), `${where} shows the ${name}:\n${text}`);
      assert.ok(!text.includes(encodeURIComponent(s!)), `${where} shows the ${name}, encoded`);
      // Nor a long piece of it (a cut-off echo).
      assert.ok(!text.includes(s!.slice(0, 24)), `${where} shows part of the ${name}`);
    }
  }

  for (const m of ["http-body", "json-rpc"] as const) {
    it(`tools and call (${m}): the error line names the failure, every secret redacted`, async () => {
      mode = m;
      for (const args of [["tools", "echo"], ["call", "echo", "whoami"]]) {
        const r = await runCli([...args, "--browser", "none"], { home });
        assert.equal(r.code, 1, r.stderr);
        assertNoSecret(`${args[0]} (${m})`, r.stdout + r.stderr);
        assert.match(r.stderr, /mcp-oauth: The MCP server .* failed: .*\[redacted\]/);
        assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      }
    });
  }

  it("the stdio bridge logs and answers without the secrets", async () => {
    mode = "http-body";
    const initialize = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: "2025-06-18",
        capabilities: {},
        clientInfo: { name: "t", version: "0" },
      },
    });
    const args = ["stdio", "echo", "--browser", "none"];
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>(
      (resolve, reject) => {
        const child = spawn(CLI, args, {
          cwd: ROOT,
          env: {
            ...neutralEnv(),
            MCP_OAUTH_HOME: home,
            MCP_OAUTH_RUNTIME: (globalThis as { Deno?: unknown }).Deno ? "deno" : "bun",
          },
          stdio: ["pipe", "pipe", "pipe"],
        });
        let out = "";
        let err = "";
        child.stdout!.setEncoding("utf8").on("data", (d: string) => {
          out += d;
          // Answered: let the bridge end.
          if (out.includes('"id":1')) child.stdin!.end();
        });
        child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
        child.on("error", reject);
        child.on("close", () => {
          recordCommand(args, out, err);
          resolve({ stdout: out, stderr: err });
        });
        child.stdin!.write(`${initialize}\n`);
        setTimeout(() => child.stdin!.end(), 15_000).unref?.();
      },
    );
    assert.match(stdout, /"id":1/, `the request was answered:\n${stdout}\n${stderr}`);
    assertNoSecret("stdio stdout", stdout);
    assertNoSecret("stdio stderr", stderr);
    assert.match(stderr + stdout, /\[redacted\]/);
  });

  it("the dashboard's Test shows the failure without the secrets", async () => {
    mode = "json-rpc";
    const engine = createEngine({ store: new FileStore(home), servers: new ConfigFile(home) });
    const app = dashboardApp({
      engine,
      origin: "http://127.0.0.1:7777",
      hosts: ["127.0.0.1:7777"],
      secret: "echo-dashboard-key",
      home,
      assets: { htmx: "", css: "", js: "" },
      listTools: (def) => withMcpSession(engine, def, undefined, listToolNames),
    });
    const res = await app.request(`http://127.0.0.1:7777/s/${encodeId("echo")}/test`, {
      method: "POST",
      headers: {
        host: "127.0.0.1:7777",
        origin: "http://127.0.0.1:7777",
        cookie: "mcp_oauth_key=echo-dashboard-key",
        "mcp-oauth-key": "echo-dashboard-key",
      },
    });
    const body = await res.text();
    assert.equal(res.status, 200, body);
    assertNoSecret("the dashboard row", body);
    assert.match(body, /\[redacted\]/);
  });
});
