/**
 * The enterprise IdP's core steps against a scripted network (issue 19, item 3): OpenID
 * discovery first with RFC 8414 as the fallback and the request policy on every endpoint the
 * metadata names, the checks of an imported id_token, the IdP session's refresh, and the
 * token exchange's answers (an ID-JAG, or one line).
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrorCode, McpOAuthError } from "../../src/core/errors.ts";
import { exchangeForIdJag } from "../../src/core/grants/id-jag.ts";
import { createHttpContext } from "../../src/core/http-context.ts";
import { defineIdp } from "../../src/core/idp/idp-discovery.ts";
import { type IdpRecord, readIdp, writeIdp } from "../../src/core/idp/idp-record.ts";
import { checkIdToken, freshIdToken } from "../../src/core/idp/idp-session.ts";
import { ProcessLock } from "../../src/core/lock.ts";
import { MemoryStore } from "../../src/store/memory-store.ts";
import { recordSecret } from "../helpers/secret-ledger.ts";

const ISSUER = "https://login.corp.example";

/** A fetch answering `routes` (URL → JSON body or status), recording each request. */
function network(routes: Record<string, unknown | ((req: Request) => Response)>) {
  const requests: Request[] = [];
  const fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    requests.push(req.clone());
    const route = routes[req.url];
    if (route === undefined) return Promise.resolve(new Response("not found", { status: 404 }));
    if (typeof route === "function") return Promise.resolve(route(req));
    return Promise.resolve(Response.json(route));
  };
  return { http: createHttpContext(fetch), requests };
}

/** An unsigned JWT with these claims (nothing here verifies signatures). */
function jwt(claims: Record<string, unknown>): string {
  const part = (v: unknown) =>
    btoa(JSON.stringify(v)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const token = `${part({ alg: "ES256", typ: "JWT" })}.${part(claims)}.c2ln`;
  recordSecret("idp id_token (core test)", token);
  return token;
}

const nowS = () => Math.floor(Date.now() / 1000);

function record(extra: Partial<IdpRecord> = {}): IdpRecord {
  return {
    v: 1,
    name: "corp",
    issuer: ISSUER,
    token_endpoint: `${ISSUER}/token`,
    client_id: "laptop",
    auth_method: "none",
    added_at: 0,
    ...extra,
  };
}

async function rejects(p: Promise<unknown>, code: string, pattern: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof McpOAuthError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes("\n"));
    return true;
  });
}

describe("enterprise IdP: discovery", () => {
  it("reads OpenID's configuration first and keeps what a sign-in needs", async () => {
    const { http, requests } = network({
      [`${ISSUER}/.well-known/openid-configuration`]: {
        issuer: ISSUER,
        authorization_endpoint: `${ISSUER}/authorize`,
        token_endpoint: `${ISSUER}/token`,
        scopes_supported: ["openid", "offline_access"],
        token_endpoint_auth_methods_supported: ["client_secret_post"],
      },
    });
    const r = await defineIdp(http, {
      name: "corp",
      issuer: ISSUER,
      clientId: "laptop",
      clientSecret: "s3cret-idp",
    }, 1);
    assert.equal(requests.length, 1);
    assert.equal(r.token_endpoint, `${ISSUER}/token`);
    assert.deepEqual(r.scopes_supported, ["openid", "offline_access"]);
    // The IdP lists only client_secret_post: that is what its secret is sent with.
    assert.equal(r.auth_method, "client_secret_post");
  });

  it("falls back to RFC 8414 metadata", async () => {
    const { http } = network({
      [`${ISSUER}/.well-known/oauth-authorization-server`]: {
        issuer: ISSUER,
        token_endpoint: `${ISSUER}/oauth/token`,
      },
    });
    const r = await defineIdp(http, { name: "corp", issuer: ISSUER, clientId: "laptop" }, 1);
    assert.equal(r.token_endpoint, `${ISSUER}/oauth/token`);
    assert.equal(r.auth_method, "none");
  });

  it("refuses a token endpoint on a private address, and plain http off loopback", async () => {
    const { http } = network({
      [`${ISSUER}/.well-known/openid-configuration`]: {
        issuer: ISSUER,
        token_endpoint: "https://10.0.0.7/token",
      },
    });
    await rejects(
      defineIdp(http, { name: "corp", issuer: ISSUER, clientId: "laptop" }, 1),
      ErrorCode.UNTRUSTED_HOST,
      /10\.0\.0\.7/,
    );
    await rejects(
      defineIdp(network({}).http, {
        name: "corp",
        issuer: "http://login.corp.example",
        clientId: "laptop",
      }, 1),
      ErrorCode.INSECURE_URL,
      /http/,
    );
  });

  it("refuses metadata naming another issuer", async () => {
    const { http } = network({
      [`${ISSUER}/.well-known/openid-configuration`]: {
        issuer: "https://evil.example",
        token_endpoint: `${ISSUER}/token`,
      },
    });
    await rejects(
      defineIdp(http, { name: "corp", issuer: ISSUER, clientId: "laptop" }, 1),
      ErrorCode.ISSUER_MISMATCH,
      /evil\.example/,
    );
  });
});

