/**
 * The dashboard and the CLI sign in through one service (core/sign-in-service.ts) with the same
 * markers in the home: one sign-in per server, whichever starts it. Against the real
 * oidc-provider and the MCP SDK server.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listToolNames, withMcpSession } from "../../src/cli/mcp-client.ts";
import { createEngine, type Engine } from "../../src/core/engine.ts";
import { SignInService } from "../../src/core/sign-in-service.ts";
import { canonicalResource } from "../../src/core/urls.ts";
import { dashboardApp, encodeId } from "../../src/http/dashboard/app.ts";
import { assets } from "../../src/http/dashboard/assets.ts";
import { MemoryStore } from "../../src/store/memory-store.ts";
import { MemoryRegistry } from "../../src/store/server-registry.ts";
import { SignInMarkers } from "../../src/store/sign-in-marker.ts";
import {
  type AuthorizationServer,
  startAuthorizationServer,
} from "../fixtures/authorization-server.ts";
import { type McpTestServer, startMcpServer } from "../fixtures/mcp-server.ts";
import { signIn } from "../helpers/person.ts";

const ORIGIN = "http://127.0.0.1:7777";
const KEY = "test-key-0123456789";

describe("the dashboard signs in through the CLI's sign-in service (one sign-in per server)", () => {
  let as: AuthorizationServer;
  let mcp: McpTestServer;
  let engine: Engine;
  let home: string;
  let markers: SignInMarkers;
  let app: ReturnType<typeof dashboardApp>;
  const id = encodeId("demo");

  const post = (path: string) =>
    app.request(`${ORIGIN}${path}`, {
      method: "POST",
      headers: { host: "127.0.0.1:7777", origin: ORIGIN, "mcp-oauth-key": KEY },
    });
  const authorizationUrl = (page: string) =>
    /content="0;url=([^"]+)"/.exec(page)?.[1]?.replaceAll("&amp;", "&");

  before(async () => {
    as = await startAuthorizationServer({ accessTokenTTL: 600 });
    mcp = await startMcpServer({ issuer: as.issuer, introspect: as.introspect });
    as.allowResource(mcp.url);
    home = mkdtempSync(join(tmpdir(), "mcp-oauth-dash-sign-in-"));
    markers = new SignInMarkers(home);
    engine = createEngine({ store: new MemoryStore(), servers: new MemoryRegistry() });
    await engine.servers.put({ name: "demo", url: mcp.url });
    app = dashboardApp({
      engine,
      origin: ORIGIN,
      hosts: ["127.0.0.1:7777"],
      secret: KEY,
      home,
      assets,
      listTools: (def) => withMcpSession(engine, def, undefined, listToolNames),
      signIns: new SignInService(engine, markers),
    });
  });
  after(async () => {
    await mcp.close();
    await as.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("while a CLI process signs in to the server, Authorize is refused and names that sign-in", async () => {
    const key = canonicalResource(mcp.url);
    const cli = await markers.claim(key, Date.now() + 60_000);
    assert.ok(cli.claimed);
    await cli.update({ url: `${as.issuer}/auth?from=cli` });
    try {
      const res = await post(`/s/${id}/authorize`);
      assert.equal(res.status, 409);
      const page = await res.text();
      assert.match(
        page,
        /is already signing in to demo; finish it at http:\/\/127\.0\.0\.1:\d+\/auth\?from=cli/,
      );
      assert.equal(authorizationUrl(page), undefined, "no second authorization URL");
      assert.equal(engine.flows.forServer("demo", Date.now()).length, 0, "no request started");
    } finally {
      await cli.release();
    }
  });

  it("Authorize pressed again replaces the earlier sign-in (one per server); a CLI sign-in would join it", async () => {
    const first = await post(`/s/${id}/authorize`);
    assert.equal(first.status, 200);
    const stale = authorizationUrl(await first.text());
    assert.ok(stale?.startsWith(`${as.issuer}/auth?`));
    const again = await post(`/s/${id}/authorize`);
    assert.equal(again.status, 200);
    const url = authorizationUrl(await again.text());
    assert.notEqual(url, stale);
    assert.equal(engine.flows.forServer("demo", Date.now()).length, 1, "one sign-in, not two");
    // The marker a CLI process finds names the live sign-in's URL: it waits instead of opening one.
    const held = await markers.read(canonicalResource(mcp.url));
    assert.equal(held?.url, url);
    // The replaced request's state no longer completes anything.
    const old = await signIn(stale!, { stopAtCallback: true });
    const oldCb = new URL(old.callbackUrl);
    const refused = await app.request(`${ORIGIN}${oldCb.pathname}${oldCb.search}`, {
      headers: { host: "127.0.0.1:7777" },
    });
    assert.equal(refused.status, 400);
    assert.ok(await markers.read(canonicalResource(mcp.url)), "the live sign-in keeps its marker");

    const { callbackUrl } = await signIn(url!, { stopAtCallback: true });
    const cb = new URL(callbackUrl);
    const done = await app.request(`${ORIGIN}${cb.pathname}${cb.search}`, {
      headers: { host: "127.0.0.1:7777" },
    });
    assert.equal(done.status, 200);
    assert.equal(await markers.read(canonicalResource(mcp.url)), undefined, "marker released");
    assert.equal((await engine.status(await engine.resolve("demo"))).state, "authorized");
  });
});
