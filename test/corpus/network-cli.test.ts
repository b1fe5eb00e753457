/**
 * Bad-input corpus, network side (issue 10), part 3: a handful of the hostile answers through
 * the real `mcp-oauth` process (scripts/mcp-oauth), to prove end to end what the in-process
 * corpus shows: the one stderr line, the process exit code, and the home left as it was.
 *
 * @module
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type HostileServer, ROUTE_PATHS, startHostileServer } from "../fixtures/hostile-server.ts";
import { removeHome, runCli } from "../cli/helpers.ts";
import {
  assertError,
  type Command,
  signedInHome,
  SLOW_BODY,
  snapshotTree,
  theError,
  tokenRecordAt,
} from "./network-harness.ts";

const SLOW = { timeout: 30_000 };

describe("bad-input corpus through the mcp-oauth process", () => {
  let s: HostileServer;
  before(async () => {
    s = await startHostileServer();
  });
  after(() => s.close());

  const cases: {
    name: string;
    command: Command;
    argv?: string[];
    seed?: { client?: boolean; expired?: boolean };
    env?: Record<string, string>;
    replies: (s: HostileServer) => Parameters<HostileServer["set"]>[0];
    code: number;
    error: string;
  }[] = [
    {
      name: "discover: AS metadata names another issuer (S6)",
      command: "discover",
      replies: (s) => ({
        "as-metadata": { json: { ...s.good.asMetadata(), issuer: "https://evil.example" } },
      }),
      code: 1,
      error: `Authorization server metadata at {o}${
        ROUTE_PATHS["as-metadata"]
      } names the issuer "https://evil.example", not {o} (RFC 8414 §3.3); not using it.`,
    },
    {
      name: "authorize: the registration response has no client_id",
      command: "authorize",
      argv: ["authorize", "demo", "--browser", "none", "--timeout", "20"],
      seed: { client: false },
      replies: (s) => ({
        register: { status: 201, json: { ...s.good.registration(), client_id: undefined } },
      }),
      code: 1,
      error:
        'Client registration at {o}/register failed (the response body "client_id" property must be a string); pass --client-id of a client registered with the provider instead.',
    },
    {
      name: 'refresh: token_type "mac"',
      command: "refresh",
      replies: (s) => ({ token: { json: { ...s.good.token(), token_type: "mac" } } }),
      code: 1,
      error:
        'Refreshing the token at {o}/token failed (the token_type "mac" is not supported, only Bearer); retry later; if it persists, authorize again.',
    },
    {
      name: "token: an expired token whose refresh never finishes (S25, MCP_OAUTH_HTTP_TIMEOUT_MS)",
      command: "token",
      seed: { expired: true },
      env: { MCP_OAUTH_HTTP_TIMEOUT_MS: "500" },
      replies: () => ({ token: SLOW_BODY }),
      code: 1,
      error:
        "Refreshing the token failed: The answer from {o}/token (200) did not finish within 0.5 s; retry later; if it persists, authorize again.",
    },
  ];

  for (const c of cases) {
    it(`${c.name}: exit ${c.code}, one line on stderr, home unchanged`, SLOW, async () => {
      const seeded = await signedInHome(s, { expired: c.command === "token", ...c.seed });
      try {
        s.reset();
        s.set(c.replies(s));
        const before = await snapshotTree(seeded.home);
        const r = await runCli(c.argv ?? [c.command, "demo"], { home: seeded.home, env: c.env });
        assert.equal(r.code, c.code, r.stderr);
        assert.equal(r.stdout, "");
        assertError(theError(r), c.error, s.origin);
        assert.deepEqual(await snapshotTree(seeded.home), before, "the home is unchanged");
        assert.doesNotMatch(r.stderr, /seeded-(access|refresh)-token|hostile-at-/, "S26");
      } finally {
        await removeHome(seeded.home);
      }
    });
  }

  it(
    "S21: token after invalid_grant on refresh: exit 3, only the dead token is dropped",
    SLOW,
    async () => {
      const seeded = await signedInHome(s, { expired: true });
      try {
        s.reset();
        s.set({ token: { status: 400, json: { error: "invalid_grant" } } });
        const r = await runCli(["token", "demo"], { home: seeded.home });
        assert.equal(r.code, 3, r.stderr);
        assert.equal(r.stdout, "");
        assert.equal(
          theError(r),
          `The authorization server no longer accepts the refresh token for ${s.mcpUrl} (invalid_grant); re-authorization needed.`,
        );
        assert.equal(await tokenRecordAt(seeded.home, seeded.tokenKey), undefined);
      } finally {
        await removeHome(seeded.home);
      }
    },
  );

  it(
    "S23: revoke when the revocation endpoint fails: exit 1, deleted locally, a warning each",
    SLOW,
    async () => {
      const seeded = await signedInHome(s);
      try {
        s.reset();
        s.set({ revoke: { status: 503, body: "maintenance" } });
        const r = await runCli(["revoke", "demo"], { home: seeded.home });
        assert.equal(r.code, 1, r.stderr);
        assert.equal(r.stdout, "demo: deleted locally; remote revocation failed.\n");
        const lines = r.stderr.trimEnd().split("\n");
        assert.equal(lines.length, 2, r.stderr);
        assert.ok(lines.every((l) => l.startsWith("warning: Revoking the ")), r.stderr);
        assert.match(lines[0]!, /^warning: Revoking the refresh token at .*\/revoke failed \(503 /);
        assert.equal(await tokenRecordAt(seeded.home, seeded.tokenKey), undefined);
      } finally {
        await removeHome(seeded.home);
      }
    },
  );

  it(
    "S14: AS metadata whose scopes_supported is a number: discover exits 0 (it used to crash)",
    SLOW,
    async () => {
      const seeded = await signedInHome(s);
      try {
        s.reset();
        s.set({ "as-metadata": { json: { ...s.good.asMetadata(), scopes_supported: 5 } } });
        const r = await runCli(["discover", "demo", "--json"], { home: seeded.home });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stderr, "");
        assert.deepEqual((JSON.parse(r.stdout) as { scopes: string[] }).scopes, [
          "mcp:read",
          "mcp:write",
        ]);
      } finally {
        await removeHome(seeded.home);
      }
    },
  );
});
