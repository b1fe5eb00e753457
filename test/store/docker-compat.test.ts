/**
 * Docker MCP gateway compatibility (CE mode layout): entries written exactly as the gateway
 * writes them are read, listed and imported by the engine; a sign-in with compat "docker"
 * writes Docker's two entries, a refresh updates Docker's token, a revocation erases both.
 *
 * The gateway's layout (docker/mcp-gateway pkg/oauth/dcr/credentials.go, token_store.go):
 * client `https://{serverName}.mcp-dcr`, Username `dcr_client`, Secret base64(json.Marshal of
 * dcr.Client), which never carries `authorizationServer`; token
 * `{authorizationEndpoint}/{providerName}`, Username `oauth2_{providerName}`, Secret
 * base64(json.Marshal of oauth2.Token). Go marshals time.Time as RFC 3339 with nanoseconds and
 * the local offset. test/helpers/docker-gateway.ts writes them so (source lines cited there).
 *
 * @module
 */
import { dockerMirror } from "../../src/store/docker-mirror.ts";
import { readDockerServers } from "../../src/store/docker-compat.ts";
import { importFromDocker } from "../../src/store/docker-import.ts";
import { builtInCatalog } from "../../src/catalog/catalog.ts";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  DOCKER_REDIRECT_URI,
  dockerClientKey,
  mirrorToDocker,
} from "../../src/store/docker-compat.ts";
import { createEngine } from "../../src/core/engine.ts";
import { ErrorCode, McpOAuthError } from "../../src/core/errors.ts";
import { clientKey, tokenKey, type TokenRecord } from "../../src/core/records.ts";
import { MemoryStore } from "../../src/store/memory-store.ts";
import { MemoryRegistry, type ServerDefinition } from "../../src/store/server-registry.ts";
import {
  type AuthorizationServer,
  startAuthorizationServer,
} from "../fixtures/authorization-server.ts";
import { type McpTestServer, startMcpServer } from "../fixtures/mcp-server.ts";
import {
  type GatewayClient,
  gatewayClientEntry,
  type GatewayToken,
  gatewayTokenEntry,
  goSecret,
  goTime,
} from "../helpers/docker-gateway.ts";
import { type Harness, harness, signInServer } from "../helpers/engine-harness.ts";
import { signIn } from "../helpers/person.ts";
import { recordSecret } from "../helpers/secret-ledger.ts";

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
const TOKEN_FIELDS = ["access_token", "token_type", "refresh_token", "expiry", "expires_in"];
/** RFC 3339 as Go's time.Parse(time.RFC3339, …) accepts it. */
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/;

