/**
 * Docker MCP gateway compatibility (CE mode layout): entries written exactly as the gateway
 * writes them are read, listed and imported by the engine; a sign-in with compat "docker"
 * writes Docker's two entries, a refresh updates Docker's token, a revocation erases both.
 *
 * The gateway's layout (docker/mcp-gateway pkg/oauth/dcr/credentials.go, token_store.go):
 * client `https://{serverName}.mcp-dcr`, Username `dcr_client`, Secret base64(json.Marshal of
 * dcr.Client); token `{authorizationEndpoint}/{providerName}`, Username `oauth2_{providerName}`,
 * Secret base64(json.Marshal of oauth2.Token). Go marshals time.Time as RFC 3339 with
 * nanoseconds and the local offset.
 *
 * @module
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createEngine } from "../../src/core/engine.ts";
import { clientKey, tokenKey } from "../../src/core/records.ts";
import { MemoryStore } from "../../src/store/memory-store.ts";
import { MemoryRegistry, type ServerDefinition } from "../../src/store/server-registry.ts";
import {
  type AuthorizationServer,
  startAuthorizationServer,
} from "../fixtures/authorization-server.ts";
import { type McpTestServer, startMcpServer } from "../fixtures/mcp-server.ts";
import { type Harness, harness, signInServer } from "../helpers/engine-harness.ts";

const SLOW = { timeout: 30_000 };

/** The fields of Docker's client entry (dcr.Client JSON names). */
const CLIENT_FIELDS = [
  "authorizationEndpoint",
  "authorizationServer",
  "clientId",
  "clientName",
  "providerName",
  "redirectUri",
  "registeredAt",
  "requiredScopes",
  "resourceUrl",
  "scopesSupported",
  "serverName",
  "tokenEndpoint",
];
/** The fields of Docker's token entry (oauth2.Token JSON names). */
const TOKEN_FIELDS = ["access_token", "token_type", "refresh_token", "expiry"];
/** RFC 3339 as Go's time.Parse(time.RFC3339, …) accepts it. */
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/;

/** Go's base64.StdEncoding of json.Marshal(value). */
function goEncode(value: unknown): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(value))));
}

