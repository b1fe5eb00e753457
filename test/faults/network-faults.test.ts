/**
 * Issue 10, network faults: the authorization server (the real oidc-provider) and the MCP
 * server (the real SDK server) sit behind fault-injecting fronts (fault-front.ts) that answer
 * 500/502/503, never answer, reset the connection, cut the answer half-way or drip it slowly,
 * for one chosen path, during each phase of mcp-oauth's life: discovery (protected resource
 * metadata, authorization server metadata), the code exchange, refresh and revocation.
 *
 * For each fault the CLI (in-process `main`, plus real processes at the end) must: exit with the
 * contract's code, print one error line that names what failed and says what to do, leave the
 * home byte-for-byte unchanged where nothing should change, keep handing out an access token
 * that is still valid, keep the refresh token of a failed refresh so that a retry works once
 * the fault is gone, and, for revocation, delete locally and say that the server may still
 * honour the token (S23). Requests time out after MCP_OAUTH_HTTP_TIMEOUT_MS (1.2 s here).
 *
 * @module
 */
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  configServers,
  type MainResult,
  runCli,
  snapshotHome,
  storedClient,
  storedTokenRecord,
} from "../cli/helpers.ts";
import { ConfigFile } from "../../src/store/config-file.ts";
import type { FaultKind } from "./fault-front.ts";
import {
  age,
  ENV,
  esc,
  fact,
  FAILING,
  oneError,
  SLOW,
  TIMEOUT_MS,
  useFaultServers,
} from "./net-harness.ts";

const net = useFaultServers();
const { newHome, authorize, signedInHome, run } = net;

describe("discovery: the protected resource metadata fails", () => {
  let home: string;
  before(async () => {
    home = await newHome();
  });

  for (const kind of FAILING) {
    it(
      `Issue 10 (S2): PRM ${kind} → authorize exits 1, one line, nothing written, the AS untouched`,
      SLOW,
      async () => {
        const before = await snapshotHome(home);
        const asHits = net.asFront.hits.length;
        const rule = net.mcpFront.fail({ path: "/.well-known/oauth-protected-resource/mcp", kind });
        try {
          const line = oneError(await authorize(home), 1);
          assert.ok(line.length < 400, line);
        } finally {
          net.mcpFront.heal();
        }
        // Bun and Deno retry a request once when a reused connection is reset.
        assert.ok(rule.injected >= 1, "the fault was injected");
        assert.deepEqual(await snapshotHome(home), before, "home byte-for-byte unchanged");
        assert.equal(
          net.asFront.hits.length,
          asHits,
          "nothing was sent to the authorization server",
        );
      },
    );
  }

  it(
    "Issue 10: PRM dripped slowly (within the timeout) → the sign-in completes",
    SLOW,
    async () => {
      const rule = net.mcpFront.fail({
        path: "/.well-known/oauth-protected-resource/mcp",
        kind: "slow",
        dripMs: 300,
      });
      try {
        const r = await authorize(home);
        assert.equal(r.code, 0, r.err.join("\n"));
        assert.match(r.out.join("\n"), new RegExp(`Authorized demo at ${esc(net.asFront.url)}`));
      } finally {
        net.mcpFront.heal();
      }
      assert.equal(rule.injected, 1);
      assert.ok((await storedTokenRecord(home))?.access_token, "a token was stored");
    },
  );
});