describe("enterprise IdP: the session", () => {
  it("an imported id_token must be a JWT of the issuer, not expired", () => {
    const now = Date.now();
    assert.throws(() => checkIdToken("not-a-jwt", record(), now), /is not a JWT/);
    assert.throws(
      () => checkIdToken(jwt({ iss: "https://other.example", exp: nowS() + 60 }), record(), now),
      /issued by "https:\/\/other\.example", not https:\/\/login\.corp\.example/,
    );
    assert.throws(
      () => checkIdToken(jwt({ iss: ISSUER, exp: nowS() - 60 }), record(), now),
      /expired at/,
    );
    assert.equal(
      checkIdToken(jwt({ iss: ISSUER, exp: 2_000_000_000 }), record(), now),
      2_000_000_000_000,
    );
  });

  it("a live id_token is used as it is; an expired one is refreshed and saved", async () => {
    const live = jwt({ iss: ISSUER, exp: nowS() + 3600 });
    const store = new MemoryStore();
    const { http, requests } = network({});
    assert.equal(
      await freshIdToken(
        http,
        store,
        record({
          id_token: live,
          id_token_expires_at: (nowS() + 3600) * 1000,
        }),
        Date.now,
      ),
      live,
    );
    assert.equal(requests.length, 0);

    const fresh = jwt({ iss: ISSUER, aud: "laptop", sub: "pat", iat: nowS(), exp: nowS() + 600 });
    const refreshing = network({
      [`${ISSUER}/token`]: (req: Request) => {
        assert.equal(req.method, "POST");
        return Response.json({
          access_token: "idp-at",
          token_type: "Bearer",
          id_token: fresh,
          refresh_token: "rt-2",
        });
      },
    });
    const stale = record({
      id_token: jwt({ iss: ISSUER, exp: nowS() - 10 }),
      id_token_expires_at: (nowS() - 10) * 1000,
      refresh_token: "rt-1",
      // oauth4webapi checks the refreshed id_token's alg against the IdP's list (RS256 without).
      id_token_signing_alg_values_supported: ["ES256"],
    });
    recordSecret("idp refresh token", "rt-1");
    recordSecret("idp refresh token", "rt-2");
    await writeIdp(store, stale);
    assert.equal(await freshIdToken(refreshing.http, store, stale, Date.now), fresh);
    const saved = await readIdp(store, "corp");
    assert.equal(saved?.id_token, fresh);
    assert.equal(saved?.refresh_token, "rt-2");
  });

  it("no refresh token, or invalid_grant at the IdP: sign in to the IdP again, nothing deleted", async () => {
    const store = new MemoryStore();
    const expired = record({
      id_token: jwt({ iss: ISSUER, exp: nowS() - 10 }),
      id_token_expires_at: (nowS() - 10) * 1000,
    });
    await rejects(
      freshIdToken(network({}).http, store, expired, Date.now),
      ErrorCode.REAUTHORIZATION_NEEDED,
      /^The session with the identity provider corp has ended \(its id_token expired and there is no refresh token\); sign in to the identity provider again\.$/,
    );
    const refused = { ...expired, refresh_token: "rt-dead" };
    recordSecret("idp refresh token", "rt-dead");
    await writeIdp(store, refused);
    const { http } = network({
      [`${ISSUER}/token`]: () => Response.json({ error: "invalid_grant" }, { status: 400 }),
    });
    await assert.rejects(freshIdToken(http, store, refused, Date.now), (err: McpOAuthError) => {
      assert.deepEqual(err.remedy, { do: "idp-sign-in", idp: "corp" });
      return true;
    });
    assert.deepEqual(await readIdp(store, "corp"), refused);
  });
});

