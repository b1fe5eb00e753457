/**
 * A URL that is no MCP server (a website, a path without /mcp) is named as such: `discover` and
 * `authorize` exit 1 with one line, invent no endpoints and register nothing (issue 18, item 4).
 * A 2025-03-26 server without metadata (it answers 401) still gets the default endpoints.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type HostileServer, startHostileServer } from "../fixtures/hostile-server.ts";
import { removeHome, runMain, tempHome } from "./helpers.ts";

const NO_METADATA = {
  prm: { status: 404, json: { error: "not_found" } },
  "as-metadata": { status: 404, json: { error: "not_found" } },
};

describe("a URL that is not an MCP server", () => {
  let s: HostileServer;
  before(async () => {
    s = await startHostileServer();
  });
  after(() => s.close());

  const cases: [string, Parameters<HostileServer["set"]>[0]["mcp"]][] = [
    ["a 404 page", { status: 404, body: "Not Found" }],
    ["a 405 (no POST)", { status: 405, body: "" }],
    [
      "a website's home page (200, HTML)",
      { status: 200, headers: [["Content-Type", "text/html"]], body: "<!doctype html><h1>Hi</h1>" },
    ],
  ];
  for (const [name, answer] of cases) {
    it(`${name}: discover and authorize exit 1 saying so, nothing registered`, async () => {
      s.reset();
      s.set({ ...NO_METADATA, mcp: answer });
      const home = await tempHome();
      try {
        for (const argv of [["discover", s.mcpUrl], ["authorize", s.mcpUrl, "--browser", "none"]]) {
          const r = await runMain(argv, { home });
          assert.equal(r.code, 1, r.err.join("\n"));
          const line = r.err.find((l) => l.startsWith("mcp-oauth: "));
          assert.match(
            line ?? "",
            /does not look like an MCP server: it answered \d{3} to an MCP request and publishes no OAuth metadata; check the URL \(most MCP endpoints end in \/mcp\)\.$/,
          );
          assert.deepEqual(r.out, []);
        }
        assert.equal(s.hits("/register").length, 0, "no client registered");
      } finally {
        await removeHome(home);
      }
    });
  }

  it("a 2025-03-26 server without metadata (a 401) still gets the default endpoints", async () => {
    s.reset();
    s.set({ ...NO_METADATA, mcp: { status: 401, headers: [["WWW-Authenticate", "Bearer"]] } });
    const home = await tempHome();
    try {
      const r = await runMain(["discover", s.mcpUrl], { home });
      assert.equal(r.code, 0, r.err.join("\n"));
      assert.match(r.out.join("\n"), /assuming \/authorize, \/token, \/register/);
    } finally {
      await removeHome(home);
    }
  });
});
