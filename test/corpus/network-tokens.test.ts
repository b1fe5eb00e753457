/**
 * Bad-input corpus, network side (issue 10), part 2: what the authorization server answers
 * after discovery. Dynamic client registration (RFC 7591), the code exchange, the refresh grant
 * (through `refresh` and through `token` on an expired token) and revocation (RFC 7009), each
 * answered by test/fixtures/hostile-server.ts. Every failing case checks the exit code, the
 * exact error line, and that every file under the home is byte-for-byte unchanged (revocation:
 * that only the revoked token is gone).
 *
 * @module
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  type Answer,
  type HostileServer,
  ROUTE_PATHS,
  startHostileServer,
} from "../fixtures/hostile-server.ts";
import { readHomeFile, removeHome, runMain } from "../cli/helpers.ts";
import {
  assertNoControlCharacters,
  big,
  endless,
  html,
  json,
  type NetCase,
  never,
  runAuthorize,
  runCase,
  signedInHome,
  SLOW_BODY,
  snapshotTree,
  theError,
  TIMEOUT_ENV,
  tokenRecordAt,
} from "./network-harness.ts";

/** The advice after a failure: one for every answer, or one chosen by the reason shown. */
type Hint = string | ((reason: string) => string);
const hintFor = (hint: Hint, reason: string) => typeof hint === "string" ? hint : hint(reason);

/** Transport-level misbehaviour every endpoint is tried with; `{what}` names the step. */
function transportCases(
  route: "register" | "token",
  command: NetCase["command"],
  what: string,
  url: string,
  hintOf: Hint,
  seed?: NetCase["seed"],
): NetCase[] {
  const hint = hintFor(hintOf, "network");
  const tooLarge =
    `${what} failed: The response from ${url} is larger than 1048576 bytes and was not read; ${hint}`;
  return ([
    ["S25: a 302 to elsewhere (not followed)", () => ({ redirect: "/elsewhere" }), 302],
    [
      "S25: a 307 to elsewhere (not followed)",
      () => ({ status: 307, redirect: "/elsewhere" }),
      307,
    ],
    ["an HTML 502 page", () => html(502), 502],
    ["a 500 with NUL bytes", () => ({ status: 500, body: "\0\0\u0001 upstream" }), 500],
  ] as [string, () => Answer, number][]).map(([name, answer, status]): NetCase => ({
    name,
    command,
    seed,
    replies: () => ({ [route]: answer() }),
    code: 1,
    error: `${what} at ${url} failed (${status} the response is not a conform ${
      route === "register" ? "Dynamic Client Registration Endpoint" : "Token Endpoint"
    } response (unexpected HTTP status code)); ${hintFor(hintOf, String(status))}`,
    check: (s) => assert.equal(s.hits("/elsewhere").length, 0, "no redirect was followed"),
  })).concat([
    {
      name: "S25: a 20 MB body",
      command,
      seed,
      replies: () => ({ [route]: big() }),
      code: 1,
      error: tooLarge,
    },
    {
      name: "S25: a body that never ends",
      command,
      seed,
      replies: () => ({ [route]: endless() }),
      code: 1,
      error: tooLarge,
    },
    {
      name: "S25: a body that arrives a byte at a time",
      command,
      seed,
      env: TIMEOUT_ENV,
      replies: () => ({ [route]: SLOW_BODY }),
      code: 1,
      error: `${what} failed: The answer from ${url} (200) did not finish within 0.5 s; ${hint}`,
    },
    {
      name: "S25: no answer at all",
      command,
      seed,
      env: TIMEOUT_ENV,
      replies: () => ({ [route]: never() }),
      code: 1,
      error: `${what} failed: No answer from ${url} within 0.5 s; ${hint}`,
    },
  ]);
}