describe("enterprise IdP: two processes refreshing at once", () => {
  it("a refresh token another process rotated first is no ended session: its new one is used", async () => {
    const store = new MemoryStore();
    const stale = record({
      id_token: jwt({ iss: ISSUER, exp: nowS() - 10 }),
      id_token_expires_at: (nowS() - 10) * 1000,
      refresh_token: "rt-old",
    });
    const newer = jwt({ iss: ISSUER, exp: nowS() + 600 });
    recordSecret("idp refresh token", "rt-old");
    recordSecret("idp refresh token", "rt-new");
    // What the other process stored after its refresh.
    await writeIdp(store, {
      ...stale,
      id_token: newer,
      id_token_expires_at: (nowS() + 600) * 1000,
      refresh_token: "rt-new",
    });
    const { http } = network({
      [`${ISSUER}/token`]: () => Response.json({ error: "invalid_grant" }, { status: 400 }),
    });
    assert.equal(await freshIdToken(http, store, stale, Date.now), newer);
  });

  it("under the lock, two callers with the same expired session refresh once and share it", async () => {
    const store = new MemoryStore();
    const stale = record({
      id_token: jwt({ iss: ISSUER, exp: nowS() - 10 }),
      id_token_expires_at: (nowS() - 10) * 1000,
      refresh_token: "rt-a",
      id_token_signing_alg_values_supported: ["ES256"],
    });
    recordSecret("idp refresh token", "rt-a");
    recordSecret("idp refresh token", "rt-b");
    await writeIdp(store, stale);
    const fresh = jwt({ iss: ISSUER, aud: "laptop", sub: "pat", iat: nowS(), exp: nowS() + 600 });
    const { http, requests } = network({
      // A rotating IdP: rt-a works once.
      [`${ISSUER}/token`]: () =>
        requests.length === 1
          ? Response.json({
            access_token: "x",
            token_type: "Bearer",
            id_token: fresh,
            refresh_token: "rt-b",
          })
          : Response.json({ error: "invalid_grant" }, { status: 400 }),
    });
    const lock = new ProcessLock();
    const both = await Promise.all([
      freshIdToken(http, store, stale, Date.now, lock),
      freshIdToken(http, store, stale, Date.now, lock),
    ]);
    assert.deepEqual(both, [fresh, fresh]);
    assert.equal(requests.length, 1, "one refresh at the IdP");
    assert.equal((await readIdp(store, "corp"))?.refresh_token, "rt-b");
  });
});

describe("enterprise IdP: the token exchange", () => {
  const target = {
    audience: "https://as.example",
    resource: "https://mcp.example/mcp",
    server: "wiki",
  };
  const idToken = jwt({ iss: ISSUER, exp: nowS() + 600 });

  it("sends RFC 8693's parameters and returns the ID-JAG", async () => {
    let form: URLSearchParams | undefined;
    const jag = jwt({ iss: ISSUER, aud: "https://as.example" });
    const { http } = network({
      [`${ISSUER}/token`]: (req: Request) => {
        void req.text().then((t) => form = new URLSearchParams(t));
        return Response.json({
          access_token: jag,
          issued_token_type: "urn:ietf:params:oauth:token-type:id-jag",
          token_type: "N_A",
        });
      },
    });
    assert.equal(await exchangeForIdJag(http, record(), idToken, target), jag);
    await new Promise((r) => setTimeout(r, 0));
    assert.equal(form?.get("grant_type"), "urn:ietf:params:oauth:grant-type:token-exchange");
    assert.equal(form?.get("requested_token_type"), "urn:ietf:params:oauth:token-type:id-jag");
    assert.equal(form?.get("subject_token_type"), "urn:ietf:params:oauth:token-type:id_token");
    assert.equal(form?.get("subject_token"), idToken);
    assert.equal(form?.get("audience"), "https://as.example");
    assert.equal(form?.get("resource"), "https://mcp.example/mcp");
    assert.equal(form?.get("client_id"), "laptop");
  });

  it("shape only is forgiven: no token_type, expires_in as a string (RFC 8693 §2.2.1)", async () => {
    const jag = jwt({ iss: ISSUER, aud: "https://as.example" });
    const { http } = network({
      [`${ISSUER}/token`]: () =>
        Response.json({
          access_token: jag,
          issued_token_type: "urn:ietf:params:oauth:token-type:id-jag",
          expires_in: "300",
        }),
    });
    assert.equal(await exchangeForIdJag(http, record(), idToken, target), jag);
  });

  it("a token of another type, or a refused client, is one line naming the IdP", async () => {
    const other = network({
      [`${ISSUER}/token`]: () =>
        Response.json({
          access_token: "at",
          issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
          token_type: "Bearer",
        }),
    });
    await rejects(
      exchangeForIdJag(other.http, record(), idToken, target),
      ErrorCode.TOKEN_REQUEST_FAILED,
      /corp answered the token exchange for wiki with a token of type .*access_token/,
    );
    const refused = network({
      [`${ISSUER}/token`]: () => Response.json({ error: "invalid_client" }, { status: 401 }),
    });
    await rejects(
      exchangeForIdJag(refused.http, record(), idToken, target),
      ErrorCode.TOKEN_REQUEST_FAILED,
      /token exchange at the identity provider corp for wiki .* failed \(401 invalid_client\); the IdP does not accept the client laptop/,
    );
  });
});