/** Decode a Secret the way Docker does: StdEncoding base64, then JSON. */
function goDecode(secret: string): Record<string, unknown> {
  assert.match(secret, /^[A-Za-z0-9+/]*={0,2}$/, "standard base64 (Go's StdEncoding)");
  const bytes = Uint8Array.from(atob(secret), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/**
 * The network of made-up hosts: JSON documents by URL, a 401 Bearer challenge from the MCP
 * endpoints, 404 for anything else; every request is noted.
 */
function fakeNetwork(documents: Record<string, unknown>, mcpUrls: string[]) {
  const requests: string[] = [];
  const fetch = (input: string | URL | Request, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    requests.push(`${init?.method ?? (input instanceof Request ? input.method : "GET")} ${url}`);
    if (mcpUrls.includes(url)) {
      return Promise.resolve(
        new Response(null, { status: 401, headers: { "www-authenticate": "Bearer" } }),
      );
    }
    const doc = documents[url];
    return Promise.resolve(
      doc
        ? Response.json(doc, { headers: { "content-type": "application/json" } })
        : new Response("not found", { status: 404 }),
    );
  };
  return { fetch, requests };
}

/** RFC 8414 metadata of a made-up AS. */
function asMetadata(issuer: string, token = `${issuer}/token`) {
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: token,
    registration_endpoint: `${issuer}/register`,
    revocation_endpoint: `${issuer}/revoke`,
    response_types_supported: ["code"],
    code_challenge_methods_supported: ["S256"],
  };
}

describe("Docker MCP gateway layout → mcp-oauth (entries written as the gateway writes them)", () => {
  const issuer = "https://auth.notion.example";
  const resourceUrl = "https://mcp.notion.example/mcp";
  const expiresAt = Date.now() + 50 * 60_000;
  const access = "docker-access-token-value";
  const refresh = "docker-refresh-token-value";
  recordSecret("access_token", access);
  recordSecret("refresh_token", refresh);
  const notion: GatewayClient = {
    authorizationEndpoint: `${issuer}/authorize`,
    clientId: "docker-dcr-client-1",
    serverName: "notion-remote",
    registeredAt: Date.now() - 86_400_000,
    requiredScopes: ["mcp:read", "offline_access"],
    resourceUrl,
    scopesSupported: ["mcp:read", "mcp:write", "offline_access"],
    tokenEndpoint: `${issuer}/token`,
    zoneOffsetMin: 60,
  };
  const notionToken: GatewayToken = {
    access_token: access,
    token_type: "Bearer",
    refresh_token: refresh,
    expires_in: 3000,
    receivedAt: expiresAt - 3000_000,
  };
  /** Linear as Docker's catalog names it: its PRM is missing, so resourceUrl is the origin. */
  const linear: GatewayClient = {
    ...notion,
    authorizationEndpoint: "https://mcp.linear.app/authorize",
    clientId: "docker-dcr-client-2",
    serverName: "linear",
    resourceUrl: "https://mcp.linear.app",
    tokenEndpoint: "https://mcp.linear.app/token",
    zoneOffsetMin: -420,
  };
  const network = () =>
    fakeNetwork({
      "https://mcp.notion.example/.well-known/oauth-protected-resource/mcp": {
        resource: resourceUrl,
        authorization_servers: [issuer],
      },
      "https://auth.notion.example/.well-known/oauth-authorization-server": {
        ...asMetadata(issuer),
      },
      "https://mcp.linear.app/.well-known/oauth-authorization-server": asMetadata(
        "https://mcp.linear.app",
      ),
    }, [resourceUrl, "https://mcp.linear.app/mcp"]);

  async function gatewayStore(options: { linearToken?: boolean } = {}): Promise<MemoryStore> {
    const store = new MemoryStore();
    await store.store(gatewayClientEntry(notion));
    await store.store(gatewayTokenEntry(notion, notionToken));
    // Linear: registered by the gateway, authorized only when asked.
    await store.store(gatewayClientEntry(linear));
    if (options.linearToken) await store.store(gatewayTokenEntry(linear, notionToken));
    // Unrelated entries.
    await store.store({ ServerURL: "https://index.docker.io/v1/", Username: "me", Secret: "pw" });
    await store.store({
      ServerURL: "https://broken.mcp-dcr",
      Username: "dcr_client",
      Secret: "%%",
    });
    return store;
  }

  it("the fixtures are what Go writes: no authorizationServer, RFC 3339 with nanoseconds, expires_in", () => {
    const client = atob(gatewayClientEntry(notion).Secret);
    assert.equal(
      client,
      `{"authorizationEndpoint":"https://auth.notion.example/authorize","clientId":"docker-dcr-client-1","clientName":"MCP Gateway - notion-remote","providerName":"notion-remote","redirectUri":"https://mcp.docker.com/oauth/callback","registeredAt":"${
        goTime(notion.registeredAt, 60)
      }","requiredScopes":["mcp:read","offline_access"],"resourceUrl":"https://mcp.notion.example/mcp","scopesSupported":["mcp:read","mcp:write","offline_access"],"serverName":"notion-remote","tokenEndpoint":"https://auth.notion.example/token"}`,
    );
    assert.match(goTime(notion.registeredAt, 60), /T\d\d:\d\d:\d\d\.\d{9}\+01:00$/);
    assert.equal(
      atob(gatewayTokenEntry(notion, notionToken).Secret),
      `{"access_token":"${access}","token_type":"Bearer","refresh_token":"${refresh}","expiry":"${
        goTime(expiresAt, 60)
      }","expires_in":3000}`,
    );
    // Go's HTML escaping of &, < and >.
    assert.equal(
      atob(goSecret({ u: "https://x.example/a?b=1&c=<2>" })),
      '{"u":"https://x.example/a?b=1\\u0026c=\\u003c2\\u003e"}',
    );
  });

  it('Storage/docker-compat: dockerServers() finds the gateway\'s servers with their tokens (ls --json "docker")', async () => {
    const engine = createEngine({ store: await gatewayStore(), servers: new MemoryRegistry() });
    const found = await readDockerServers(engine.store);
    const byName = Object.fromEntries(found.map((d) => [d.client.serverName, d]));
    assert.deepEqual(Object.keys(byName).sort(), ["linear", "notion-remote"]);
    assert.deepEqual(byName["notion-remote"]!.client, goDecode(gatewayClientEntry(notion).Secret));
    assert.equal(byName["notion-remote"]!.client.authorizationServer, undefined);
    assert.deepEqual(
      byName["notion-remote"]!.token,
      goDecode(gatewayTokenEntry(notion, notionToken).Secret),
    );
    assert.equal(byName.linear!.token, undefined, "registered, not authorized");
  });

  it("Storage/docker-compat: import docker finds the issuer by discovery and serves Docker's access token; the unauthorized one is named with its reason", async () => {
    const store = await gatewayStore();
    const servers = new MemoryRegistry();
    const net = network();
    const engine = createEngine({ store, docker: dockerMirror(store), servers, fetch: net.fetch });
    const result = await importFromDocker(engine, (n) => builtInCatalog.entry(n)?.url);
    assert.deepEqual(result.imported, ["notion-remote"]);
    assert.deepEqual(result.skipped.map((s) => s.name), ["linear"]);
    assert.match(result.skipped[0]!.reason, /holds no token \(never authorized\)/);
    const def = await servers.get("notion-remote");
    assert.deepEqual(def, { name: "notion-remote", url: resourceUrl, issuer, compat: "docker" });
    assert.equal(await engine.getAccessToken(def!), access);
    const set = await engine.getTokenSet(def!);
    assert.equal(set.expires_at, Date.parse(goTime(expiresAt, 60)), "Go's RFC 3339, to the ms");
    assert.equal(set.scope, "mcp:read offline_access");
    const record = JSON.parse((await store.get(tokenKey(issuer, resourceUrl)))!.Secret);
    assert.equal(record.client_id, "docker-dcr-client-1");
    assert.equal(record.client_source, "docker");
    assert.equal(record.refresh_token, refresh);
    assert.equal(record.token_endpoint, `${issuer}/token`);
    assert.equal(record.revocation_endpoint, `${issuer}/revoke`, "from discovery");
    assert.equal(record.auth_method, "none", "Docker's DCR clients are public");
    assert.equal(record.resource_indicator, undefined, "the PRM's resource is the MCP URL");
    assert.equal((await engine.status(def!)).state, "authorized");
    assert.ok(!net.requests.some((r) => r.includes("/token")), "no token request was made");
    // Docker's own entries are left as they were.
    assert.equal(
      (await store.get(`${notion.authorizationEndpoint}/notion-remote`))!.Secret,
      gatewayTokenEntry(notion, notionToken).Secret,
    );
  });

  it("Storage/docker-compat: resourceUrl is the bare origin: the server keeps its MCP URL (known definition, else the catalog), and the origin is still sent as resource", async () => {
    const store = await gatewayStore({ linearToken: true });
    const net = network();
    // From the built-in catalog: "linear" is https://mcp.linear.app/mcp.
    const servers = new MemoryRegistry();
    const engine = createEngine({
      store,
      docker: dockerMirror(store),
      servers,
      fetch: net.fetch,
      catalog: builtInCatalog,
    });
    const result = await importFromDocker(engine, (n) => builtInCatalog.entry(n)?.url);
    assert.deepEqual(result, { imported: ["notion-remote", "linear"], skipped: [] });
    const def = (await servers.get("linear"))!;
    assert.equal(def.url, "https://mcp.linear.app/mcp", "the catalog's URL, not the origin");
    assert.equal(def.issuer, "https://mcp.linear.app");
    const record = JSON.parse(
      (await store.get(tokenKey("https://mcp.linear.app", "https://mcp.linear.app/mcp")))!.Secret,
    );
    assert.equal(record.resource, "https://mcp.linear.app/mcp");
    assert.equal(
      record.resource_indicator,
      "https://mcp.linear.app",
      "what the gateway was granted for",
    );
    // A server mcp-oauth already knows by that name keeps its URL too.
    const servers2 = new MemoryRegistry();
    await servers2.put({ name: "linear", url: "https://mcp.linear.app/mcp?v=2" });
    const engine2 = createEngine({
      store,
      docker: dockerMirror(store),
      servers: servers2,
      fetch: network().fetch,
      catalog: builtInCatalog,
    });
    const again = await importFromDocker(engine2, (n) => builtInCatalog.entry(n)?.url);
    assert.ok(again.imported.includes("linear"), JSON.stringify(again));
    assert.equal((await servers2.get("linear"))!.url, "https://mcp.linear.app/mcp?v=2");
  });

  it("Storage/docker-compat: import skips a name already taken by another server, saying why, and is idempotent", async () => {
    const store = await gatewayStore();
    const servers = new MemoryRegistry();
    await servers.put({ name: "notion-remote", url: "https://elsewhere.example/mcp" });
    const engine = createEngine({
      store,
      docker: dockerMirror(store),
      servers,
      fetch: network().fetch,
    });
    const result = await importFromDocker(engine, (n) => builtInCatalog.entry(n)?.url);
    assert.deepEqual(result.imported, []);
    assert.deepEqual(result.skipped.map((s) => s.name), ["notion-remote", "linear"]);
    assert.match(
      result.skipped[0]!.reason,
      /^Docker's entry is for https:\/\/mcp\.notion\.example\/mcp, but notion-remote is https:\/\/elsewhere\.example\/mcp here; rename one of them$/,
    );
    assert.equal((await servers.get("notion-remote"))?.url, "https://elsewhere.example/mcp");

    const servers2 = new MemoryRegistry();
    const engine2 = createEngine({
      store,
      docker: dockerMirror(store),
      servers: servers2,
      fetch: network().fetch,
      catalog: builtInCatalog,
    });
    await importFromDocker(engine2, (n) => builtInCatalog.entry(n)?.url);
    const again = await importFromDocker(engine2, (n) => builtInCatalog.entry(n)?.url);
    assert.deepEqual(again.imported, ["notion-remote"], "same name and URL: updated in place");
    assert.equal((await servers2.list()).length, 1);
  });

  it("S24/SSRF: an http token endpoint off loopback, or a loopback one for a remote server, entering from Docker's entries is refused before any refresh token is sent", async () => {
    for (
      const [tokenEndpoint, code] of [
        ["http://auth.notion.example/token", /plain http on a non-loopback host/],
        ["http://127.0.0.1:9/token", /points at this machine/],
      ] as const
    ) {
      const store = new MemoryStore();
      // An entry an older mcp-oauth wrote (authorizationServer set: no discovery) or anyone with
      // access to the helper: the endpoints are checked as if discovered.
      const client = {
        ...goDecode(gatewayClientEntry(notion).Secret),
        authorizationServer: issuer,
        tokenEndpoint,
      };
      await store.store({ ...gatewayClientEntry(notion), Secret: goSecret(client as never) });
      await store.store(gatewayTokenEntry(notion, notionToken));
      const net = network();
      const servers = new MemoryRegistry();
      const engine = createEngine({
        store,
        docker: dockerMirror(store),
        servers,
        fetch: net.fetch,
      });
      const result = await importFromDocker(engine, (n) => builtInCatalog.entry(n)?.url);
      assert.deepEqual(result.imported, []);
      assert.match(result.skipped[0]!.reason, code);
      assert.equal(await store.get(tokenKey(issuer, resourceUrl)), undefined, "nothing kept");
      assert.ok(!net.requests.some((r) => r.includes("/token")), net.requests.join("\n"));
    }
    // Without authorizationServer, discovery names the AS, whose endpoints must be Docker's.
    const store = new MemoryStore();
    await store.store(
      gatewayClientEntry({ ...notion, tokenEndpoint: "http://auth.notion.example/token" }),
    );
    await store.store(gatewayTokenEntry(notion, notionToken));
    const net = network();
    const engine = createEngine({
      store,
      docker: dockerMirror(store),
      servers: new MemoryRegistry(),
      fetch: net.fetch,
    });
    const result = await importFromDocker(engine, (n) => builtInCatalog.entry(n)?.url);
    assert.match(result.skipped[0]!.reason, /endpoints are not the ones in Docker's entry/);
    assert.ok(!net.requests.some((r) => r.includes("/token")));
  });

  it("S24/SSRF: a stored record (from any source) whose token endpoint is plain http off loopback never gets the refresh token", async () => {
    const store = new MemoryStore();
    const servers = new MemoryRegistry();
    const def = { name: "notion", url: resourceUrl, issuer };
    await servers.put(def);
    const record: TokenRecord = {
      v: 1,
      resource: resourceUrl,
      issuer,
      token_endpoint: "http://auth.notion.example/token",
      client_id: "c",
      client_source: "docker",
      auth_method: "none",
      send_resource: true,
      access_token: access,
      token_type: "Bearer",
      refresh_token: refresh,
      expires_at: Date.now() - 1000,
      obtained_at: Date.now() - 3600_000,
    };
    await store.store({
      ServerURL: tokenKey(issuer, resourceUrl),
      Username: "mcp-oauth-token",
      Secret: JSON.stringify(record),
    });
    const net = network();
    const engine = createEngine({ store, docker: dockerMirror(store), servers, fetch: net.fetch });
    await assert.rejects(engine.getAccessToken(def), (err: unknown) => {
      assert.ok(err instanceof McpOAuthError);
      assert.equal(err.code, ErrorCode.INSECURE_URL);
      assert.match(
        err.message,
        /token_endpoint http:\/\/auth\.notion\.example\/token uses plain http/,
      );
      assert.ok(!err.message.includes(refresh));
      return true;
    });
    assert.deepEqual(net.requests, [], "nothing was sent anywhere");
    // Revoke deletes locally and says why it did not ask the AS.
    const revoked = await engine.revoke(def);
    assert.equal(revoked.failures.length, 1);
    assert.match(revoked.failures[0]!, /plain http .* deleted locally only/);
    assert.deepEqual(net.requests, []);
  });

  it("Storage/docker-compat: a sign-in keeps a gateway's client entry as Docker wrote it unless our client is registered for Docker's redirect URI too", async () => {
    const store = new MemoryStore();
    await store.store(gatewayClientEntry(notion));
    await store.store(gatewayTokenEntry(notion, notionToken));
    const before = await store.list();
    const ours: TokenRecord = {
      v: 1,
      resource: resourceUrl,
      issuer,
      authorization_endpoint: notion.authorizationEndpoint,
      token_endpoint: notion.tokenEndpoint,
      client_id: "mcp-oauth-client",
      auth_method: "none",
      send_resource: true,
      access_token: "ours-access",
      token_type: "Bearer",
      obtained_at: Date.now(),
    };
    recordSecret("access_token", "ours-access");
    const loopbackOnly = {
      client_id: "mcp-oauth-client",
      redirect_uris: ["http://127.0.0.1:1234/callback"],
    };
    assert.equal(
      await mirrorToDocker(store, "notion-remote", ours, loopbackOnly),
      "kept-docker-client",
    );
    assert.deepEqual(await store.list(), before);
    assert.equal(
      (await store.get(dockerClientKey("notion-remote")))!.Secret,
      gatewayClientEntry(notion).Secret,
    );
    const both = {
      ...loopbackOnly,
      redirect_uris: [...loopbackOnly.redirect_uris, DOCKER_REDIRECT_URI],
    };
    assert.equal(await mirrorToDocker(store, "notion-remote", ours, both), "written");
    const written = goDecode((await store.get(dockerClientKey("notion-remote")))!.Secret);
    assert.equal(written.clientId, "mcp-oauth-client");
    assert.equal(written.redirectUri, DOCKER_REDIRECT_URI, "the gateway's authorize works with it");
    // A refresh never writes a token entry for a client Docker's entry does not name.
    await store.store(gatewayClientEntry(notion));
    assert.equal(await mirrorToDocker(store, "notion-remote", ours), "no-docker-client");
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
      // Issue 16 item 3: the client is registered for Docker's redirect URI too, so the gateway's
      // own sign-in (which reuses any client in this entry) is not refused.
      assert.equal(c.redirectUri, DOCKER_REDIRECT_URI);
      assert.deepEqual(registration.redirect_uris, [h.redirectUri, DOCKER_REDIRECT_URI]);
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
      assert.equal(t.expires_in, 3600, "the lifetime, as golang.org/x/oauth2 keeps it");
      assert.equal((await as.introspect(t.access_token as string)).active, true);

      // The key the gateway computes: {authorizationEndpoint}/{providerName}.
      assert.equal(tokenEntryKey(), `${c.authorizationEndpoint}/${c.providerName}`);
      // And the engine lists it as a Docker server too (ls hides it only because it is tracked).
      const listed = await readDockerServers(h.engine.store);
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
      const engine = createEngine({ store, docker: dockerMirror(store), servers });
      assert.deepEqual(await importFromDocker(engine, (n) => builtInCatalog.entry(n)?.url), {
        imported: ["demo"],
        skipped: [],
      });
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
      assert.deepEqual(await readDockerServers(h.engine.store), []);
    },
  );

  it(
    "Storage/docker-compat: an AS that refuses Docker's redirect URI gets a loopback-only client, and a client entry the gateway wrote stays as it was, with a note",
    SLOW,
    async () => {
      // An AS that refuses https redirect URIs for native clients, as some do.
      let refusals = 0;
      const refusing = (input: string | URL | Request, init?: RequestInit) => {
        const url = input instanceof Request ? input.url : String(input);
        if (url === `${as.issuer}/reg` && String(init?.body ?? "").includes("mcp.docker.com")) {
          refusals++;
          return Promise.resolve(
            Response.json({ error: "invalid_redirect_uri" }, { status: 400 }),
          );
        }
        return fetch(input, init);
      };
      const h2 = await harness({ fetch: refusing });
      try {
        const gateway: GatewayClient = {
          authorizationEndpoint: `${as.issuer}/auth`,
          clientId: "the-gateways-own-client",
          serverName: "demo2",
          registeredAt: Date.now(),
          resourceUrl: mcp.url,
          tokenEndpoint: `${as.issuer}/token`,
        };
        await h2.store.store(gatewayClientEntry(gateway));
        const def: ServerDefinition = { name: "demo2", url: mcp.url, compat: "docker" };
        await h2.servers.put(def);
        const d = await h2.engine.discover(def);
        const registrations = as.counts.registration;
        const { url } = await h2.engine.beginAuthorization(def, d, {
          redirectUri: h2.redirectUri,
        });
        assert.equal(as.counts.registration, registrations + 1, "registered once, without it");
        const { callbackUrl } = await signIn(url.href, { stopAtCallback: true });
        const done = await h2.engine.completeAuthorization(callbackUrl);
        assert.match(done.dockerNote ?? "", /left as they are: each tool keeps its own sign-in/);
        const registration = JSON.parse((await h2.store.get(clientKey(as.issuer)))!.Secret);
        assert.deepEqual(registration.redirect_uris, [h2.redirectUri]);
        assert.equal(
          (await h2.store.get(dockerClientKey("demo2")))!.Secret,
          gatewayClientEntry(gateway).Secret,
          "the gateway's client entry as Docker wrote it",
        );
        assert.equal(
          await h2.store.get(`${as.issuer}/auth/demo2`),
          undefined,
          "no token of ours there",
        );
        assert.ok(await h2.engine.getAccessToken(def), "mcp-oauth itself is signed in");
        // The refusal is remembered: the next sign-in neither asks again nor registers anew.
        await h2.engine.beginAuthorization(def, await h2.engine.discover(def), {
          redirectUri: h2.redirectUri,
        });
        assert.equal(refusals, 1);
        assert.equal(as.counts.registration, registrations + 1);
      } finally {
        await h2.close();
      }
    },
  );
});