/** Token endpoint bodies that are not a usable token response, with the reason shown. */
function tokenBodyCases(
  command: NetCase["command"],
  what: string,
  hint: Hint,
): NetCase[] {
  const field = (name: string, problem = "must be a string") =>
    `the response body "${name}" property ${problem}`;
  const cases: [string, (s: HostileServer) => Answer, string][] = [
    [
      'token_type "mac"',
      (s) => json({ ...s.good.token(), token_type: "mac" }),
      'the token_type "mac" is not supported, only Bearer',
    ],
    [
      'token_type "DPoP" (no DPoP proof was sent)',
      (s) => json({ ...s.good.token(), token_type: "DPoP" }),
      'the token_type "dpop" is not supported, only Bearer',
    ],
    ["token_type a number", (s) => json({ ...s.good.token(), token_type: 1 }), field("token_type")],
    [
      "access_token missing",
      (s) => json({ ...s.good.token(), access_token: undefined }),
      field("access_token"),
    ],
    [
      "access_token a number",
      (s) => json({ ...s.good.token(), access_token: 12345 }),
      field("access_token"),
    ],
    [
      "access_token empty",
      (s) => json({ ...s.good.token(), access_token: "" }),
      field("access_token", "must not be empty"),
    ],
    [
      "access_token an object",
      (s) => json({ ...s.good.token(), access_token: { jwt: "x" } }),
      field("access_token"),
    ],
    [
      "expires_in negative",
      (s) => json({ ...s.good.token(), expires_in: -5 }),
      field("expires_in", "must be a non-negative number"),
    ],
    [
      'expires_in "soon"',
      (s) => json({ ...s.good.token(), expires_in: "soon" }),
      field("expires_in", "must be a number"),
    ],
    [
      "expires_in a boolean",
      (s) => json({ ...s.good.token(), expires_in: true }),
      field("expires_in", "must be a number"),
    ],
    [
      "expires_in an object",
      (s) => json({ ...s.good.token(), expires_in: { s: 1 } }),
      field("expires_in", "must be a number"),
    ],
    [
      "refresh_token a number",
      (s) => json({ ...s.good.token(), refresh_token: 5 }),
      field("refresh_token"),
    ],
    [
      "refresh_token empty",
      (s) => json({ ...s.good.token(), refresh_token: "" }),
      field("refresh_token", "must not be empty"),
    ],
    ["scope a list", (s) => json({ ...s.good.token(), scope: ["mcp:read"] }), field("scope")],
    ["scope a number", (s) => json({ ...s.good.token(), scope: 42 }), field("scope")],
    [
      "the body is a list",
      () => json([{ access_token: "x" }]),
      "the response body must be a top level object",
    ],
    ["the body is null", () => json(null), "the response body must be a top level object"],
    ["the body is a number", () => json(42), "the response body must be a top level object"],
    ["the body is a string", () => json("at"), "the response body must be a top level object"],
    [
      "the body is not JSON",
      () => ({
        headers: [["Content-Type", "application/json"]],
        body: "access_token=x&token_type=bearer",
      }),
      "failed to parse the response body as JSON",
    ],
    [
      "a form-encoded body (GitHub's old format)",
      () => ({
        headers: [["Content-Type", "application/x-www-form-urlencoded"]],
        body: "access_token=x&token_type=bearer",
      }),
      "200 the response content-type must be application/json",
    ],
    [
      "an HTML page with status 200",
      () => html(200),
      "200 the response content-type must be application/json",
    ],
    [
      "400 invalid_grant",
      () => json({ error: "invalid_grant", error_description: "code expired" }, 400),
      "400 invalid_grant: code expired",
    ],
    [
      "400 with a description that forges a line and a terminal escape",
      () =>
        json({
          error: "invalid_request",
          error_description: "bad\u001b[2J\nmcp-oauth: forged line\u009b",
        }, 400),
      "400 invalid_request: bad [2J mcp-oauth: forged line",
    ],
    [
      "401 with a Bearer challenge",
      () => ({
        status: 401,
        headers: [["WWW-Authenticate", 'Bearer error="invalid_token"']],
        json: {},
      }),
      "401 invalid_token",
    ],
  ];
  return cases.map(([name, answer, reason]): NetCase => ({
    name,
    command,
    replies: (s) => ({ token: answer(s) }),
    code: 1,
    error: `${what} at {o}/token failed (${reason}); ${hintFor(hint, reason)}`,
  }));
}

const EXCHANGE = "The code exchange";
/**
 * A new sign-in is advised only where it can help: the code was lost (network) or refused as
 * expired (invalid_grant), or the server failed (5xx: later). Other refusals and unusable
 * answers do not change on a retry.
 */
const EXCHANGE_HINT: Hint = (reason) =>
  reason === "network" || reason.startsWith("400 invalid_grant")
    ? "start the sign-in again."
    : /^5\d\d/.test(reason)
    ? "the authorization server failed; start the sign-in again later."
    : /^\d{3} [a-z_]+(:|$)/.test(reason) && !/^\d{3} the /.test(reason)
    ? "check the client and scopes, or tell the authorization server's operator."
    : "the authorization server's answer cannot be used; tell its operator.";
