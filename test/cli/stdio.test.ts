/**
 * The stdio bridge (issue 7): the official MCP SDK client starts
 * `mcp-oauth stdio NAME` as a stdio server and talks through it to the SDK
 * fixture server behind oidc-provider.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/stdio"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import {
  type AuthorizationServer,
  startAuthorizationServer,
} from "../fixtures/authorization-server.ts";
import { type McpTestServer, startMcpServer } from "../fixtures/mcp-server.ts";
import { CLI, CLI_RUNTIME, PERSON_BROWSER, removeHome, runCli, tempHome } from "./helpers.ts";

describe("stdio bridge (issue 7)", () => {
  let as: AuthorizationServer;
  let mcp: McpTestServer;
  let home: string;
  let log: string;
  const stderr: string[] = [];

  async function connect(extra: string[] = []) {
    const transport = new StdioClientTransport({
      command: CLI,
      args: ["stdio", "demo", "--browser", PERSON_BROWSER, ...extra],
      env: {
        ...process.env as Record<string, string>,
        MCP_OAUTH_HOME: home,
        MCP_OAUTH_RUNTIME: CLI_RUNTIME,
        PERSON_LOG: log,
      },
      stderr: "pipe",
    });
    transport.stderr?.on("data", (d: Uint8Array) => stderr.push(new TextDecoder().decode(d)));
    const client = new Client({ name: "stdio-test", version: "0" });
    await client.connect(transport);
    return client;
  }
  const opens = () => readFileSync(log, "utf8").split("\n").filter(Boolean).length;

  before(async () => {
    as = await startAuthorizationServer({ accessTokenTTL: 3 });
    mcp = await startMcpServer({ issuer: as.issuer, introspect: as.introspect });
    as.allowResource(mcp.url);
    home = await tempHome();
    log = join(home, "person.log");
    appendFileSync(log, "");
    assert.equal((await runCli(["add", "demo", mcp.url], { home })).code, 0);
  });
  after(async () => {
    await mcp.close();
    await as.close();
    await removeHome(home);
  });

  it("signs in once when needed (browser opened once), then initialize, tools/list, tools/call", {
    timeout: 60_000,
  }, async () => {
    const client = await connect();
    try {
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), ["add", "echo", "whoami"]);
      const r = await client.callTool({ name: "echo", arguments: { text: "over stdio" } });
      assert.deepEqual(r.content, [{ type: "text", text: "over stdio" }]);
      assert.equal(opens(), 1, "one browser open for the whole session");
      assert.equal(
        client.getServerVersion()?.name,
        "mcp-oauth-test-server",
        "the remote server answered initialize",
      );
    } finally {
      await client.close();
    }
    const logs = stderr.join("");
    assert.match(logs, /mcp-oauth stdio: signing in to demo: no valid token/);
    assert.match(logs, /mcp-oauth stdio: forwarding to /);
  });

  it("S20: a token that expires mid-session is refreshed without the client noticing", {
    timeout: 60_000,
  }, async () => {
    const client = await connect();
    try {
      await client.listTools();
      const refreshes = as.counts.refresh;
      await new Promise((r) => setTimeout(r, 3100));
      const r = await client.callTool({ name: "add", arguments: { a: 20, b: 22 } });
      assert.deepEqual(r.content, [{ type: "text", text: "42" }]);
      assert.ok(as.counts.refresh >= refreshes + 1, "refreshed");
      assert.equal(opens(), 1, "no new sign-in");
    } finally {
      await client.close();
    }
  });

  it(
    "a sign-in that cannot complete is a clear error for the client, and nothing on stdout but MCP",
    { timeout: 60_000 },
    async () => {
      assert.equal((await runCli(["revoke", "demo"], { home })).code, 0);
      const client = new Client({ name: "stdio-test", version: "0" });
      const transport = new StdioClientTransport({
        command: CLI,
        args: ["stdio", "demo", "--browser", "true", "--timeout", "1"],
        env: {
          ...process.env as Record<string, string>,
          MCP_OAUTH_HOME: home,
          MCP_OAUTH_RUNTIME: CLI_RUNTIME,
        },
        stderr: "pipe",
      });
      await assert.rejects(client.connect(transport), (err: unknown) => {
        assert.match(String((err as Error).message), /No sign-in completed within 1 s/);
        return true;
      });
      await client.close();
    },
  );
});
