/**
 * The dashboard and the CLI share one engine over one home (issue 5): what
 * one does to the store, the other shows. Also the decoded claims of a JWT
 * access token (never the token itself).
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.ts";
import { createEngine } from "../../src/core/engine.ts";
import { decodeJwtClaims } from "../../src/core/jwt-claims.ts";
import { dashboardApp, encodeId } from "../../src/http/dashboard/app.ts";
import { assets } from "../../src/http/dashboard/assets.ts";
import { detectRuntime } from "../../src/runtime/detect.ts";
import { ConfigFile } from "../../src/store/config-file.ts";
import { FileStore } from "../../src/store/file-store.ts";
import { seedToken } from "../helpers/seed.ts";

const KEY = "shared-key";
const homes: string[] = [];
after(() => Promise.all(homes.map((h) => rm(h, { recursive: true, force: true }))));

async function setup() {
  const home = await mkdtemp(join(tmpdir(), "mcp-oauth-shared-"));
  homes.push(home);
  const engine = createEngine({ store: new FileStore(home), servers: new ConfigFile(home) });
  const app = dashboardApp({
    engine,
    origin: "http://127.0.0.1:7777",
    hosts: ["127.0.0.1:7777"],
    secret: KEY,
    home,
    assets,
    listTools: () => Promise.resolve([]),
  });
  const get = async (path: string) =>
    await (await app.request(`http://127.0.0.1:7777${path}`, {
      headers: { host: "127.0.0.1:7777", "mcp-oauth-key": KEY },
    })).text();
  const post = (path: string, fields: Record<string, string>) =>
    app.request(`http://127.0.0.1:7777${path}`, {
      method: "POST",
      headers: {
        host: "127.0.0.1:7777",
        origin: "http://127.0.0.1:7777",
        "mcp-oauth-key": KEY,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams(fields).toString(),
    });
  const cli = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(await detectRuntime(), argv, {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      stderrIsTTY: false,
      env: { MCP_OAUTH_HOME: home },
    });
    return { code, out: out.join("\n"), err: err.join("\n") };
  };
  return { home, engine, get, post, cli };
}

describe("dashboard and CLI share the store (issue 5)", () => {
  it("a server added with the CLI shows in the dashboard, and the other way round", async () => {
    const { get, post, cli } = await setup();
    assert.equal((await cli("add", "from-cli", "https://mcp.example.com/mcp")).code, 0);
    assert.match(await get("/"), /data-server="from-cli"/);
    const res = await post("/servers", {
      name: "from-web",
      url: "https://other.example.com/mcp",
      scopes: "a b",
    });
    assert.equal(res.status, 200);
    const ls = JSON.parse((await cli("ls", "--json")).out);
    assert.deepEqual(ls.servers.map((s: { name: string }) => s.name).sort(), [
      "from-cli",
      "from-web",
    ]);
    assert.deepEqual(ls.servers.find((s: { name: string }) => s.name === "from-web").scopes, [
      "a",
      "b",
    ]);
    assert.equal((await cli("remove", "from-cli")).code, 0);
    assert.doesNotMatch(await get("/"), /data-server="from-cli"/);
  });

  it('a refresh that fails while the token still works shows "refresh failing" and the reason', async () => {
    const { engine, post, get } = await setup();
    const issuer = "http://127.0.0.1:9";
    // On loopback like its issuer: a remote server's may not point at this machine (issue 15).
    const url = "http://127.0.0.1:8/mcp";
    await engine.servers.put({ name: "flaky", url, issuer });
    await seedToken(engine.store, { issuer, url, access_token: "still-valid", refresh_token: "r" });
    const html = await (await post(`/s/${encodeId("flaky")}/refresh`, {})).text();
    assert.match(html, /status refresh-failing">refresh failing/);
    assert.match(
      html,
      /Refreshing the token failed: Could not reach http:\/\/127\.0\.0\.1:9\/token/,
    );
    assert.match(await get("/"), /refresh failing/, "the state stays visible on the list");
    assert.equal(
      await engine.getAccessToken((await engine.servers.get("flaky"))!),
      "still-valid",
      "the old token still serves",
    );
  });

  it("shows the decoded claims of a JWT access token, never the token", async () => {
    const { engine, get } = await setup();
    const b64 = (o: unknown) =>
      btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
    const claims = {
      iss: "https://as.example.com",
      sub: "alice",
      aud: "https://mcp.example.com/mcp",
      scope: "mcp:read",
      exp: 2_000_000_000,
    };
    const jwt = `${b64({ alg: "RS256", typ: "at+jwt" })}.${b64(claims)}.c2lnbmF0dXJl`;
    assert.deepEqual(decodeJwtClaims(jwt), claims);
    assert.equal(decodeJwtClaims("opaque-token"), undefined);
    assert.equal(decodeJwtClaims("a.b.c"), undefined, "not JSON");
    const issuer = "https://as.example.com";
    const url = "https://mcp.example.com/mcp";
    await engine.servers.put({ name: "jwt", url, issuer });
    await seedToken(engine.store, {
      issuer,
      url,
      access_token: jwt,
      expires_at: Date.now() + 60_000,
    });
    const html = await get(`/s/${encodeId("jwt")}/claims`);
    assert.match(html, /Access token claims of jwt/);
    assert.match(html, /<th>sub<\/th>\s*<td><code>alice<\/code>/);
    assert.match(html, /2033-05-18T03:33:20\.000Z/, "exp shown as a date");
    assert.ok(
      !html.includes(jwt) && !html.includes("c2lnbmF0dXJl"),
      "the token itself is never rendered",
    );
  });
});