const REFRESH = "Refreshing the token";
const REFRESH_HINT = "retry later; if it persists, authorize again.";
const REGISTER = "Client registration";
const REGISTER_HINT = "pass --client-id of a client registered with the provider instead.";
const NO_CLIENT = { client: false };

const registrationCases: NetCase[] = [
  ...([
    [
      "client_id missing",
      { client_id: undefined },
      'the response body "client_id" property must be a string',
    ],
    [
      "client_id a number",
      { client_id: 7 },
      'the response body "client_id" property must be a string',
    ],
    [
      "client_id empty",
      { client_id: "" },
      'the response body "client_id" property must not be empty',
    ],
    [
      "client_id null",
      { client_id: null },
      'the response body "client_id" property must be a string',
    ],
    [
      "client_secret a number",
      { client_secret: 123, client_secret_expires_at: 0 },
      'the response body "client_secret" property must be a string',
    ],
    [
      "client_secret_basic without a client_secret",
      { token_endpoint_auth_method: "client_secret_basic" },
      'the client was registered for the token endpoint auth method "client_secret_basic" but no client_secret was returned',
    ],
    [
      "client_secret_post with an empty client_secret",
      { token_endpoint_auth_method: "client_secret_post", client_secret: "" },
      'the response body "client_secret" property must not be empty',
    ],
    [
      "a client_secret with the auth method private_key_jwt",
      {
        token_endpoint_auth_method: "private_key_jwt",
        client_secret: "s3cret",
        client_secret_expires_at: 0,
      },
      'the client was registered for the token endpoint auth method "private_key_jwt", which mcp-oauth cannot use',
    ],
    [
      "an auth method that is a number",
      { token_endpoint_auth_method: 42 },
      'the client was registered for the token endpoint auth method "42", which mcp-oauth cannot use',
    ],
    [
      "an auth method with a terminal escape",
      { token_endpoint_auth_method: "tls\u001b[2J" },
      'the client was registered for the token endpoint auth method "tls [2J", which mcp-oauth cannot use',
    ],
  ] as [string, Record<string, unknown>, string][]).map(([name, over, reason]): NetCase => ({
    name,
    command: "authorize",
    seed: NO_CLIENT,
    replies: (s) => ({ register: json({ ...s.good.registration(), ...over }, 201) }),
    code: 1,
    error: `${REGISTER} at {o}/register failed (${reason}); ${REGISTER_HINT}`,
  })),
  ...([
    [
      "the body is a list",
      () => json([{ client_id: "x" }], 201),
      "the response body must be a top level object",
    ],
    ["the body is null", () => json(null, 201), "the response body must be a top level object"],
    [
      "the body is not JSON",
      () => ({ status: 201, headers: [["Content-Type", "application/json"]], body: "client_id=x" }),
      "failed to parse the response body as JSON",
    ],
    [
      "400 invalid_redirect_uri",
      () => json({ error: "invalid_redirect_uri", error_description: "loopback not allowed" }, 400),
      "400 invalid_redirect_uri: loopback not allowed",
    ],
    [
      "400 with a description that forges a line",
      () =>
        json({
          error: "invalid_client_metadata",
          error_description: "no\r\nmcp-oauth: Authorized demo\u001b[0m",
        }, 400),
      "400 invalid_client_metadata: no mcp-oauth: Authorized demo [0m",
    ],
  ] as [string, (s: HostileServer) => Answer, string][]).map(([name, answer, reason]): NetCase => ({
    name,
    command: "authorize",
    seed: NO_CLIENT,
    replies: (s) => ({ register: answer(s) }),
    code: 1,
    error: `${REGISTER} at {o}/register failed (${reason}); ${REGISTER_HINT}`,
  })),
  ...transportCases("register", "authorize", REGISTER, "{o}/register", REGISTER_HINT, NO_CLIENT),
];

