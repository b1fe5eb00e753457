import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { listen } from "../helpers/listen.ts";
import { ErrorCode, McpOAuthError } from "../../src/core/errors.ts";
import { clientKey, tokenKey } from "../../src/core/records.ts";
import type { ServerDefinition } from "../../src/store/server-registry.ts";
import {
  type AuthorizationServer,
  startAuthorizationServer,
} from "../fixtures/authorization-server.ts";
import { startLayout } from "../fixtures/layouts.ts";
import { type McpTestServer, startMcpServer } from "../fixtures/mcp-server.ts";
import { type Harness, harness, signInServer } from "../helpers/engine-harness.ts";

function isCode(code: string) {
  return (err: unknown) => {
    assert.ok(err instanceof McpOAuthError, `expected McpOAuthError, got ${err}`);
    assert.equal(err.code, code, err.message);
    return true;
  };
}

describe("engine against oidc-provider", () => {
  let as: AuthorizationServer;
  let mcp: McpTestServer;
  let mcp2: McpTestServer;
  let h: Harness;
  let server: ServerDefinition;

  before(async () => {
    as = await startAuthorizationServer({ accessTokenTTL: 3 });
    mcp = await startMcpServer({ issuer: as.issuer, introspect: as.introspect });
    mcp2 = await startMcpServer({ issuer: as.issuer, introspect: as.introspect });
    h = await harness();
    server = { name: "fixture", url: mcp.url };
  });
  after(async () => {
    await h.close();
    await mcp.close();
    await mcp2.close();
    await as.close();
  });

  it("S10/S13/S16: signs in with DCR, PKCE, resource and iss, and stores the token with an absolute expiry", async () => {
    const t0 = Date.now();
    const { outcome, callbackUrl } = await signInServer(h, server);
    assert.deepEqual(outcome, { ok: true, message: "signed in" });
    assert.equal(new URL(callbackUrl).searchParams.get("iss"), as.issuer);
    assert.equal(as.counts.registration, 1);
    assert.equal(as.counts.authorizationCode, 1);
    const status = await h.engine.status(await h.engine.resolve("fixture"));
    assert.equal(status.state, "authorized");
    assert.ok(status.expiresAt! >= t0 + 3000 && status.expiresAt! <= Date.now() + 3000);
    const token = await h.engine.getAccessToken(await h.engine.resolve("fixture"));
    const info = await as.introspect(token);
    assert.equal(info.active, true);
    assert.equal(info.aud, mcp.url, "S13: the token is bound to the MCP server's canonical URL");
  });

  it("S15: a replayed callback is refused and changes nothing", async () => {
    const { callbackUrl } = await signInServer(h, server);
    const before = await h.store.list();
    const stored = await h.store.get(tokenKey(as.issuer, mcp.url));
    await assert.rejects(
      h.engine.completeAuthorization(callbackUrl),
      isCode(ErrorCode.STATE_MISMATCH),
    );
    assert.deepEqual(await h.store.list(), before);
    assert.deepEqual(await h.store.get(tokenKey(as.issuer, mcp.url)), stored);
  });

  it("S15: an unknown or repeated state is refused", async () => {
    await assert.rejects(
      h.engine.completeAuthorization(`${h.redirectUri}?code=x&state=nope&iss=${as.issuer}`),
      isCode(ErrorCode.STATE_MISMATCH),
    );
    await assert.rejects(
      h.engine.completeAuthorization(`${h.redirectUri}?code=x`),
      isCode(ErrorCode.STATE_MISMATCH),
    );
    const d = await h.engine.discover(server);
    const { state } = await h.engine.beginAuthorization(server, d, { redirectUri: h.redirectUri });
    await assert.rejects(
      h.engine.completeAuthorization(`${h.redirectUri}?code=x&state=${state}&state=${state}`),
      isCode(ErrorCode.STATE_MISMATCH),
    );
  });

  it("S15: an expired state is refused", async () => {
    const short = await harness({ authorizationTtlMs: 1 });
    try {
      const d = await short.engine.discover(server);
      const { state } = await short.engine.beginAuthorization(server, d, {
        redirectUri: short.redirectUri,
      });
      await new Promise((r) => setTimeout(r, 10));
      await assert.rejects(
        short.engine.completeAuthorization(
          `${short.redirectUri}?code=x&state=${state}&iss=${as.issuer}`,
        ),
        isCode(ErrorCode.STATE_MISMATCH),
      );
    } finally {
      await short.close();
    }
  });

  it("S16: a wrong iss is a mix-up: refused, even for an error response", async () => {
    const d = await h.engine.discover(server);
    const a = await h.engine.beginAuthorization(server, d, { redirectUri: h.redirectUri });
    await assert.rejects(
      h.engine.completeAuthorization(
        `${h.redirectUri}?code=x&state=${a.state}&iss=${
          encodeURIComponent("https://evil.example")
        }`,
      ),
      isCode(ErrorCode.ISS_MISMATCH),
    );
    const b = await h.engine.beginAuthorization(server, d, { redirectUri: h.redirectUri });
    await assert.rejects(
      h.engine.completeAuthorization(
        `${h.redirectUri}?error=access_denied&state=${b.state}&iss=${
          encodeURIComponent("https://evil.example")
        }`,
      ),
      isCode(ErrorCode.ISS_MISMATCH),
    );
  });

  it("S16: a missing iss is refused when the AS advertises iss support", async () => {
    const d = await h.engine.discover(server);
    assert.equal(d.as.authorization_response_iss_parameter_supported, true);
    const a = await h.engine.beginAuthorization(server, d, { redirectUri: h.redirectUri });
    await assert.rejects(
      h.engine.completeAuthorization(`${h.redirectUri}?code=x&state=${a.state}`),
      isCode(ErrorCode.ISS_MISMATCH),
    );
  });

  it("an error response with the right iss is reported as a refusal", async () => {
    const { outcome } = await signInServer(h, server, { action: "deny" });
    assert.equal(outcome.ok, false);
    assert.match(outcome.message, /refused the sign-in: access_denied/);
  });

  it("S11: the registration is reused per issuer and redirect URI, and renewed when the redirect URI changes", async () => {
    const regs = as.counts.registration;
    await signInServer(h, { name: "second", url: mcp2.url });
    assert.equal(
      as.counts.registration,
      regs,
      "a second server behind the same AS reuses the client",
    );
    const other = await harness();
    try {
      await other.store.store((await h.store.get(clientKey(as.issuer)))!);
      await signInServer(other, server);
      assert.equal(as.counts.registration, regs + 1, "another redirect URI registers again");
    } finally {
      await other.close();
    }
  });

  it("S20: concurrent callers at expiry cause exactly one refresh, and the token rotates", async () => {
    const def = await h.engine.resolve("fixture");
    const first = await h.engine.getAccessToken(def);
    await new Promise((r) => setTimeout(r, 3100));
    const refreshes = as.counts.refresh;
    const tokens = await Promise.all(Array.from({ length: 8 }, () => h.engine.getAccessToken(def)));
    assert.equal(as.counts.refresh, refreshes + 1);
    assert.equal(new Set(tokens).size, 1);
    assert.notEqual(tokens[0], first);
    assert.equal((await as.introspect(tokens[0]!)).active, true);
  });

  it("S21: invalid_grant on refresh means re-authorization, the token is dropped, the registration kept", async () => {
    const def = await h.engine.resolve("fixture");
    const key = tokenKey(as.issuer, mcp.url);
    const old = (await h.store.get(key))!;
    await h.engine.refresh(def);
    // Another copy of the old record (say, a stale process) uses the rotated refresh token.
    await h.store.store(old);
    await assert.rejects(h.engine.refresh(def), isCode(ErrorCode.REAUTHORIZATION_NEEDED));
    assert.equal(await h.store.get(key), undefined);
    assert.ok(await h.store.get(clientKey(as.issuer)), "the client registration is kept");
    assert.equal((await h.engine.status(def)).state, "needs-authorization");
  });

  it("S23: revoke revokes at the AS, then deletes locally", async () => {
    await signInServer(h, server);
    const def = await h.engine.resolve("fixture");
    const token = await h.engine.getAccessToken(def);
    const revocations = as.counts.revocation;
    const r = await h.engine.revoke(def);
    assert.deepEqual(r.failures, []);
    assert.equal(r.hadToken, true);
    assert.equal(as.counts.revocation, revocations + 2);
    assert.equal((await as.introspect(token)).active, false);
    await assert.rejects(h.engine.getAccessToken(def), isCode(ErrorCode.REAUTHORIZATION_NEEDED));
  });

  it("S13: resource can be turned off per server", async () => {
    const d = await h.engine.discover(server);
    const { url } = await h.engine.beginAuthorization({ ...server, resource: false }, d, {
      redirectUri: h.redirectUri,
    });
    assert.equal(url.searchParams.has("resource"), false);
    const { url: withResource } = await h.engine.beginAuthorization(server, d, {
      redirectUri: h.redirectUri,
    });
    assert.equal(withResource.searchParams.get("resource"), mcp.url);
    assert.equal(withResource.searchParams.get("code_challenge_method"), "S256");
    assert.equal(withResource.searchParams.get("scope"), "mcp:read mcp:write offline_access");
  });
});