describe("discovery: the authorization server metadata fails", () => {
  let home: string;
  before(async () => {
    home = await newHome();
  });

  for (const kind of FAILING) {
    it(
      `Issue 10 (S5, S8): only RFC 8414 metadata ${kind} → falls back to OpenID metadata and signs in`,
      SLOW,
      async () => {
        const rule = net.asFront.fail({ path: "/.well-known/oauth-authorization-server", kind });
        try {
          const r = await authorize(home);
          assert.equal(r.code, 0, r.err.join("\n"));
        } finally {
          net.asFront.heal();
        }
        assert.ok(rule.injected >= 1);
        assert.ok((await storedTokenRecord(home))?.access_token);
      },
    );
  }

  for (const kind of FAILING) {
    it(
      `Issue 10: both metadata documents ${kind} → exits 1 naming the issuer, nothing written, no registration`,
      SLOW,
      async () => {
        const fresh = await newHome();
        const before = await snapshotHome(fresh);
        const registrations = net.as.counts.registration;
        net.asFront.fail({ path: "/.well-known/oauth-authorization-server", kind });
        net.asFront.fail({ path: "/.well-known/openid-configuration", kind });
        let line: string;
        try {
          line = oneError(await authorize(fresh), 1);
        } finally {
          net.asFront.heal();
        }
        assert.match(line, new RegExp(`^mcp-oauth: .*${esc(net.asFront.url)}`), "names the AS");
        assert.deepEqual(await snapshotHome(fresh), before, "home byte-for-byte unchanged");
        assert.equal(net.as.counts.registration, registrations, "no client was registered");
      },
    );
  }
});

describe("code exchange fails while an older token is stored", () => {
  let home: string;
  let tokenUrl: string;
  before(async () => {
    home = await signedInHome();
    tokenUrl = `${net.asFront.url}/token`;
  }, SLOW);

  for (const kind of FAILING) {
    it(
      `Issue 10: code exchange ${kind} → exit 1, "start the sign-in again" (later, for a server error), store unchanged, old token still served`,
      SLOW,
      async () => {
        const old = (await storedTokenRecord(home))!.access_token;
        const before = await snapshotHome(home);
        const { registration, authorizationCode } = net.as.counts;
        const rule = net.asFront.fail({ path: "/token", method: "POST", kind });
        let line: string;
        try {
          line = oneError(await authorize(home), 1);
        } finally {
          net.asFront.heal();
        }
        assert.ok(rule.injected >= 1);
        assert.match(line, /^mcp-oauth: The code exchange /);
        assert.match(line, fact(kind, tokenUrl));
        // A server error may pass: later. A lost answer: now (the code may be used up).
        assert.match(
          line,
          /^\d/.test(kind)
            ? /; the authorization server failed; start the sign-in again later\.$/
            : /; start the sign-in again\.$/,
        );
        assert.deepEqual(await snapshotHome(home), before, "home byte-for-byte unchanged");
        assert.equal(net.as.counts.registration, registration, "the registration was reused");
        // Only a cut answer reached the AS (which issued tokens the client never got).
        assert.equal(net.as.counts.authorizationCode - authorizationCode, kind === "cut" ? 1 : 0);
        const t = await run(home, "token", "demo");
        assert.equal(t.code, 0, t.err.join("\n"));
        assert.deepEqual(t.out, [old], "the old, still valid token is served");
      },
    );
  }

  it(
    "Issue 10: code exchange dripped within the timeout → the new token replaces the old",
    SLOW,
    async () => {
      const old = (await storedTokenRecord(home))!.access_token;
      net.asFront.fail({ path: "/token", method: "POST", kind: "slow", dripMs: 300 });
      try {
        const r = await authorize(home);
        assert.equal(r.code, 0, r.err.join("\n"));
      } finally {
        net.asFront.heal();
      }
      const now = (await storedTokenRecord(home))!.access_token;
      assert.notEqual(now, old);
      assert.deepEqual((await run(home, "token", "demo")).out, [now]);
    },
  );
});

