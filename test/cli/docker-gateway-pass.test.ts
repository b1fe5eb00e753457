/**
 * Docker's MCP gateway and mcp-oauth on one keychain, both ways (issue 16), through the real
 * docker-credential-pass and the real authorization server (oidc-provider: rotating refresh
 * tokens; a spent refresh token presented again revokes the whole grant).
 *
 * The gateway is played by test/helpers/docker-gateway.ts, which writes its entries byte for
 * byte as its Go code does (the source lines are cited there): no `authorizationServer`, base64
 * JSON, expiry in RFC 3339 with nanoseconds and the gateway's zone offset.
 *
 * @module
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  GATEWAY_REDIRECT_URI,
  type GatewayClient,
  gatewayClientEntry,
  gatewayRefresh,
  gatewaySignIn,
  type GatewayToken,
  gatewayTokenEntry,
} from "../helpers/docker-gateway.ts";
import { PERSON_BROWSER, readHomeFile, runCli, tempHome } from "./helpers.ts";
import { decodeSecret as decode, passBench } from "./pass-bench.ts";

const SLOW = { timeout: 180_000 };
const STORE = ["--store", "helper:pass"];
const RUNTIME = (globalThis as { Deno?: unknown }).Deno ? "deno" : "bun";

describe("Docker's gateway and mcp-oauth on one pass store (issue 16)", () => {
  /** Refresh-token grants the AS refused, and grants it revoked (a reuse does both). */
  const refused: string[] = [];
  const revokedGrants: string[] = [];
  const bench = passBench((as) => {
    as.provider.on(
      "grant.error",
      (ctx: { oidc?: { params?: { grant_type?: string } } }, err: Error) => {
        refused.push(`${ctx.oidc?.params?.grant_type}: ${err.message}`);
      },
    );
    as.provider.on(
      "grant.revoked",
      (_ctx: unknown, grantId: string) => revokedGrants.push(grantId),
    );
  });

  /** A home and a password store of its own; `cli` runs mcp-oauth on them. */
  async function setup(storeName: string) {
    const p = bench.ready();
    const { home, passEnv, cli } = await bench.home(
      `mcp-oauth-gw-${RUNTIME}-`,
      RUNTIME,
      storeName,
      STORE,
    );
    /** `docker-credential-pass store`, as the gateway's credentials.Helper.Add does. */
    const helperStore = async (entry: { ServerURL: string; Username: string; Secret: string }) => {
      const r = await p.exec(["docker-credential-pass", "store"], JSON.stringify(entry), passEnv);
      assert.equal(r.code, 0, r.stderr);
    };
    const helperErase = async (key: string) => {
      const r = await p.exec(["docker-credential-pass", "erase"], key, passEnv);
      assert.equal(r.code, 0, r.stderr);
    };
    const get = (key: string) => p.rawGet(key, passEnv);
    const list = () => p.rawList(passEnv);
    return { home, cli, helperStore, helperErase, get, list };
  }

  const discovery = () => ({
    authorizationEndpoint: `${bench.as.issuer}/auth`,
    tokenEndpoint: `${bench.as.issuer}/token`,
    registrationEndpoint: `${bench.as.issuer}/reg`,
    resourceUrl: bench.mcp.url,
    scopes: ["mcp:read", "mcp:write"],
  });

  it(
    "entries the gateway wrote (no authorizationServer): ls, import docker, token, refresh and revoke work on them",
    SLOW,
    async () => {
      const { cli, helperStore, get, list } = await setup("gateway-first");
      // A gateway in UTC+05:30, so its times carry an offset and nanoseconds.
      const { client, token } = await gatewaySignIn("demo", discovery(), 330);
      const clientEntry = gatewayClientEntry(client);
      const tokenEntry = gatewayTokenEntry(client, token);
      await helperStore(clientEntry);
      await helperStore(tokenEntry);
      // Byte for byte what the Go code stores: no authorizationServer, RFC 3339 nanoseconds.
      assert.equal(await get(clientEntry.ServerURL), clientEntry.Secret);
      const rawClient = atob(clientEntry.Secret);
      assert.doesNotMatch(rawClient, /authorizationServer/);
      assert.match(rawClient, /^\{"authorizationEndpoint":"[^"]+","clientId":/);
      assert.match(atob(tokenEntry.Secret), /"expiry":"[^"]+\.\d{9}\+05:30","expires_in":3600\}$/);

      let r = await cli("ls", "--json");
      assert.equal(r.code, 0, r.stderr);
      const ls = JSON.parse(r.stdout);
      assert.deepEqual(ls.docker, [{
        name: "demo",
        url: bench.mcp.url,
        issuer: null,
        status: "authorized",
        expiresAt: new Date(token.receivedAt + 3600_000).toISOString(),
      }]);

      r = await cli("import", "docker");
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "Imported 1 server from Docker: demo.\n");
      assert.equal(r.stderr, "");

      r = await cli("token", "demo");
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), token.access_token, "the gateway's access token");

      const refreshes = bench.as.counts.refresh;
      r = await cli("refresh", "demo");
      assert.equal(r.code, 0, r.stderr);
      assert.equal(bench.as.counts.refresh, refreshes + 1);
      r = await cli("token", "demo");
      const fresh = r.stdout.trim();
      assert.notEqual(fresh, token.access_token);
      assert.equal((await bench.as.introspect(fresh)).active, true);
      // Docker's token entry follows, still decodable by the gateway; its client entry is untouched.
      const dockerToken = decode(await get(tokenEntry.ServerURL))!;
      assert.equal(dockerToken.access_token, fresh);
      assert.notEqual(dockerToken.refresh_token, token.refresh_token);
      assert.match(
        String(dockerToken.expiry),
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/,
      );
      assert.equal(
        await get(clientEntry.ServerURL),
        clientEntry.Secret,
        "Docker's client entry as Docker wrote it",
      );
      // And the gateway can refresh with it: the one grant is shared, nothing was reused.
      const gw = await gatewayRefresh(client, String(dockerToken.refresh_token));
      await helperStore(gatewayTokenEntry(client, gw));
      r = await cli("token", "demo");
      assert.equal(r.stdout.trim(), gw.access_token, "the gateway's newer token is adopted");

      r = await cli("revoke", "demo");
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await bench.as.introspect(gw.access_token)).active, false, "revoked at the AS");
      const keys = Object.keys(await list());
      assert.deepEqual(keys.filter((k) => k.endsWith(".mcp-dcr") || k.endsWith("/demo")), []);
      assert.deepEqual(refused, [], "no refresh token was refused (none reused)");
    },
  );

  it(
    "shared server: mcp-oauth signs in with --compat docker, the gateway refreshes and writes its entry, token and refresh keep working, no refresh-token reuse",
    SLOW,
    async () => {
      const { home, cli, helperStore, helperErase, get, list } = await setup("shared");
      refused.length = 0;
      revokedGrants.length = 0;
      let r = await cli("add", "demo", bench.mcp.url);
      assert.equal(r.code, 0, r.stderr);
      r = await cli(
        "authorize",
        "demo",
        "--compat",
        "docker",
        "--browser",
        PERSON_BROWSER,
        "--timeout",
        "60",
      );
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /warning/, "helper:pass is a store the gateway can read");
      const signedIn = (await cli("token", "demo")).stdout.trim();

      // What the gateway finds: its client entry names a client registered for its redirect too.
      const dockerClient = decode(await get("https://demo.mcp-dcr"))!;
      assert.equal(dockerClient.redirectUri, GATEWAY_REDIRECT_URI);
      const client: GatewayClient = {
        authorizationEndpoint: String(dockerClient.authorizationEndpoint),
        clientId: String(dockerClient.clientId),
        serverName: "demo",
        registeredAt: Date.parse(String(dockerClient.registeredAt)),
        tokenEndpoint: String(dockerClient.tokenEndpoint),
        resourceUrl: String(dockerClient.resourceUrl),
      };
      const tokenKey = `${client.authorizationEndpoint}/demo`;
      const shared = decode(await get(tokenKey))!;
      assert.equal(shared.access_token, signedIn);

      // Item 3: `docker mcp oauth authorize` reuses that client with Docker's redirect URI; the AS
      // takes it to the login page instead of refusing the redirect (invalid_redirect_uri).
      const authorize = new URL(client.authorizationEndpoint);
      authorize.search = new URLSearchParams({
        client_id: client.clientId,
        redirect_uri: GATEWAY_REDIRECT_URI,
        response_type: "code",
        scope: "mcp:read",
        code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        code_challenge_method: "S256",
        resource: bench.mcp.url,
        state: "mcp-gateway:45678:3f2c6a4e-9b1d-4c7e-8a55-0e6f1d2c3b4a",
      }).toString();
      const res = await fetch(authorize, { redirect: "manual" });
      await res.body?.cancel();
      assert.equal(res.status, 303, "a redirect to the interaction, not an error page");
      assert.match(res.headers.get("location") ?? "", /\/interaction\//);

      // The gateway refreshes (its token is near expiry) with the refresh token in Docker's entry,
      // rotating it, and writes its token entry as the Go code does.
      const refreshes = bench.as.counts.refresh;
      let gw: GatewayToken = await gatewayRefresh(client, String(shared.refresh_token));
      await helperStore(gatewayTokenEntry({ ...client, zoneOffsetMin: -420 }, gw));

      r = await cli("ls", "--json");
      assert.equal(
        JSON.parse(r.stdout).servers[0].expiresAt,
        new Date(gw.receivedAt + gw.expires_in! * 1000).toISOString(),
        "ls shows the newer of the two copies",
      );
      r = await cli("token", "demo");
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), gw.access_token, "token serves the gateway's newer token");
      r = await cli("refresh", "demo");
      assert.equal(r.code, 0, r.stderr);
      r = await cli("token", "demo");
      const ours = r.stdout.trim();
      assert.notEqual(ours, gw.access_token);
      assert.equal((await bench.as.introspect(ours)).active, true);
      assert.equal(decode(await get(tokenKey))!.access_token, ours, "written back for the gateway");

      // The gateway refreshes again from what mcp-oauth wrote back.
      gw = await gatewayRefresh(client, String(decode(await get(tokenKey))!.refresh_token));
      await helperStore(gatewayTokenEntry(client, gw));
      r = await cli("refresh", "demo");
      assert.equal(r.code, 0, r.stderr);
      const last = (await cli("token", "demo")).stdout.trim();
      assert.equal((await bench.as.introspect(last)).active, true);
      assert.equal(
        bench.as.counts.refresh,
        refreshes + 4,
        "four refreshes, each with a fresh refresh token",
      );
      assert.deepEqual(refused, [], "the AS refused no refresh token: none was used twice");
      assert.deepEqual(revokedGrants, [], "and revoked no grant");

      // Item 7: `docker mcp oauth revoke demo` deletes the token entry, then the client entry
      // (no RFC 7009). mcp-oauth's own token still works and its refresh does not bring back a
      // token entry without its client entry.
      await helperErase(tokenKey);
      await helperErase("https://demo.mcp-dcr");
      r = await cli("refresh", "demo");
      assert.equal(r.code, 0, r.stderr);
      let keys = Object.keys(await list());
      assert.deepEqual(keys.filter((k) => k.endsWith(".mcp-dcr") || k === tokenKey), []);

      // mcp-oauth's revoke after a fresh compat sign-in: both entries gone.
      r = await cli("authorize", "demo", "--browser", PERSON_BROWSER, "--timeout", "60");
      assert.equal(r.code, 0, r.stderr);
      assert.ok(await get(tokenKey));
      r = await cli("revoke", "demo");
      assert.equal(r.code, 0, r.stderr);
      keys = Object.keys(await list());
      assert.deepEqual(keys.filter((k) => k.endsWith(".mcp-dcr") || k === tokenKey), []);
      assert.deepEqual(refused, []);
      assert.equal(await readHomeFile(home, "credentials.json"), undefined);
    },
  );

  it(
    "--compat docker with the file store says once that the gateway cannot read it, naming the store to use",
    SLOW,
    async () => {
      const home = await tempHome(`mcp-oauth-gw-file-`);
      bench.cleanUp(home);
      const r = await runCli([
        "add",
        "demo",
        bench.mcp.url,
        "--compat",
        "docker",
        "--store",
        "file",
      ], {
        home,
        env: { MCP_OAUTH_RUNTIME: RUNTIME },
      });
      assert.equal(r.code, 0, r.stderr);
      const warnings = r.stderr.split("\n").filter((l) => l.startsWith("warning:"));
      assert.equal(warnings.length, 1, r.stderr);
      assert.match(warnings[0]!, /never reads .*--store docker .*credsStore.*--store helper:NAME/);
    },
  );
});
