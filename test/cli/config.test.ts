/** `mcp-oauth config` and `proxy-key` (issue 7): snippets for MCP clients. */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { removeHome, runMain, tempHome } from "./helpers.ts";

describe("config snippets and the proxy key (issue 7)", () => {
  let home: string;
  const run = (...argv: string[]) => runMain(argv, { home });
  before(async () => {
    home = await tempHome();
    assert.equal((await run("add", "notion", "https://mcp.notion.com/mcp")).code, 0);
  });
  after(() => removeHome(home));

  it("stdio snippets for Claude Desktop, Cursor and VS Code", async () => {
    const claude = JSON.parse((await run("config", "notion", "--client", "claude")).out.join(""));
    assert.deepEqual(claude, {
      mcpServers: { notion: { command: "mcp-oauth", args: ["stdio", "notion", "--home", home] } },
    });
    const cursor = JSON.parse((await run("config", "notion", "--client", "cursor")).out.join(""));
    assert.deepEqual(cursor, {
      mcpServers: { notion: { command: "mcp-oauth", args: ["stdio", "notion", "--home", home] } },
    });
    const vscode = JSON.parse((await run("config", "notion", "--client", "vscode")).out.join(""));
    assert.deepEqual(vscode, {
      servers: {
        notion: { type: "stdio", command: "mcp-oauth", args: ["stdio", "notion", "--home", home] },
      },
    });
  });

  it("proxy snippets carry the proxy URL and mcp-oauth's own key, which proxy-key prints and rotates", async () => {
    const key = (await run("proxy-key")).out.join("");
    assert.match(key, /^mcpo_/);
    const cursor = JSON.parse(
      (await run(
        "config",
        "notion",
        "--client",
        "cursor",
        "--transport",
        "proxy",
        "--port",
        "8080",
      )).out.join(""),
    );
    assert.deepEqual(cursor, {
      mcpServers: {
        notion: {
          url: "http://127.0.0.1:8080/mcp/notion",
          headers: { Authorization: `Bearer ${key}` },
        },
      },
    });
    const vscode = JSON.parse(
      (await run("config", "notion", "--client", "vscode", "--transport", "proxy")).out.join(""),
    );
    assert.equal(vscode.servers.notion.type, "http");
    assert.equal(vscode.servers.notion.url, "http://127.0.0.1:7777/mcp/notion");
    const rotated = await run("proxy-key", "--rotate");
    assert.notEqual(rotated.out.join(""), key);
    assert.match(rotated.err.join(""), /Rotated/);
    assert.equal(
      (await run("proxy-key")).out.join(""),
      rotated.out.join(""),
      "stable after rotation",
    );
  });

  it("usage errors: unknown client, unknown server, proxy for Claude Desktop", async () => {
    for (
      const [argv, pattern] of [
        [["config", "notion"], /--client must be one of claude, cursor, vscode/],
        [["config", "notion", "--client", "emacs"], /--client must be one of/],
        [["config", "nope", "--client", "cursor"], /no server named "nope"/],
        [
          ["config", "notion", "--client", "claude", "--transport", "proxy"],
          /takes local commands only/,
        ],
        [
          ["config", "notion", "--client", "cursor", "--transport", "carrier-pigeon"],
          /--transport must be stdio or proxy/,
        ],
      ] as const
    ) {
      const r = await run(...argv);
      assert.equal(r.code, 2, argv.join(" "));
      assert.equal(r.err.length, 1);
      assert.match(r.err[0]!, pattern);
    }
  });
});