describe("refresh fails", () => {
  let home: string;
  let tokenUrl: string;
  before(async () => {
    home = await signedInHome();
    tokenUrl = `${net.asFront.url}/token`;
  }, SLOW);

  /** After a cut refresh the AS has rotated the refresh token we never got: sign in again. */
  async function recover(kind: FaultKind): Promise<void> {
    if (kind !== "cut") return;
    const r = await run(home, "token", "demo");
    const line = oneError(r, 3);
    assert.match(
      line,
      /no longer accepts the refresh token .*\(invalid_grant\); re-authorization needed\.$/,
    );
    assert.equal(await storedTokenRecord(home), undefined, "the dead token set was dropped");
    assert.ok(await storedClient(home), "S21: the client registration is kept");
    const again = await authorize(home);
    assert.equal(again.code, 0, again.err.join("\n"));
  }

  for (const kind of [...FAILING, "slow"] as FaultKind[]) {
    it(
      `Issue 10 (S20): token about to expire, refresh ${kind} → token exits 0 with ${
        kind === "slow" ? "the new" : "the old, still valid"
      } token`,
      SLOW,
      async () => {
        await age(home, 30_000); // inside the refresh-ahead minute, not expired
        const before = await snapshotHome(home);
        const old = (await storedTokenRecord(home))!.access_token;
        const refreshes = net.as.counts.refresh;
        const rule = net.asFront.fail({ path: "/token", method: "POST", kind });
        let r: MainResult;
        try {
          r = await run(home, "token", "demo");
        } finally {
          net.asFront.heal();
        }
        assert.ok(rule.injected >= 1, "a refresh was attempted");
        assert.equal(r.code, 0, r.err.join("\n"));
        assert.deepEqual(r.err, [], "stdout is for the token; nothing on stderr");
        if (kind === "slow") {
          assert.notDeepEqual(r.out, [old]);
          assert.deepEqual(r.out, [(await storedTokenRecord(home))!.access_token]);
          return;
        }
        assert.deepEqual(r.out, [old]);
        assert.deepEqual(await snapshotHome(home), before, "home byte-for-byte unchanged");
        assert.equal(net.as.counts.refresh - refreshes, kind === "cut" ? 1 : 0);
        await recover(kind);
      },
    );
  }

  for (const kind of FAILING) {
    it(
      `Issue 10 (S20): expired token, refresh ${kind} → exit 1 with what to do, refresh token kept; the retry works`,
      SLOW,
      async () => {
        await age(home, -1000);
        const before = await snapshotHome(home);
        const old = await storedTokenRecord(home);
        net.asFront.fail({ path: "/token", method: "POST", kind });
        let line: string;
        try {
          line = oneError(await run(home, "token", "demo"), 1);
        } finally {
          net.asFront.heal();
        }
        assert.match(line, /^mcp-oauth: Refreshing the token /);
        assert.match(line, fact(kind, tokenUrl));
        assert.match(line, /; retry later; if it persists, authorize again\.$/);
        assert.deepEqual(await snapshotHome(home), before, "home byte-for-byte unchanged");
        assert.equal((await storedTokenRecord(home))?.refresh_token, old!.refresh_token);
        if (kind === "cut") return await recover(kind);
        const retry = await run(home, "token", "demo");
        assert.equal(retry.code, 0, retry.err.join("\n"));
        const now = await storedTokenRecord(home);
        assert.deepEqual(retry.out, [now!.access_token]);
        assert.notEqual(now!.access_token, old!.access_token, "a new access token");
        assert.notEqual(now!.refresh_token, old!.refresh_token, "the refresh token rotated");
        assert.ok(now!.expires_at! > Date.now() + 60_000);
      },
    );
  }

  it(
    "Issue 10 (S25): expired token, refresh answer dripped past the timeout → exit 1, then exit 3 (the AS rotated)",
    SLOW,
    async () => {
      await age(home, -1000);
      const before = await snapshotHome(home);
      net.asFront.fail({ path: "/token", method: "POST", kind: "slow", dripMs: TIMEOUT_MS * 3 });
      let line: string;
      const started = Date.now();
      try {
        line = oneError(await run(home, "token", "demo"), 1);
      } finally {
        net.asFront.heal();
      }
      assert.ok(Date.now() - started < TIMEOUT_MS * 2.5, "given up at the timeout, not at the end");
      assert.match(line, fact("slow", tokenUrl));
      assert.deepEqual(await snapshotHome(home), before, "home byte-for-byte unchanged");
      await recover("cut");
    },
  );

  for (const kind of ["503", "hang", "reset"] as FaultKind[]) {
    it(
      `Issue 10: refresh (forced) ${kind} → exit 1, store unchanged, token still serves the valid one`,
      SLOW,
      async () => {
        await age(home, 1_800_000);
        const before = await snapshotHome(home);
        const old = (await storedTokenRecord(home))!.access_token;
        net.asFront.fail({ path: "/token", method: "POST", kind });
        let line: string;
        try {
          line = oneError(await run(home, "refresh", "demo"), 1);
          // The token is valid for half an hour: no request, the old one.
          const t = await run(home, "token", "demo");
          assert.equal(t.code, 0, t.err.join("\n"));
          assert.deepEqual(t.out, [old]);
        } finally {
          net.asFront.heal();
        }
        assert.match(line, fact(kind, tokenUrl));
        assert.deepEqual(await snapshotHome(home), before, "home byte-for-byte unchanged");
        const r = await run(home, "refresh", "demo");
        assert.equal(r.code, 0, r.err.join("\n"));
        assert.match(r.out[0]!, /^Refreshed demo; the new token expires/);
      },
    );
  }
});

