/**
 * Properties of what the engine reads from authorization servers (issue 10): any answer of the
 * registration, token (refresh) and device endpoints becomes a usable record or an
 * McpOAuthError, never a crash; the bounded fetch under them reads any body within the cap or
 * refuses it as too large; and any failure wraps into one line (S10, S18, S20, S21, S25).
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import * as oauth from "oauth4webapi";
import { startDeviceAuthorization } from "../../src/core/device.ts";
import { ErrorCode, McpOAuthError } from "../../src/core/errors.ts";
import { createHttpContext } from "../../src/core/http-context.ts";
import { boundedFetch, type FetchLike } from "../../src/core/http.ts";
import { wrapOAuthError } from "../../src/core/oauth-errors.ts";
import type { ClientRecord, TokenRecord } from "../../src/core/records.ts";
import { ensureClient } from "../../src/core/registration.ts";
import { refreshTokenSet } from "../../src/core/tokens.ts";
import { isLoopbackHost } from "../../src/core/urls.ts";
import { MemoryStore } from "../../src/store/memory-store.ts";
import { anyString, settleAsync } from "./props-helpers.ts";

const RUNS = 500;
const AS = "https://as.example";
const MAX_DATE = 8.64e15;

const junk = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(null, "", 5, -1, 0, 1e300, true, [], {}, { toString: 1 }, "x\u001b[2J"),
);

/** One answer of an endpoint: a usable body with junk mixed in, junk, or not JSON at all. */
function answer(usable: fc.Arbitrary<Record<string, unknown>>, keys: string[], ok = 200) {
  const body = fc.oneof(
    { weight: 4, arbitrary: usable },
    {
      weight: 3,
      arbitrary: fc.tuple(usable, fc.dictionary(fc.constantFrom(...keys), junk)).map(([u, j]) => ({
        ...u,
        ...j,
      })),
    },
    { weight: 1, arbitrary: junk },
  );
  return fc.record({
    status: fc.oneof(
      { weight: 6, arbitrary: fc.constant(ok) },
      { weight: 1, arbitrary: fc.constantFrom(200, 201, 204, 302, 400, 401, 500, 503) },
    ),
    body: fc.oneof(
      { weight: 8, arbitrary: body.map((b) => JSON.stringify(b)) },
      { weight: 1, arbitrary: anyString },
    ),
    type: fc.oneof(
      { weight: 6, arbitrary: fc.constant("application/json") },
      { weight: 1, arbitrary: fc.constantFrom("application/json; charset=utf-8", "text/html", "") },
    ),
  });
}

function serve(a: { status: number; body: string; type: string }): FetchLike {
  return () =>
    Promise.resolve(
      new Response([204, 304].includes(a.status) ? null : a.body, {
        status: a.status,
        headers: a.type ? { "content-type": a.type } : {},
      }),
    );
}

const TOKEN_KEYS = [
  "access_token",
  "token_type",
  "expires_in",
  "refresh_token",
  "scope",
  "id_token",
];

function record(): TokenRecord {
  return {
    v: 1,
    resource: "https://mcp.example/mcp",
    issuer: AS,
    token_endpoint: `${AS}/token`,
    client_id: "client-1",
    auth_method: "none",
    send_resource: true,
    access_token: "old-access",
    token_type: "bearer",
    refresh_token: "old-refresh",
    scope: "mcp",
    expires_at: 1,
    obtained_at: 0,
  };
}