describe("bad-input corpus: dynamic client registration responses (authorize)", () => {
  let s: HostileServer;
  before(async () => {
    s = await startHostileServer();
  });
  after(() => s.close());

  for (const c of registrationCases) {
    it(`${c.name}: exit 1, one clear line, nothing registered or stored`, async () => {
      const r = await runCase(s, c);
      assert.equal(s.hits(ROUTE_PATHS.register).length, 1, "one registration attempt");
      assert.equal(s.hits(ROUTE_PATHS.token).length, 0, "no token request");
      assert.ok(!r.err.join("\n").includes("Open this URL"), "no authorization URL was shown");
    });
  }

  it("S10: a client registered for client_secret_post (none was asked) authenticates that way", async () => {
    const seeded = await signedInHome(s, { client: false });
    try {
      s.reset();
      s.set({
        register: json({
          ...s.good.registration(),
          token_endpoint_auth_method: "client_secret_post",
          client_secret: "registered-secret",
          client_secret_expires_at: 0,
        }, 201),
      });
      const r = await runAuthorize(seeded.home, s.origin);
      assert.equal(r.code, 0, r.err.join("\n"));
      const [token] = s.hits(ROUTE_PATHS.token);
      const form = new URLSearchParams(token!.body);
      assert.equal(form.get("client_id"), "hostile-client");
      assert.equal(form.get("client_secret"), "registered-secret");
      assert.equal(token!.headers.authorization, undefined, "not client_secret_basic");
    } finally {
      await removeHome(seeded.home);
    }
  });
});

describe("bad-input corpus: token responses to the code exchange (authorize --browser none)", () => {
  let s: HostileServer;
  before(async () => {
    s = await startHostileServer();
  });
  after(() => s.close());

  const cases = [
    ...tokenBodyCases("authorize", EXCHANGE, EXCHANGE_HINT),
    ...transportCases("token", "authorize", EXCHANGE, "{o}/token", EXCHANGE_HINT),
  ];
  for (const c of cases) {
    it(`${c.name}: exit 1, one clear line, the old token and registration kept`, async () => {
      await runCase(s, c);
      assert.equal(s.hits(ROUTE_PATHS.register).length, 0, "the stored registration was reused");
      assert.equal(s.hits(ROUTE_PATHS.token).length, 1, "one code exchange");
    });
  }

  /** A sign-in whose code exchange gets `token`; returns the run, the home and its record. */
  async function signInWith(token: (s: HostileServer) => Answer) {
    const seeded = await signedInHome(s, { client: true });
    s.reset();
    s.set({ token: token(s) });
    const r = await runAuthorize(seeded.home, s.origin);
    return { r, home: seeded.home, record: await tokenRecordAt(seeded.home, seeded.tokenKey) };
  }

  it("expires_in of 1e300: stored as no expiry (not a date no clock can show); token --json works", async () => {
    const { r, home, record } = await signInWith((s) =>
      json({ ...s.good.token(), expires_in: 1e300 })
    );
    try {
      assert.equal(r.code, 0, r.err.join("\n"));
      assert.deepEqual(r.out, [
        `Authorized demo at ${s.origin} with scopes "mcp:read mcp:write".`,
      ]);
      assert.equal(record?.expires_at, undefined);
      const t = await runMain(["token", "demo", "--json"], { home });
      assert.equal(t.code, 0, t.err.join("\n"));
      const out = JSON.parse(t.out[0]!) as { access_token: string; expires_at: string | null };
      assert.equal(out.expires_at, null);
      assert.match(out.access_token, /^hostile-at-\d+$/);
    } finally {
      await removeHome(home);
    }
  });

  it('expires_in "3600" (a string of digits) is read as 3600 s', async () => {
    const started = Date.now();
    const { r, home, record } = await signInWith((s) =>
      json({ ...s.good.token(), expires_in: "3600" })
    );
    try {
      assert.equal(r.code, 0, r.err.join("\n"));
      assert.ok(
        record?.expires_at! >= started + 3_600_000 && record?.expires_at! <= Date.now() + 3_600_000,
      );
    } finally {
      await removeHome(home);
    }
  });

  it("scope widening: the scopes the AS granted are stored and shown, not the ones asked", async () => {
    const { r, home, record } = await signInWith((s) =>
      json({ ...s.good.token(), scope: "mcp:read mcp:write offline_access admin" })
    );
    try {
      assert.equal(r.code, 0, r.err.join("\n"));
      assert.equal(record?.scope, "mcp:read mcp:write offline_access admin");
      assert.deepEqual(r.out, [
        `Authorized demo at ${s.origin} with scopes "mcp:read mcp:write offline_access admin"; the token expires in 1h 0m.`,
      ]);
    } finally {
      await removeHome(home);
    }
  });

  it("a granted scope with terminal escapes: only well-formed scopes are stored and shown", async () => {
    const { r, home, record } = await signInWith((s) =>
      json({ ...s.good.token(), scope: "mcp:read \u001b[2J\u009b31m evil\u0007" })
    );
    try {
      assert.equal(r.code, 0, r.err.join("\n"));
      assert.equal(record?.scope, "mcp:read");
      assertNoControlCharacters(r.out.join("\n"));
      const ls = await runMain(["ls"], { home });
      assertNoControlCharacters(ls.out.join("\n"));
    } finally {
      await removeHome(home);
    }
  });
});