/** Decode a Secret the way Docker does: StdEncoding base64, then JSON. */
function goDecode(secret: string): Record<string, unknown> {
  assert.match(secret, /^[A-Za-z0-9+/]*={0,2}$/, "standard base64 (Go's StdEncoding)");
  const bytes = Uint8Array.from(atob(secret), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/**
 * Go's time.Time JSON (RFC3339Nano) in a zone `offsetMin` minutes east of UTC, with
 * nanoseconds `ns` past the millisecond: e.g. 2026-11-26T15:04:05.123456789+01:00.
 */
function goTime(ms: number, offsetMin: number, ns = 456789): string {
  const local = new Date(ms + offsetMin * 60_000);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const frac = `${p(local.getUTCMilliseconds(), 3)}${p(ns, 6)}`.replace(/0+$/, "");
  const sign = offsetMin < 0 ? "-" : "+";
  const off = Math.abs(offsetMin);
  return `${local.getUTCFullYear()}-${p(local.getUTCMonth() + 1)}-${p(local.getUTCDate())}T${
    p(local.getUTCHours())
  }:${p(local.getUTCMinutes())}:${p(local.getUTCSeconds())}${frac ? `.${frac}` : ""}${sign}${
    p(Math.floor(off / 60))
  }:${p(off % 60)}`;
}

describe("Docker MCP gateway layout → mcp-oauth (entries written as the gateway writes them)", () => {
  const issuer = "https://auth.notion.example";
  const authorizationEndpoint = `${issuer}/authorize`;
  const resourceUrl = "https://mcp.notion.example/mcp";
  const expiresAt = Date.now() + 50 * 60_000;
  const dockerClient = {
    authorizationEndpoint,
    authorizationServer: issuer,
    clientId: "docker-dcr-client-1",
    clientName: "MCP Gateway - notion-remote",
    providerName: "notion-remote",
    redirectUri: "https://mcp.docker.com/oauth/callback",
    registeredAt: goTime(Date.now() - 86_400_000, 60),
    requiredScopes: ["mcp:read", "offline_access"],
    resourceUrl,
    scopesSupported: ["mcp:read", "mcp:write", "offline_access"],
    serverName: "notion-remote",
    tokenEndpoint: `${issuer}/token`,
  };
  const dockerToken = {
    access_token: "docker-access-token-value",
    token_type: "Bearer",
    refresh_token: "docker-refresh-token-value",
    expiry: goTime(expiresAt, -420),
  };

  async function gatewayStore(): Promise<MemoryStore> {
    const store = new MemoryStore();
    await store.store({
      ServerURL: "https://notion-remote.mcp-dcr",
      Username: "dcr_client",
      Secret: goEncode(dockerClient),
    });
    await store.store({
      ServerURL: `${authorizationEndpoint}/notion-remote`,
      Username: "oauth2_notion-remote",
      Secret: goEncode(dockerToken),
    });
    // A server Docker registered but never authorized, and unrelated entries.
    await store.store({
      ServerURL: "https://linear.mcp-dcr",
      Username: "dcr_client",
      Secret: goEncode({
        ...dockerClient,
        clientId: "docker-dcr-client-2",
        providerName: "linear",
        serverName: "linear",
        resourceUrl: "https://mcp.linear.example/mcp",
      }),
    });
    await store.store({ ServerURL: "https://index.docker.io/v1/", Username: "me", Secret: "pw" });
    await store.store({
      ServerURL: "https://broken.mcp-dcr",
      Username: "dcr_client",
      Secret: "%%",
    });
    return store;
  }

  it('Storage/docker-compat: dockerServers() finds the gateway\'s servers with their tokens (ls --json "docker")', async () => {
    const engine = createEngine({ store: await gatewayStore(), servers: new MemoryRegistry() });
    const found = await engine.dockerServers();
    const byName = Object.fromEntries(found.map((d) => [d.client.serverName, d]));
    assert.deepEqual(Object.keys(byName).sort(), ["linear", "notion-remote"]);
    assert.deepEqual(byName["notion-remote"]!.client, dockerClient);
    assert.deepEqual(byName["notion-remote"]!.token, dockerToken);
    assert.equal(byName.linear!.token, undefined, "registered, not authorized");
  });

  it("Storage/docker-compat: import docker gives a compat server and a token record that serves Docker's access token", async () => {
    const store = await gatewayStore();
    const servers = new MemoryRegistry();
    const engine = createEngine({ store, servers });
    const result = await engine.importDocker();
    assert.deepEqual(result, { imported: ["notion-remote"], skipped: ["linear"] });
    const def = await servers.get("notion-remote");
    assert.deepEqual(def, {
      name: "notion-remote",
      url: resourceUrl,
      issuer,
      compat: "docker",
    });
    assert.equal(await engine.getAccessToken(def!), "docker-access-token-value");
    const set = await engine.getTokenSet(def!);
    assert.equal(set.expires_at, Date.parse(dockerToken.expiry), "Go's RFC 3339 expiry, to the ms");
    assert.equal(set.scope, "mcp:read offline_access");
    const record = JSON.parse((await store.get(tokenKey(issuer, resourceUrl)))!.Secret);
    assert.equal(record.client_id, "docker-dcr-client-1");
    assert.equal(record.client_source, "docker");
    assert.equal(record.refresh_token, "docker-refresh-token-value");
    assert.equal(record.token_endpoint, `${issuer}/token`);
    assert.equal(record.auth_method, "none", "Docker's DCR clients are public");
    const status = await engine.status(def!);
    assert.equal(status.state, "authorized");
    // Docker's own entries are left as they were.
    assert.deepEqual(
      goDecode((await store.get(`${authorizationEndpoint}/notion-remote`))!.Secret),
      dockerToken,
    );
  });

  it("Storage/docker-compat: import skips a name already taken by another URL, and is idempotent", async () => {
    const store = await gatewayStore();
    const servers = new MemoryRegistry();
    await servers.put({ name: "notion-remote", url: "https://elsewhere.example/mcp" });
    const engine = createEngine({ store, servers });
    assert.deepEqual(await engine.importDocker(), {
      imported: [],
      skipped: ["notion-remote", "linear"],
    });
    assert.equal((await servers.get("notion-remote"))?.url, "https://elsewhere.example/mcp");

    const servers2 = new MemoryRegistry();
    const engine2 = createEngine({ store, servers: servers2 });
    await engine2.importDocker();
    const again = await engine2.importDocker();
    assert.deepEqual(again.imported, ["notion-remote"], "same name and URL: updated in place");
    assert.equal((await servers2.list()).length, 1);
  });
});

describe("mcp-oauth → Docker MCP gateway layout, against oidc-provider", () => {
  let as: AuthorizationServer;
  let mcp: McpTestServer;
  let h: Harness;
  const server: ServerDefinition = { name: "demo", url: "", compat: "docker" };

  before(async () => {
    as = await startAuthorizationServer();
    mcp = await startMcpServer({ issuer: as.issuer, introspect: (t) => as.introspect(t) });
    as.allowResource(mcp.url);
    server.url = mcp.url;
    h = await harness();
  }, SLOW);
  after(async () => {
    await h?.close();
    await mcp?.close();
    await as?.close();
  });

  const clientEntryKey = "https://demo.mcp-dcr";
  const tokenEntryKey = () => `${as.issuer}/auth/demo`;

  async function dockerEntries() {
    const client = await h.store.get(clientEntryKey);
    const token = await h.store.get(tokenEntryKey());
    return {
      client: client && { username: client.Username, value: goDecode(client.Secret) },
      token: token && { username: token.Username, value: goDecode(token.Secret) },
    };
  }

  it(
    "S13/Storage: a sign-in with compat docker writes Docker's client and token entries in the documented format",
    SLOW,
    async () => {
      const t0 = Date.now();
      const { outcome } = await signInServer(h, server);
      assert.deepEqual(outcome, { ok: true, message: "signed in" });
      const def = await h.engine.resolve("demo");
      const accessToken = await h.engine.getAccessToken(def);
      const ours = JSON.parse((await h.store.get(tokenKey(as.issuer, mcp.url)))!.Secret);
      const registration = JSON.parse((await h.store.get(clientKey(as.issuer)))!.Secret);

      const { client, token } = await dockerEntries();
      assert.ok(client && token, "both entries exist");
      assert.equal(client.username, "dcr_client");
      assert.equal(token.username, "oauth2_demo");
      for (const key of Object.keys(client.value)) {
        assert.ok(CLIENT_FIELDS.includes(key), `client field ${key} is one of Docker's`);
      }
      assert.deepEqual(Object.keys(token.value).sort(), [...TOKEN_FIELDS].sort());
      const c = client.value;
      assert.equal(c.authorizationEndpoint, `${as.issuer}/auth`);
      assert.equal(c.authorizationServer, as.issuer);
      assert.equal(c.clientId, registration.client_id, "the client mcp-oauth registered (DCR)");
      assert.equal(c.providerName, "demo");
      assert.equal(c.serverName, "demo");
      assert.equal(c.redirectUri, h.redirectUri);
      assert.equal(c.resourceUrl, mcp.url);
      assert.equal(c.tokenEndpoint, `${as.issuer}/token`);
      assert.deepEqual(c.requiredScopes, ours.scope.split(" "));
      assert.equal(typeof c.clientName, "string");
      assert.match(c.registeredAt as string, RFC3339);
      const registeredAt = Date.parse(c.registeredAt as string);
      assert.ok(registeredAt >= t0 - 1000 && registeredAt <= Date.now());
      assert.equal(c.clientSecret, undefined, "a public client has no secret");

      const t = token.value;
      assert.equal(t.access_token, accessToken, "Docker's gateway gets the same access token");
      assert.equal(t.refresh_token, ours.refresh_token);
      assert.match(String(t.token_type), /^bearer$/i);
      assert.match(t.expiry as string, RFC3339);
      assert.equal(Date.parse(t.expiry as string), ours.expires_at);
      assert.equal((await as.introspect(t.access_token as string)).active, true);

      // The key the gateway computes: {authorizationEndpoint}/{providerName}.
      assert.equal(tokenEntryKey(), `${c.authorizationEndpoint}/${c.providerName}`);
      // And the engine lists it as a Docker server too (ls hides it only because it is tracked).
      const listed = await h.engine.dockerServers();
      assert.deepEqual(listed.map((d) => d.client.serverName), ["demo"]);
      assert.equal(listed[0]!.token?.access_token, accessToken);
    },
  );

  it(
    "S20/Storage: a refresh updates Docker's token entry with the rotated tokens; the client entry stays",
    SLOW,
    async () => {
      const def = await h.engine.resolve("demo");
      const before = await dockerEntries();
      const refreshes = as.counts.refresh;
      await h.engine.refresh(def);
      assert.equal(as.counts.refresh, refreshes + 1);
      const ours = JSON.parse((await h.store.get(tokenKey(as.issuer, mcp.url)))!.Secret);
      const afterEntries = await dockerEntries();
      const t = afterEntries.token!.value;
      assert.notEqual(t.access_token, before.token!.value.access_token);
      assert.equal(t.access_token, ours.access_token);
      assert.equal(t.access_token, await h.engine.getAccessToken(def));
      assert.equal(t.refresh_token, ours.refresh_token, "the rotated refresh token");
      assert.notEqual(t.refresh_token, before.token!.value.refresh_token);
      assert.equal(Date.parse(t.expiry as string), ours.expires_at);
      assert.deepEqual(afterEntries.client, before.client);
      assert.equal((await as.introspect(t.access_token as string)).active, true);
    },
  );

  it(
    "Storage/docker-compat: Docker's entries from a real sign-in import into a fresh store and refresh there",
    SLOW,
    async () => {
      const store = new MemoryStore();
      for (const key of [clientEntryKey, tokenEntryKey()]) {
        await store.store(
          (await h.store.get(key))!,
        );
      }
      const servers = new MemoryRegistry();
      const engine = createEngine({ store, servers });
      assert.deepEqual(await engine.importDocker(), { imported: ["demo"], skipped: [] });
      const def = (await servers.get("demo"))!;
      const dockerAccess = goDecode((await store.get(tokenEntryKey()))!.Secret).access_token;
      assert.equal(await engine.getAccessToken(def), dockerAccess);
      const refreshes = as.counts.refresh;
      await engine.refresh(def);
      assert.equal(as.counts.refresh, refreshes + 1, "Docker's refresh token and client id work");
      const fresh = await engine.getAccessToken(def);
      assert.notEqual(fresh, dockerAccess);
      const info = await as.introspect(fresh);
      assert.equal(info.active, true);
      assert.equal(info.aud, mcp.url, "S13: still bound to the MCP server");
      assert.equal(
        goDecode((await store.get(tokenEntryKey()))!.Secret).access_token,
        fresh,
        "compat docker: Docker's entry follows the refresh",
      );
      // The harness's engine now holds a consumed refresh token: sign it in again for the next test.
      const { outcome } = await signInServer(h, server);
      assert.equal(outcome.ok, true);
    },
  );

  it(
    "S23/Storage: revoke revokes at the AS and erases Docker's two entries as well as ours",
    SLOW,
    async () => {
      const def = await h.engine.resolve("demo");
      const accessToken = await h.engine.getAccessToken(def);
      assert.ok((await dockerEntries()).token);
      const result = await h.engine.revoke(def);
      assert.deepEqual(result.failures, []);
      assert.equal(result.hadToken, true);
      assert.deepEqual(await dockerEntries(), { client: undefined, token: undefined });
      assert.equal(await h.store.get(tokenKey(as.issuer, mcp.url)), undefined);
      const keys = Object.keys(await h.store.list());
      assert.ok(!keys.some((k) => k.endsWith(".mcp-dcr") || k.endsWith("/demo")), keys.join(" "));
      assert.ok(keys.includes(clientKey(as.issuer)), "the registration is kept");
      assert.equal((await as.introspect(accessToken)).active, false);
      assert.deepEqual(await h.engine.dockerServers(), []);
    },
  );
});