describe("revocation fails (S23: deleted locally, the failure reported)", () => {
  let revocationUrl: string;
  before(() => {
    revocationUrl = `${net.asFront.url}/token/revocation`;
  });

  for (const kind of [...FAILING, "slow"] as FaultKind[]) {
    it(
      `Issue 10 (S23): revocation ${kind} → ${
        kind === "slow" ? "revoked" : "exit 1, two warnings, local copy deleted, registration kept"
      }`,
      SLOW,
      async () => {
        const home = await signedInHome();
        const old = (await storedTokenRecord(home))!;
        const client = await storedClient(home);
        const config = await configServers(home);
        const rule = net.asFront.fail({ path: "/token/revocation", method: "POST", kind });
        let r: MainResult;
        try {
          r = await run(home, "revoke", "demo");
        } finally {
          net.asFront.heal();
        }
        assert.ok(rule.injected >= 2, "the refresh token, then the access token");
        assert.equal(await storedTokenRecord(home), undefined, "deleted locally");
        assert.deepEqual(await storedClient(home), client, "the client registration is kept");
        assert.deepEqual(await configServers(home), config, "the server stays configured");
        const active = async (t: string) => (await net.as.introspect(t)).active === true;
        if (kind === "slow") {
          assert.equal(r.code, 0, r.err.join("\n"));
          assert.deepEqual(r.out, ["demo: revoked."]);
          assert.equal(await active(old.refresh_token!), false);
          return;
        }
        assert.equal(r.code, 1, r.err.join("\n"));
        assert.deepEqual(r.out, ["demo: deleted locally; remote revocation failed."]);
        assert.equal(r.err.length, 2, r.err.join("\n"));
        for (const [i, what] of ["refresh token", "access token"].entries()) {
          const w = r.err[i]!;
          assert.match(w, new RegExp(`^warning: Revoking the ${what} `));
          // The revocation answer has no body: a cut one is lost before its headers.
          assert.match(w, fact(kind === "cut" ? "reset" : kind, revocationUrl));
          assert.match(
            w,
            /; it was deleted locally anyway, but may stay valid at the server until it expires\.$/,
          );
          assert.doesNotMatch(w, /retry/, "a revocation cannot be retried: the local copy is gone");
        }
        // The server never saw the request, except when the answer was cut after it acted.
        assert.equal(await active(old.access_token), kind !== "cut");
        assert.equal(await active(old.refresh_token!), kind !== "cut");
        const again = await run(home, "revoke", "demo");
        assert.equal(again.code, 0);
        assert.deepEqual(again.out, ["demo: no tokens stored."]);
      },
    );
  }

  it(
    "Issue 10 (S23): only the refresh token's revocation fails → one warning, exit 1; the access token is revoked",
    SLOW,
    async () => {
      const home = await signedInHome();
      const old = (await storedTokenRecord(home))!;
      net.asFront.fail({ path: "/token/revocation", method: "POST", kind: "503", times: 1 });
      let r: MainResult;
      try {
        r = await run(home, "revoke", "demo");
      } finally {
        net.asFront.heal();
      }
      assert.equal(r.code, 1);
      assert.equal(r.err.length, 1, r.err.join("\n"));
      assert.match(r.err[0]!, /^warning: Revoking the refresh token at .* failed \(503 /);
      assert.deepEqual(r.out, ["demo: deleted locally; remote revocation failed."]);
      assert.equal(
        (await net.as.introspect(old.access_token)).active,
        false,
        "access token revoked",
      );
      assert.equal(await storedTokenRecord(home), undefined, "deleted locally");
    },
  );

  it(
    "Issue 10: remove with the revocation endpoint down → exit 0, warnings, server and tokens gone",
    SLOW,
    async () => {
      const home = await signedInHome();
      net.asFront.fail({ path: "/token/revocation", method: "POST", kind: "reset" });
      let r: MainResult;
      try {
        r = await run(home, "remove", "demo");
      } finally {
        net.asFront.heal();
      }
      assert.equal(r.code, 0, r.err.join("\n"));
      assert.deepEqual(r.out, ["Removed demo and its tokens."]);
      assert.equal(r.err.length, 2);
      for (const w of r.err) assert.match(w, fact("reset", revocationUrl));
      assert.deepEqual(await configServers(home), {});
      assert.equal(await storedTokenRecord(home), undefined);
    },
  );
});

describe("as real processes", () => {
  it(
    "Issue 10: token with the token endpoint answering 503 on an expired token: exit 1, one stderr line, empty stdout",
    SLOW,
    async () => {
      const home = await signedInHome();
      await age(home, -1000);
      const before = await snapshotHome(home);
      net.asFront.fail({ path: "/token", method: "POST", kind: "503" });
      try {
        const r = await runCli(["token", "demo"], { home, env: ENV });
        assert.equal(r.code, 1, r.stderr);
        assert.equal(r.stdout, "");
        assert.match(
          r.stderr,
          /^mcp-oauth: Refreshing the token at \S+\/token failed \(503 [^\n]*; retry later; if it persists, authorize again\.\n$/,
        );
      } finally {
        net.asFront.heal();
      }
      assert.deepEqual(await snapshotHome(home), before);
      const ok = await runCli(["token", "demo"], { home, env: ENV });
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(ok.stdout.trim(), (await storedTokenRecord(home))!.access_token);
    },
  );

  it(
    "Issue 10 (S25): a hung token endpoint is given up on after MCP_OAUTH_HTTP_TIMEOUT_MS, else settings.httpTimeoutMs, in a real process",
    SLOW,
    async () => {
      const home = await signedInHome();
      await age(home, -1000);
      await new ConfigFile(home).updateSettings({ httpTimeoutMs: 400 });
      net.asFront.fail({ path: "/token", method: "POST", kind: "hang" });
      try {
        const r = await runCli(["token", "demo"], {
          home,
          env: { MCP_OAUTH_HTTP_TIMEOUT_MS: "500" },
        });
        assert.equal(r.code, 1, r.stderr);
        assert.match(
          r.stderr,
          /^mcp-oauth: Refreshing the token failed: No answer from \S+ within 0\.5 s; /,
        );
        const setting = await runCli(["token", "demo"], { home });
        assert.equal(setting.code, 1, setting.stderr);
        assert.match(setting.stderr, /No answer from \S+ within 0\.4 s; /);
      } finally {
        net.asFront.heal();
      }
      const bad = await runCli(["token", "demo"], {
        home,
        env: { MCP_OAUTH_HTTP_TIMEOUT_MS: "soon" },
      });
      assert.equal(bad.code, 2, bad.stderr);
      assert.match(
        bad.stderr,
        /^mcp-oauth: MCP_OAUTH_HTTP_TIMEOUT_MS must be a whole number of milliseconds/,
      );
    },
  );
});