describe("engine without a working AS", () => {
  it("S9: a Client ID Metadata Document is used when the AS supports it; no DCR", async () => {
    const cimd = "https://client.example/mcp-oauth.json";
    const l = await startLayout({
      prm: "path",
      extraMetadata: { client_id_metadata_document_supported: true },
    });
    const h = await harness();
    try {
      const def = { name: "cimd", url: l.mcpUrl, clientMetadataUrl: cimd };
      const d = await h.engine.discover(def);
      const { url } = await h.engine.beginAuthorization(def, d, { redirectUri: h.redirectUri });
      assert.equal(url.searchParams.get("client_id"), cimd);
      assert.equal(l.log.filter((r) => r.path.endsWith("/register")).length, 0);
      assert.ok(d.trace.steps.some((s) => s.kind === "registration" && s.url === cimd));
    } finally {
      await h.close();
      await l.close();
    }
  });

  it("S9: without AS support for CIMD and without DCR, the error says to supply a client id", async () => {
    const l = await startLayout({
      prm: "path",
      extraMetadata: { registration_endpoint: undefined },
    });
    const h = await harness();
    try {
      const def = {
        name: "nodcr",
        url: l.mcpUrl,
        clientMetadataUrl: "https://client.example/c.json",
      };
      const d = await h.engine.discover(def);
      await assert.rejects(
        h.engine.beginAuthorization(def, d, { redirectUri: h.redirectUri }),
        (e: unknown) => {
          isCode(ErrorCode.NO_CLIENT)(e);
          assert.match(
            (e as Error).message,
            /does not support client ID metadata documents; register a client with the provider and use its client id/,
          );
          assert.deepEqual((e as McpOAuthError).remedy, {
            do: "client-id",
            why: "no-registration",
          });
          return true;
        },
      );
      const { url } = await h.engine.beginAuthorization(def, d, {
        redirectUri: h.redirectUri,
        clientId: "pre-registered",
      });
      assert.equal(
        url.searchParams.get("client_id"),
        "pre-registered",
        "S9: a pre-registered client comes first",
      );
    } finally {
      await h.close();
      await l.close();
    }
  });

  it("S11: invalid_client on refresh forgets the DCR registration as well as the token", async () => {
    const app = new Hono();
    app.post("/token", (c) => c.json({ error: "invalid_client" }, 401));
    const as = await listen(app.fetch);
    const h = await harness();
    try {
      const issuer = as.url;
      const def = { name: "forgotten", url: "http://127.0.0.1:1/mcp", issuer };
      await h.servers.put(def);
      await h.store.store({
        ServerURL: clientKey(issuer),
        Username: "mcp-oauth-client",
        Secret: JSON.stringify({
          v: 1,
          source: "dcr",
          issuer,
          client_id: "c",
          token_endpoint_auth_method: "none",
          redirect_uris: [],
          registered_at: 0,
        }),
      });
      await h.store.store({
        ServerURL: tokenKey(issuer, def.url),
        Username: "mcp-oauth-token",
        Secret: JSON.stringify({
          v: 1,
          resource: def.url,
          issuer,
          token_endpoint: `${issuer}/token`,
          client_id: "c",
          client_source: "dcr",
          auth_method: "none",
          send_resource: true,
          access_token: "a",
          token_type: "bearer",
          refresh_token: "r",
          expires_at: 1,
          obtained_at: 0,
        }),
      });
      await assert.rejects(h.engine.getAccessToken(def), isCode(ErrorCode.REAUTHORIZATION_NEEDED));
      assert.deepEqual(await h.store.list(), {});
    } finally {
      await h.close();
      await as.close();
    }
  });

  it("S12: an AS without S256 PKCE is refused before registering", async () => {
    const l = await startLayout({ prm: "path", noPkce: true });
    const h = await harness();
    try {
      const def = { name: "nopkce", url: l.mcpUrl };
      const d = await h.engine.discover(def);
      await assert.rejects(
        h.engine.beginAuthorization(def, d, { redirectUri: h.redirectUri }),
        isCode(ErrorCode.PKCE_UNSUPPORTED),
      );
      assert.equal(l.log.filter((r) => r.path === "/register").length, 0);
    } finally {
      await h.close();
      await l.close();
    }
  });

  it("S23: when the AS cannot be reached, revoke reports it and still deletes locally", async () => {
    const h = await harness();
    try {
      const issuer = "http://127.0.0.1:9";
      const def = { name: "gone", url: "http://127.0.0.1:9/mcp", issuer };
      await h.servers.put(def);
      const key = tokenKey(issuer, def.url);
      await h.store.store({
        ServerURL: key,
        Username: "mcp-oauth-token",
        Secret: JSON.stringify({
          v: 1,
          resource: def.url,
          issuer,
          token_endpoint: `${issuer}/token`,
          revocation_endpoint: `${issuer}/revoke`,
          client_id: "c",
          auth_method: "none",
          send_resource: true,
          access_token: "at-secret-value",
          token_type: "bearer",
          refresh_token: "rt-secret-value",
          obtained_at: Date.now(),
        }),
      });
      const r = await h.engine.revoke(def);
      assert.equal(r.failures.length, 2);
      assert.match(
        r.failures[0]!,
        /^Revoking the refresh token failed: Could not reach http:\/\/127\.0\.0\.1:9\/revoke/,
      );
      for (const f of r.failures) {
        assert.doesNotMatch(f, /secret-value/, "S26: no token in the message");
      }
      assert.equal(await h.store.get(key), undefined);
    } finally {
      await h.close();
    }
  });
});
