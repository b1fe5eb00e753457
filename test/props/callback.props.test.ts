/**
 * Properties of the authorization callback (issue 10, S15, S16, S20, S26): whatever comes back
 * to the redirect URI (the loopback callback, the dashboard's, or an address pasted after
 * `--browser none`) ends in stored tokens or an McpOAuthError. Tokens are stored only for the
 * one pending state, with the right `iss`, once; the code never appears in an error; and any
 * token lifetime the AS sends gives an expiry that is a real time.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { createEngine } from "../../src/core/engine.ts";
import { ErrorCode } from "../../src/core/errors.ts";
import type { PendingAuthorization } from "../../src/core/flows.ts";
import { AuthorizationFlows } from "../../src/core/flows.ts";
import type { FetchLike } from "../../src/core/http.ts";
import { MemoryStore } from "../../src/store/memory-store.ts";
import { MemoryRegistry } from "../../src/store/server-registry.ts";
import { anyString, hostileText, settleAsync } from "./props-helpers.ts";

const RUNS = 400;
const ISSUER = "https://as.example";
const REDIRECT = "http://127.0.0.1:43123/callback";
const STATE = "st4te-Vx3k9QpL0mZ";
const CODE = "c0de-SECRET-7fKq2LwR9zT";

const CALLBACK_CODES = [
  ErrorCode.STATE_MISMATCH,
  ErrorCode.ISS_MISMATCH,
  ErrorCode.AUTHORIZATION_DENIED,
  ErrorCode.TOKEN_REQUEST_FAILED,
  ErrorCode.CLIENT_REJECTED,
  ErrorCode.INVALID_URL,
  ErrorCode.NETWORK,
];

/** What the token endpoint answers. */
const tokenAnswer = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      status: fc.constant(200),
      body: fc.record({
        access_token: fc.stringMatching(/^[A-Za-z0-9._-]{1,30}$/),
        token_type: fc.constantFrom("bearer", "Bearer"),
        expires_in: fc.oneof(
          fc.integer({ min: 0, max: 10_000_000 }),
          fc.double({ min: 0, max: 1e308, noNaN: true }),
          fc.constantFrom(1e13, 1e300, Number.MAX_SAFE_INTEGER, "3600", "1e400", 0.5),
        ),
        refresh_token: fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined }),
        scope: fc.option(fc.constantFrom("mcp", "mcp offline_access"), { nil: undefined }),
      }, { requiredKeys: ["access_token", "token_type"] }),
    }),
  },
  fc.record({
    status: fc.constantFrom(400, 401),
    body: fc.record({ error: fc.constantFrom("invalid_grant", "invalid_client", "x") }),
  }),
  fc.record({ status: fc.constantFrom(200, 500, 302), body: fc.jsonValue() }),
);

/** `good` most of the time, else one of `bad`: most callbacks should get far. */
const mostly = <T>(good: T, ...bad: fc.Arbitrary<T>[]) =>
  fc.oneof({ weight: 3 * bad.length, arbitrary: fc.constant(good) }, ...bad);

/** A callback query: the expected parameters, often, mixed with any others. */
const query = fc.record({
  state: mostly<string[]>(
    [STATE],
    fc.constant([]),
    fc.constant([STATE, STATE]),
    fc.array(anyString, { maxLength: 2 }),
  ),
  iss: fc.oneof(
    { weight: 4, arbitrary: fc.constant([ISSUER]) },
    { weight: 2, arbitrary: fc.constant([]) },
    { weight: 1, arbitrary: fc.constant([`${ISSUER}/`]) },
    { weight: 1, arbitrary: fc.constant(["https://evil.example"]) },
    { weight: 1, arbitrary: fc.array(anyString, { maxLength: 2 }) },
  ),
  code: mostly<string[]>([CODE], fc.constant([]), fc.constant([CODE, CODE])),
  error: mostly(
    [] as string[],
    fc.constantFrom("access_denied", "server_error").map((e) => [e]),
    fc.array(anyString, { maxLength: 1 }),
  ),
  error_description: mostly([] as string[], fc.array(anyString, { maxLength: 1 })),
  other: mostly(
    [] as [string, string][],
    fc.array(fc.tuple(anyString, anyString), { maxLength: 3 }),
  ),
});