describe("bad-input corpus: token responses to the refresh grant (refresh, token)", () => {
  let s: HostileServer;
  before(async () => {
    s = await startHostileServer();
  });
  after(() => s.close());

  const cases = [
    ...tokenBodyCases("refresh", REFRESH, REFRESH_HINT).filter((c) =>
      c.name !== "400 invalid_grant"
    ),
    ...transportCases("token", "refresh", REFRESH, "{o}/token", REFRESH_HINT),
    // `token` on an expired token refreshes first: the same answers, the same lines.
    ...tokenBodyCases("token", REFRESH, REFRESH_HINT).filter((c) =>
      [
        'token_type "mac"',
        "access_token missing",
        "the body is not JSON",
      ]
        .includes(c.name)
    ),
    ...transportCases("token", "token", REFRESH, "{o}/token", REFRESH_HINT).filter((c) =>
      /302|20 MB|a byte at a time/.test(c.name)
    ),
  ];
  for (const c of cases) {
    it(`${c.command}: ${c.name}: exit 1, one clear line, the old tokens kept`, async () => {
      await runCase(s, c);
      assert.equal(s.hits(ROUTE_PATHS.token).length, 1, "one refresh request");
    });
  }

  it("S21: refresh gets invalid_grant: exit 3, only demo's dead token is dropped", async () => {
    const seeded = await signedInHome(s);
    try {
      s.reset();
      s.set({ token: json({ error: "invalid_grant", error_description: "revoked" }, 400) });
      const before = await snapshotTree(seeded.home);
      const creds = JSON.parse((await readHomeFile(seeded.home, "credentials.json"))!);
      const r = await runMain(["refresh", "demo"], { home: seeded.home });
      assert.equal(r.code, 3);
      assert.equal(
        theError(r),
        `The authorization server no longer accepts the refresh token for ${s.mcpUrl} (invalid_grant); re-authorization needed.`,
      );
      const after = await snapshotTree(seeded.home);
      delete creds.credentials[seeded.tokenKey];
      assert.deepEqual(JSON.parse((await readHomeFile(seeded.home, "credentials.json"))!), creds);
      delete before["credentials.json"];
      delete after["credentials.json"];
      assert.deepEqual(after, before, "nothing else changed");
    } finally {
      await removeHome(seeded.home);
    }
  });

  it("a failing AS does not take away a token that is still valid: token prints it (exit 0)", async () => {
    // Valid for 30 s more: inside the refresh-ahead minute, so `token` tries to refresh.
    const seeded = await signedInHome(s, { expiresInMs: 30_000 });
    try {
      s.reset();
      s.set({ token: html(503) });
      const before = await snapshotTree(seeded.home);
      const r = await runMain(["token", "demo"], { home: seeded.home });
      assert.equal(r.code, 0, r.err.join("\n"));
      assert.deepEqual(r.out, ["seeded-access-token"]);
      assert.equal(s.hits(ROUTE_PATHS.token).length, 1, "it did try to refresh");
      assert.deepEqual(await snapshotTree(seeded.home), before);
    } finally {
      await removeHome(seeded.home);
    }
  });

  it("expires_in of 1e300 on refresh: token --json prints expires_at null instead of crashing", async () => {
    const seeded = await signedInHome(s, { expired: true });
    try {
      s.reset();
      s.set({ token: json({ ...s.good.token(), expires_in: 1e300 }) });
      const r = await runMain(["token", "demo", "--json"], { home: seeded.home });
      assert.equal(r.code, 0, r.err.join("\n"));
      const out = JSON.parse(r.out[0]!) as { expires_at: string | null; access_token: string };
      assert.equal(out.expires_at, null);
      assert.match(out.access_token, /^hostile-at-\d+$/);
      assert.equal((await tokenRecordAt(seeded.home, seeded.tokenKey))?.expires_at, undefined);
    } finally {
      await removeHome(seeded.home);
    }
  });
});

