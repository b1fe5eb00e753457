/**
 * The SSRF guard as a person meets it (issue 10): `discover` refuses metadata that names a private
 * address, with one line saying how to allow it; config.json's "allowedHosts" and
 * MCP_OAUTH_ALLOWED_HOSTS widen the guard; a malformed setting is a clear error.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { listen, type Listening } from "../helpers/listen.ts";
import { errorLines, removeHome, runCli, runMain, snapshotHome, tempHome } from "./helpers.ts";

describe("SSRF guard from the CLI (issue 10)", () => {
  let server: Listening;
  let home: string;
  // An MCP server on loopback whose PRM names the cloud metadata address as its AS.
  const issuer = "https://169.254.169.254";
  before(async () => {
    home = await tempHome();
    server = await listen((req) => {
      const path = new URL(req.url).pathname;
      if (path === "/.well-known/oauth-protected-resource/mcp") {
        return Response.json({ resource: `${server.url}/mcp`, authorization_servers: [issuer] });
      }
      if (path === "/.well-known/oauth-protected-resource/zero") {
        // 0.0.0.0 counts as private but never leaves this machine: safe to let through.
        return Response.json({
          resource: `${server.url}/zero`,
          authorization_servers: ["https://0.0.0.0:1"],
        });
      }
      return new Response(null, { status: 401, headers: { "www-authenticate": "Bearer" } });
    });
  });
  after(async () => {
    await server.close();
    await removeHome(home);
  });

  it("discover refuses an authorization server at a private address, exit 1, store unchanged", async () => {
    const before = await snapshotHome(home);
    const r = await runCli(["discover", `${server.url}/mcp`], { home });
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(errorLines(r.stderr).errors, [
      `mcp-oauth: Authorization server ${issuer}/ points at the private address 169.254.169.254, not one of the server's own hosts (127.0.0.1); not contacting it. If you trust it, add "169.254.169.254" to "allowedHosts" in the settings of config.json (or MCP_OAUTH_ALLOWED_HOSTS).`,
    ]);
    assert.deepEqual(await snapshotHome(home), before);
  });

  it("MCP_OAUTH_ALLOWED_HOSTS lets it through (the request then fails on its own)", async () => {
    const refused = await runMain(["discover", `${server.url}/zero`], { home });
    assert.equal(refused.code, 1);
    assert.match(refused.err.join("\n"), /private address 0\.0\.0\.0.*"allowedHosts"/);
    const r = await runMain(["discover", `${server.url}/zero`], {
      home,
      env: { MCP_OAUTH_ALLOWED_HOSTS: "example.org, 0.0.0.0" },
    });
    assert.equal(r.code, 1);
    assert.match(
      r.err.join("\n"),
      /No usable authorization server metadata for https:\/\/0\.0\.0\.0:1: Could not reach/,
    );
  });

  it('a malformed "allowedHosts" setting is named, with the fix', async () => {
    const bad = await tempHome();
    try {
      await writeFile(
        join(bad, "config.json"),
        JSON.stringify({ version: 1, settings: { allowedHosts: "10.0.0.1" }, servers: {} }),
      );
      const before = await snapshotHome(bad);
      const r = await runMain(["ls"], { home: bad });
      assert.equal(r.code, 1);
      assert.deepEqual(errorLines(r.err).errors, [
        `mcp-oauth: ${
          join(bad, "config.json")
        }: "allowedHosts" in "settings" must be a list of host names, e.g. ["auth.example.com"]; repair it, then retry.`,
      ]);
      assert.deepEqual(await snapshotHome(bad), before);
    } finally {
      await removeHome(bad);
    }
  });
});