function pending(requireIss: boolean): PendingAuthorization {
  return {
    state: STATE,
    codeVerifier: "v".repeat(43),
    redirectUri: REDIRECT,
    issuer: ISSUER,
    as: {
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/authorize`,
      token_endpoint: `${ISSUER}/token`,
      code_challenge_methods_supported: ["S256"],
      ...(requireIss ? { authorization_response_iss_parameter_supported: true } : {}),
    },
    client: {
      v: 1,
      source: "dcr",
      issuer: ISSUER,
      client_id: "client-1",
      token_endpoint_auth_method: "none",
      redirect_uris: [REDIRECT],
      registered_at: 0,
    },
    resource: "https://mcp.example/mcp",
    resourceIndicator: "https://mcp.example/mcp",
    sendResource: true,
    scopes: ["mcp"],
    server: "demo",
    expiresAt: Date.now() + 600_000,
  };
}

describe("authorization callback: properties (issue 10, S15, S16, S20, S26)", () => {
  it(`any callback stores tokens only for the pending state and iss, once, or fails cleanly (${RUNS} runs)`, async () => {
    let stored = 0;
    await fc.assert(
      fc.asyncProperty(
        query,
        tokenAnswer,
        fc.boolean(),
        fc.constantFrom("url", "params", "string"),
        fc.boolean(),
        async (q, answer, requireIss, form, dockerCompat) => {
          const requests: string[] = [];
          const fetch: FetchLike = (input) => {
            requests.push(String(input instanceof Request ? input.url : input));
            return Promise.resolve(
              new Response(JSON.stringify(answer.body), {
                status: answer.status,
                headers: { "content-type": "application/json", "cache-control": "no-store" },
              }),
            );
          };
          const store = new MemoryStore();
          const engine = createEngine({
            store,
            servers: new MemoryRegistry(),
            fetch,
            dockerCompat,
          });
          engine.flows.add(pending(requireIss));
          const params = new URLSearchParams();
          for (const [k, vs] of Object.entries(q)) {
            if (k === "other") continue;
            for (const v of vs as string[]) params.append(k, v);
          }
          for (const [k, v] of q.other) params.append(k, v);
          const url = `${REDIRECT}?${params}`;
          const callback = form === "url" ? new URL(url) : form === "params" ? params : url;

          const r = await settleAsync(() => engine.completeAuthorization(callback), CALLBACK_CODES);
          if (!r.ok) {
            assert.ok(!r.error.message.includes(CODE), `S26: no code in ${r.error.message}`);
          }
          const oneState = params.getAll("state").length === 1 && params.get("state") === STATE;
          if (!oneState) {
            assert.ok(!r.ok, "S15: no tokens without exactly the pending state");
            assert.equal(r.ok || r.error.code, ErrorCode.STATE_MISMATCH);
            assert.deepEqual(requests, [], "nothing sent for an unknown state");
          }
          const iss = params.getAll("iss");
          if (iss.length && (iss.length > 1 || iss[0] !== ISSUER)) {
            assert.ok(!r.ok, "S16: a wrong iss is never accepted");
            assert.deepEqual(requests, [], "S16: nothing sent after a wrong iss");
          }
          if (requireIss && !iss.length) assert.ok(!r.ok, "S16: iss required when advertised");
          if (r.ok) {
            stored++;
            assert.equal(params.get("code"), CODE);
            assert.equal(r.value.issuer, ISSUER);
            assert.deepEqual(requests, [`${ISSUER}/token`], "one code exchange");
            if (r.value.expiresAt !== undefined) {
              assert.ok(Number.isFinite(r.value.expiresAt), `S20: a real expiry`);
              assert.doesNotThrow(() => new Date(r.value.expiresAt!).toISOString());
            }
            const keys = Object.keys(await store.list());
            assert.ok(keys.some((k) => k.includes("/.mcp-oauth/token/")), "the token is stored");
          }
          // S15: single use, whatever happened the first time.
          const again = await settleAsync(() => engine.completeAuthorization(url), CALLBACK_CODES);
          assert.ok(!again.ok && again.error.code === ErrorCode.STATE_MISMATCH, "S15: single use");
          return true;
        },
      ),
      { numRuns: RUNS },
    );
    assert.ok(stored >= RUNS / 40, `enough callbacks stored tokens (${stored})`);
  });

  it(`a callback that is not a URL is an McpOAuthError, never a TypeError (${RUNS} runs)`, async () => {
    const engine = createEngine({ store: new MemoryStore(), servers: new MemoryRegistry() });
    const text = fc.oneof(
      anyString,
      hostileText(["http://", "127.0.0.1", ":", "99999", "/callback", "?", "state=", "&", "%"]),
    );
    await fc.assert(
      fc.asyncProperty(text, async (t) => {
        const r = await settleAsync(() => engine.completeAuthorization(t), CALLBACK_CODES);
        assert.ok(!r.ok, "no pending request: never signed in");
        return true;
      }),
      { numRuns: RUNS },
    );
  });

  it(`S15: pending requests are single use and expire, whatever the order (${RUNS * 5} runs)`, () => {
    const op = fc.oneof(
      fc.record({
        op: fc.constant("add" as const),
        state: fc.nat(4),
        ttl: fc.integer({ min: -5, max: 20 }),
      }),
      fc.record({ op: fc.constant("take" as const), state: fc.nat(4) }),
      fc.record({ op: fc.constant("peek" as const), state: fc.nat(4) }),
      fc.record({ op: fc.constant("tick" as const), by: fc.nat(10) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const flows = new AuthorizationFlows();
        const model = new Map<string, number>();
        let now = 1000;
        for (const o of ops) {
          if (o.op === "tick") now += o.by;
          else if (o.op === "add") {
            const p = { ...pending(false), state: `s${o.state}`, expiresAt: now + o.ttl };
            flows.add(p);
            model.set(p.state, p.expiresAt);
          } else if (o.op === "take") {
            const got = flows.take(`s${o.state}`, now);
            const exp = model.get(`s${o.state}`);
            assert.equal(got !== undefined, exp !== undefined && exp > now, "live only");
            model.delete(`s${o.state}`);
            for (const [s, e] of model) if (e <= now) model.delete(s);
          } else {
            const server = flows.serverOf(`s${o.state}`, now);
            const exp = model.get(`s${o.state}`);
            assert.equal(server !== undefined, exp !== undefined && exp > now, "peek: live only");
          }
        }
        return true;
      }),
      { numRuns: RUNS * 5 },
    );
  });
});