describe("bad-input corpus: revocation responses (revoke)", () => {
  let s: HostileServer;
  before(async () => {
    s = await startHostileServer();
  });
  after(() => s.close());

  const tail = "it was deleted locally anyway, but may stay valid at the server until it expires.";
  const tooLarge = (hint: string) =>
    `Revoking the ${hint} failed: The response from {o}/revoke is larger than 1048576 bytes and was not read; ${tail}`;
  const cases: [string, () => Answer, (hint: string) => string, Record<string, string>?][] = [
    [
      "a 500 text page",
      () => ({ status: 500, body: "oops" }),
      (h) =>
        `Revoking the ${h} at {o}/revoke failed (500 the response is not a conform Revocation Endpoint response (unexpected HTTP status code)); ${tail}`,
    ],
    [
      "S25: a 302 (not followed)",
      () => ({ redirect: "/elsewhere" }),
      (h) =>
        `Revoking the ${h} at {o}/revoke failed (302 the response is not a conform Revocation Endpoint response (unexpected HTTP status code)); ${tail}`,
    ],
    [
      "an HTML 502 page",
      () => html(502),
      (h) =>
        `Revoking the ${h} at {o}/revoke failed (502 the response is not a conform Revocation Endpoint response (unexpected HTTP status code)); ${tail}`,
    ],
    [
      "400 unsupported_token_type",
      () => json({ error: "unsupported_token_type" }, 400),
      (h) => `Revoking the ${h} at {o}/revoke failed (400 unsupported_token_type); ${tail}`,
    ],
    [
      "400 with a description that forges a line",
      () =>
        json(
          { error: "invalid_request", error_description: "x\nmcp-oauth: revoked\u001b[1A" },
          400,
        ),
      (h) =>
        `Revoking the ${h} at {o}/revoke failed (400 invalid_request: x mcp-oauth: revoked [1A); ${tail}`,
    ],
    ["S25: a 20 MB body", big, tooLarge],
    ["S25: a body that never ends", endless, tooLarge],
    [
      "S25: a body that arrives a byte at a time",
      () => SLOW_BODY,
      (h) =>
        `Revoking the ${h} failed: The answer from {o}/revoke (200) did not finish within 0.5 s; ${tail}`,
      TIMEOUT_ENV,
    ],
    [
      "S25: no answer at all",
      never,
      (h) => `Revoking the ${h} failed: No answer from {o}/revoke within 0.5 s; ${tail}`,
      TIMEOUT_ENV,
    ],
  ];

  for (const [name, answer, warning, env] of cases) {
    it(`S23: ${name}: exit 1, a warning per token, deleted locally, nothing else touched`, async () => {
      const seeded = await signedInHome(s);
      try {
        s.reset();
        s.set({ revoke: answer() });
        const before = await snapshotTree(seeded.home);
        const creds = JSON.parse((await readHomeFile(seeded.home, "credentials.json"))!);
        const r = await runMain(["revoke", "demo"], { home: seeded.home, env });
        assert.equal(r.code, 1);
        assert.deepEqual(r.out, ["demo: deleted locally; remote revocation failed."]);
        assert.deepEqual(
          r.err,
          ["refresh token", "access token"].map((h) =>
            `warning: ${warning(h).replaceAll("{o}", s.origin)}`
          ),
        );
        assertNoControlCharacters(r.err.join("\n"));
        assert.equal(s.hits(ROUTE_PATHS.revoke).length, 2, "refresh token, then access token");
        assert.equal(s.hits("/elsewhere").length, 0);
        const after = await snapshotTree(seeded.home);
        delete creds.credentials[seeded.tokenKey];
        assert.deepEqual(JSON.parse((await readHomeFile(seeded.home, "credentials.json"))!), creds);
        delete before["credentials.json"];
        delete after["credentials.json"];
        assert.deepEqual(after, before, "nothing else changed");
      } finally {
        await removeHome(seeded.home);
      }
    });
  }

  it("S23: a 200 with a garbage body counts as revoked (RFC 7009 ignores the body)", async () => {
    const seeded = await signedInHome(s);
    try {
      s.reset();
      s.set({ revoke: { body: "\u0000<html>not json", headers: [["Content-Type", "text/html"]] } });
      const r = await runMain(["revoke", "demo"], { home: seeded.home });
      assert.equal(r.code, 0, r.err.join("\n"));
      assert.deepEqual(r.out, ["demo: revoked."]);
      assert.deepEqual(r.err, []);
      assert.equal(await tokenRecordAt(seeded.home, seeded.tokenKey), undefined);
    } finally {
      await removeHome(seeded.home);
    }
  });
});
