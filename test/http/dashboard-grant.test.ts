/**
 * The dashboard with a machine-grant server (issue 19): its row names the grant, and Authorize
 * gets the token through the grant (client credentials at the real oidc-provider), with no
 * sign-in page and no browser.
 *
 * @module
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createEngine, type Engine } from "../../src/core/engine.ts";
import { dashboardApp, encodeId } from "../../src/http/dashboard/app.ts";
import { assets } from "../../src/http/dashboard/assets.ts";
import { MemoryStore } from "../../src/store/memory-store.ts";
import { MemoryRegistry } from "../../src/store/server-registry.ts";
import {
  type AuthorizationServer,
  startAuthorizationServer,
} from "../fixtures/authorization-server.ts";
import { type McpTestServer, startMcpServer } from "../fixtures/mcp-server.ts";
import { recordSecret } from "../helpers/secret-ledger.ts";

const ORIGIN = "http://127.0.0.1:7777";
const KEY = "grant-dashboard-key-0123456789";
const SECRET = "dashboard-ci-secret-8a7b6c5d4e";
recordSecret("client secret", SECRET);

describe("dashboard: a server with a machine grant", () => {
  let as: AuthorizationServer;
  let mcp: McpTestServer;
  let engine: Engine;
  let app: ReturnType<typeof dashboardApp>;

  const req = (path: string, method = "GET") =>
    app.request(`${ORIGIN}${path}`, {
      method,
      headers: {
        host: "127.0.0.1:7777",
        "mcp-oauth-key": KEY,
        ...(method === "GET" ? {} : { origin: ORIGIN, "hx-request": "true" }),
      },
    });

  before(async () => {
    as = await startAuthorizationServer({
      clientCredentials: true,
      tokenEndpointAuthMethods: ["none", "client_secret_basic"],
      clients: [{
        client_id: "ci-bot",
        client_secret: SECRET,
        token_endpoint_auth_method: "client_secret_basic",
        grant_types: ["client_credentials"],
        response_types: [],
        redirect_uris: [],
      }],
    });
    mcp = await startMcpServer({ issuer: as.issuer, introspect: (t) => as.introspect(t) });
    engine = createEngine({ store: new MemoryStore(), servers: new MemoryRegistry() });
    await engine.addServer({
      name: "ci",
      url: mcp.url,
      clientId: "ci-bot",
      clientSecret: SECRET,
      grant: { kind: "client_credentials", auth: "client_secret_basic" },
    });
    app = dashboardApp({
      engine,
      origin: ORIGIN,
      hosts: ["127.0.0.1:7777"],
      secret: KEY,
      home: "/tmp/home",
      assets,
      listTools: () => Promise.resolve([]),
      callTool: () => Promise.resolve({ content: [] }),
      proxyKey: () => Promise.resolve("mcpo_unused"),
    });
  });
  after(async () => {
    await mcp?.close();
    await as?.close();
  });

  it("names the grant, and Authorize gets the token through it without a sign-in page", async () => {
    const before = await (await req("/")).text();
    assert.match(
      before,
      /no token yet, obtained on use; client credentials \(client_secret_basic\)/,
    );

    const grants = as.counts.clientCredentials;
    const res = await req(`/s/${encodeId("ci")}/authorize`, "POST");
    assert.equal(res.status, 200);
    const page = await res.text();
    assert.doesNotMatch(page, new RegExp(as.issuer.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
    assert.equal(as.counts.clientCredentials, grants + 1, "one client_credentials request");
    assert.ok(!page.includes(SECRET));

    const after = await (await req("/")).text();
    assert.match(after, /authorized[^<]*; client credentials \(client_secret_basic\)/);
    assert.match(after, /Token obtained\./);
    const token = await engine.getAccessToken({ name: "ci", url: mcp.url });
    assert.equal((await as.introspect(token)).active, true);
    assert.equal(as.counts.clientCredentials, grants + 1, "the stored token is used");
  });
});