describe("authorization server answers: properties (issue 10, S10, S18, S20, S21, S25)", () => {
  it(`S20/S21: any refresh answer is a usable token record or an McpOAuthError (${RUNS} runs)`, async () => {
    const usable = fc.record({
      access_token: fc.stringMatching(/^[A-Za-z0-9._-]{1,20}$/),
      token_type: fc.constantFrom("bearer", "Bearer"),
      expires_in: fc.oneof(fc.nat(100_000), fc.double({ min: 0, max: 1e300, noNaN: true })),
      refresh_token: fc.option(fc.stringMatching(/^[A-Za-z0-9]{1,20}$/), { nil: undefined }),
      scope: fc.option(fc.constantFrom("mcp", "mcp offline_access"), { nil: undefined }),
    }, { requiredKeys: ["access_token", "token_type"] });
    let refreshed = 0;
    await fc.assert(
      fc.asyncProperty(answer(usable, TOKEN_KEYS), async (a) => {
        const http = createHttpContext(serve(a));
        const r = await settleAsync(() => refreshTokenSet(http, record(), undefined, () => 1000));
        if (!r.ok) return true;
        refreshed++;
        const t = r.value;
        assert.equal(typeof t.access_token, "string");
        assert.ok(t.access_token.length > 0);
        assert.match(t.token_type, /^bearer$/i, "only Bearer tokens are kept");
        assert.equal(typeof t.refresh_token, "string", "S20: the old refresh token is kept");
        if (t.expires_at !== undefined) {
          assert.ok(Number.isFinite(t.expires_at) && t.expires_at <= MAX_DATE, "a real time");
        }
        if (t.scope !== undefined) assert.match(t.scope, /^[\x21-\x7e]+( [\x21-\x7e]+)*$/);
        assert.equal(t.obtained_at, 1000);
        return true;
      }),
      { numRuns: RUNS },
    );
    assert.ok(refreshed >= RUNS / 10, `enough refreshes succeeded (${refreshed})`);
  });

  it(`S18: any device authorization answer is a usable code or an McpOAuthError (${RUNS} runs)`, async () => {
    const uri = fc.oneof(
      { weight: 4, arbitrary: fc.constant(`${AS}/device`) },
      {
        weight: 1,
        arbitrary: fc.constantFrom("javascript:alert(1)", "http://evil.example/x", "data:,x", ""),
      },
    );
    const usable = fc.record({
      device_code: fc.stringMatching(/^[A-Za-z0-9]{1,20}$/),
      user_code: fc.stringMatching(/^[A-Z]{4}-[A-Z]{4}$/),
      verification_uri: uri,
      verification_uri_complete: fc.option(uri, { nil: undefined }),
      expires_in: fc.oneof(fc.nat(3600), fc.double({ min: 0, max: 1e300, noNaN: true })),
      interval: fc.option(fc.nat(10), { nil: undefined }),
    }, { requiredKeys: ["device_code", "user_code", "verification_uri", "expires_in"] });
    const keys = ["device_code", "user_code", "verification_uri", "expires_in", "interval"];
    let started = 0;
    await fc.assert(
      fc.asyncProperty(answer(usable, keys), async (a) => {
        const http = createHttpContext(serve(a));
        const client: ClientRecord = {
          v: 1,
          source: "dcr",
          issuer: AS,
          client_id: "client-1",
          token_endpoint_auth_method: "none",
          redirect_uris: ["http://127.0.0.1:1/callback"],
          registered_at: 0,
        };
        const r = await settleAsync(() =>
          startDeviceAuthorization(http, {
            as: {
              issuer: AS,
              token_endpoint: `${AS}/token`,
              device_authorization_endpoint: `${AS}/device_authorization`,
            },
            client,
            resource: "https://mcp.example/mcp",
            resourceIndicator: "https://mcp.example/mcp",
            sendResource: true,
            scopes: ["mcp"],
            now: () => 1000,
          })
        );
        if (!r.ok) return true;
        started++;
        for (const u of [r.value.verificationUri, r.value.verificationUriComplete]) {
          if (u === undefined) continue;
          const p = new URL(u);
          assert.ok(
            p.protocol === "https:" || (p.protocol === "http:" && isLoopbackHost(p.hostname)),
            `S18: the person is only sent to http(s): ${u}`,
          );
        }
        assert.equal(typeof r.value.userCode, "string");
        assert.ok(Number.isFinite(r.value.expiresAt), "the code's expiry is a real time");
        return true;
      }),
      { numRuns: RUNS },
    );
    assert.ok(started >= RUNS / 10, `enough device sign-ins started (${started})`);
  });

  it(`S10: any registration answer is a usable client or an McpOAuthError (${RUNS} runs)`, async () => {
    const usable = fc.record({
      client_id: fc.stringMatching(/^[A-Za-z0-9-]{1,20}$/),
      client_secret: fc.option(fc.stringMatching(/^[A-Za-z0-9]{8,20}$/), { nil: undefined }),
      token_endpoint_auth_method: fc.option(
        fc.constantFrom("none", "client_secret_basic", "client_secret_post", "private_key_jwt"),
        { nil: undefined },
      ),
      redirect_uris: fc.constant(["http://127.0.0.1:43123/callback"]),
      client_secret_expires_at: fc.option(fc.nat(), { nil: undefined }),
    }, { requiredKeys: ["client_id"] });
    const keys = ["client_id", "client_secret", "token_endpoint_auth_method", "redirect_uris"];
    let registered = 0;
    await fc.assert(
      fc.asyncProperty(
        answer(usable, keys, 201),
        fc.oneof(
          {
            weight: 5,
            arbitrary: fc.subarray(["none", "client_secret_basic", "client_secret_post"]),
          },
          { weight: 1, arbitrary: junk },
        ),
        async (a, methods) => {
          const http = createHttpContext(serve(a));
          const store = new MemoryStore();
          const r = await settleAsync(() =>
            ensureClient(http, store, {
              as: {
                issuer: AS,
                token_endpoint: `${AS}/token`,
                registration_endpoint: `${AS}/register`,
                ...(!Array.isArray(methods) || methods.length
                  ? { token_endpoint_auth_methods_supported: methods as string[] }
                  : {}),
              },
              redirectUri: "http://127.0.0.1:43123/callback",
              clientName: "mcp-oauth",
              now: 1000,
            })
          );
          if (!r.ok) {
            assert.deepEqual(await store.list(), {}, "a refused registration is not stored");
            return true;
          }
          registered++;
          const c = r.value;
          assert.equal(typeof c.client_id, "string");
          assert.ok(c.client_id.length > 0);
          assert.ok(["none", "client_secret_basic", "client_secret_post"].includes(
            c.token_endpoint_auth_method,
          ));
          if (c.token_endpoint_auth_method !== "none") {
            assert.equal(typeof c.client_secret, "string", "S10: a secret method has its secret");
          }
          return true;
        },
      ),
      { numRuns: RUNS },
    );
    assert.ok(registered >= RUNS / 10, `enough registrations succeeded (${registered})`);
  });

  it(`S25: any body is read whole within the cap, or refused as too large (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(300),
        fc.nat(300),
        fc.option(fc.oneof(fc.nat(1000).map(String), anyString), { nil: undefined }),
        fc.integer({ min: 1, max: 8 }),
        async (size, cap, declared, chunks) => {
          const bytes = new Uint8Array(size).map((_, i) => i % 251);
          const fetch: FetchLike = () => {
            const per = Math.ceil(size / chunks) || 1;
            const stream = new ReadableStream<Uint8Array>({
              start(c) {
                for (let i = 0; i < size; i += per) c.enqueue(bytes.slice(i, i + per));
                c.close();
              },
            });
            const headers = new Headers();
            if (declared !== undefined) {
              try {
                headers.set("content-length", declared);
              } catch { /* not a valid header value */ }
            }
            return Promise.resolve(new Response(stream, { status: 200, headers }));
          };
          const bounded = boundedFetch(fetch, { timeoutMs: 5_000, maxBytes: cap });
          const r = await settleAsync(() => bounded("https://as.example/x"));
          const declaredTooBig = declared !== undefined && /^\d+$/.test(declared) &&
            Number(declared) > cap;
          if (size > cap || declaredTooBig) {
            assert.ok(!r.ok && r.error.code === ErrorCode.TOO_LARGE, `${size} bytes, cap ${cap}`);
          } else {
            assert.ok(r.ok, `${size} bytes within the cap ${cap}`);
            assert.deepEqual(new Uint8Array(await r.value.arrayBuffer()), bytes);
          }
          return true;
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`any failure wraps into a one-line McpOAuthError of the step (${RUNS * 4} runs)`, () => {
    // What code throws in practice: errors of every kind, strings, and other plain values
    // (not objects whose own toString is not a function: nothing here throws those).
    const failure = fc.oneof(
      anyString,
      fc.jsonValue({ maxDepth: 2 }),
      anyString.map((m) => new Error(m)),
      anyString.map((m) => new TypeError(m)),
      fc.tuple(fc.constantFrom(...Object.values(ErrorCode)), anyString).map(([c, m]) =>
        new McpOAuthError(c, m)
      ),
      fc.tuple(anyString, anyString).map(([e, d]) =>
        new oauth.ResponseBodyError("x", {
          cause: { error: e, error_description: d },
          response: new Response(null, { status: 400 }),
        })
      ),
    );
    fc.assert(
      fc.property(failure, anyString, (err, url) => {
        const wrapped = wrapOAuthError(
          err,
          ErrorCode.TOKEN_REQUEST_FAILED,
          "The step",
          url,
          "retry.",
        );
        assert.ok(wrapped instanceof McpOAuthError);
        assert.doesNotMatch(wrapped.message, /[\r\n]/, "one line");
        assert.ok(wrapped.message.length <= 600, "capped");
        if (err instanceof McpOAuthError) assert.equal(wrapped.code, err.code);
        else assert.equal(wrapped.code, ErrorCode.TOKEN_REQUEST_FAILED);
        return true;
      }),
      { numRuns: RUNS * 4 },
    );
  });
});
