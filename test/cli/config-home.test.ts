/**
 * `config NAME --client …` carries a home other than the default, and a chosen store, into the
 * snippet, so the command an MCP client runs from it finds the server (issue 18, item 5). The
 * snippet's command is run as a client would: by its name on the PATH, in the client's own
 * environment (no $MCP_OAUTH_HOME), speaking MCP on stdio.
 *
 * @module
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/stdio"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { neutralEnv } from "../helpers/child-env.ts";
import { CLI, CLI_RUNTIME, PERSON_BROWSER, useServers } from "./helpers.ts";

type Entry = { command: string; args: string[] };

describe("config snippets carry --home and --store (issue 18, item 5)", () => {
  const s = useServers();
  /** A PATH dir with `mcp-oauth` (the from-source launcher), and a user home of the client. */
  let bin: string;
  let clientHome: string;
  before(async () => {
    bin = await mkdtemp(join(tmpdir(), "mcp-oauth-bin-"));
    await writeFile(join(bin, "mcp-oauth"), `#!/bin/sh\nexec '${CLI}' "$@"\n`, { mode: 0o755 });
    clientHome = await mkdtemp(join(tmpdir(), "mcp-oauth-client-home-"));
    const signIn = await s.cli(["authorize", "demo", "--browser", PERSON_BROWSER]);
    assert.equal(signIn.code, 0, signIn.stderr);
  }, { timeout: 60_000 });
  after(async () => {
    await rm(bin, { recursive: true, force: true });
    await rm(clientHome, { recursive: true, force: true });
  });

  /** The client's environment: its own HOME, no MCP_OAUTH_*, mcp-oauth on the PATH. */
  function clientEnv(): Record<string, string> {
    const env = neutralEnv();
    delete env.XDG_CONFIG_HOME;
    return {
      ...env,
      HOME: clientHome,
      PATH: `${bin}:${env.PATH}`,
      MCP_OAUTH_RUNTIME: CLI_RUNTIME,
    };
  }

  /** Starts the snippet's command as an MCP client does and lists the tools through it. */
  async function toolsThrough(entry: Entry): Promise<string[]> {
    const transport = new StdioClientTransport({
      command: entry.command,
      args: entry.args,
      env: clientEnv(),
      stderr: "pipe",
    });
    let stderr = "";
    transport.stderr?.on("data", (d: Uint8Array) => (stderr += new TextDecoder().decode(d)));
    const client = new Client({ name: "config-home-test", version: "0" });
    try {
      await client.connect(transport);
      return (await client.listTools()).tools.map((t) => t.name).sort();
    } catch (err) {
      throw new Error(`the snippet's command failed: ${(err as Error).message}\n${stderr}`);
    } finally {
      await client.close().catch(() => {});
    }
  }

  for (const client of ["claude", "cursor", "vscode"] as const) {
    it(`${client}: the stdio snippet names the home, and its command lists the tools`, {
      timeout: 60_000,
    }, async () => {
      const r = await s.cli(["config", "demo", "--client", client]);
      assert.equal(r.code, 0, r.stderr);
      const json = JSON.parse(r.stdout);
      const entry = (client === "vscode" ? json.servers : json.mcpServers).demo as Entry;
      assert.equal(entry.command, "mcp-oauth");
      assert.deepEqual(entry.args, ["stdio", "demo", "--home", s.home]);
      assert.deepEqual(await toolsThrough(entry), ["add", "echo", "whoami"]);
    });
  }

  it("without the home in it, the same command fails as the issue describes", {
    timeout: 30_000,
  }, async () => {
    await assert.rejects(
      toolsThrough({ command: "mcp-oauth", args: ["stdio", "demo"] }),
      /No server named "demo"|no server named "demo"|not a URL/i,
    );
  });

  it("--store given (or $MCP_OAUTH_STORE) is carried; the proxy line names the home", async () => {
    const r = await s.cli(["config", "demo", "--client", "cursor", "--store", "file"]);
    assert.deepEqual(JSON.parse(r.stdout).mcpServers.demo.args, [
      "stdio",
      "demo",
      "--home",
      s.home,
      "--store",
      "file",
    ]);
    const env = await s.cli(["config", "demo", "--client", "cursor"], { MCP_OAUTH_STORE: "file" });
    assert.deepEqual(JSON.parse(env.stdout).mcpServers.demo.args.slice(4), ["--store", "file"]);
    const proxy = await s.cli(["config", "demo", "--client", "vscode", "--transport", "proxy"]);
    assert.equal(proxy.code, 0, proxy.stderr);
    assert.ok(
      proxy.stderr.includes(`"mcp-oauth serve --port 7777 --home ${s.home}"`),
      proxy.stderr,
    );
  });

  it("the default home is not repeated", async () => {
    // The default home of a user whose config dir is clientHome/.config.
    const env = { MCP_OAUTH_HOME: "", HOME: clientHome, XDG_CONFIG_HOME: "" };
    const add = await s.cli(["add", "other", s.mcp.url], env);
    assert.equal(add.code, 0, add.stderr);
    const r = await s.cli(["config", "other", "--client", "claude"], env);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).mcpServers.other.args, ["stdio", "other"]);
  });
});
