/**
 * Which client the CLI signs in with, end to end against oidc-provider: Dynamic Client
 * Registration with each token endpoint auth method (S10), pre-registered confidential and public
 * clients (S9), and a registration the AS no longer accepts (S11).
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  browserOpens,
  configServers,
  errorLines,
  PERSON_BROWSER,
  readHomeFile,
  removeHome,
  runCli,
  sleep,
  storedClient,
  storedRecords,
  storedTokenRecord,
  tempHome,
  useServers,
} from "./helpers.ts";

const SLOW = { timeout: 30_000 };

for (const method of ["none", "client_secret_basic", "client_secret_post"] as const) {
  describe(`S10: DCR on an AS that supports only ${method}`, () => {
    const s = useServers({ tokenEndpointAuthMethods: [method] });

    it(`S10: authorize registers a native ${method} client and signs in`, SLOW, async () => {
      const r = await s.cli(["authorize", "demo", "--browser", PERSON_BROWSER, "--timeout", "20"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Authorized demo at /);
      assert.equal(s.as.counts.registration, 1);
      assert.equal((await browserOpens(s.personLog, 1)).length, 1);

      const client = await storedClient(s.home);
      assert.ok(client, "the registration is stored");
      assert.equal(client.source, "dcr");
      assert.equal(client.issuer, s.as.issuer);
      assert.equal(client.token_endpoint_auth_method, method);
      assert.equal(typeof client.client_secret, method === "none" ? "undefined" : "string");
      // What the AS registered: the method mcp-oauth asked for, a native loopback client.
      const registered = await s.as.provider.Client.find(client.client_id);
      assert.equal(registered.clientAuthMethod, method);
      assert.equal(registered.applicationType, "native");
      assert.ok(registered.grantTypes.includes("refresh_token"), registered.grantTypes.join());
      assert.deepEqual(registered.responseTypes, ["code"]);
      assert.deepEqual(registered.redirectUris, client.redirect_uris);

      const token = await storedTokenRecord(s.home);
      assert.equal(token?.client_id, client.client_id);
      assert.equal(token?.auth_method, method);
      assert.ok(token?.refresh_token, "a refresh token");
    });

    it("tools works with the token", async () => {
      const r = await s.cli(["tools", "demo", "--browser", PERSON_BROWSER]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^echo\s/m);
      assert.equal(r.stderr, "");
      assert.equal((await browserOpens(s.personLog)).length, 1, "no new sign-in");
    });

    it(`S10 S20: refresh authenticates as registered (${method}) and rotates the token`, async () => {
      const before = await storedTokenRecord(s.home);
      const r = await s.cli(["refresh", "demo"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Refreshed demo/);
      assert.equal(s.as.counts.refresh, 1);
      const after = await storedTokenRecord(s.home);
      assert.notEqual(after?.access_token, before?.access_token);
      const again = await s.cli(["call", "demo", "echo", "--args", '{"text":"refreshed"}']);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout, "refreshed\n");
    });
  });
}

describe("S9: pre-registered clients on an AS without DCR", () => {
  const SECRET = "s3cret";
  const s = useServers(
    {
      registration: false,
      clients: [
        {
          client_id: "static-conf",
          client_secret: SECRET,
          token_endpoint_auth_method: "client_secret_basic",
          redirect_uris: ["http://127.0.0.1/callback"],
          application_type: "native",
          grant_types: ["authorization_code", "refresh_token"],
        },
        {
          client_id: "static-public",
          token_endpoint_auth_method: "none",
          redirect_uris: ["http://127.0.0.1/callback"],
          application_type: "native",
          grant_types: ["authorization_code", "refresh_token"],
        },
      ],
    },
    {},
    { add: false },
  );

  it(
    "S9: without a client id the sign-in stops with a clear error asking for one",
    SLOW,
    async () => {
      const add = await s.cli(["add", "nodcr", s.mcp.url]);
      assert.equal(add.code, 0, add.stderr);
      const r = await s.cli(["authorize", "nodcr", "--browser", PERSON_BROWSER, "--timeout", "20"]);
      assert.equal(r.code, 1, r.stderr);
      const { errors } = errorLines(r.stderr);
      assert.equal(errors.length, 1, r.stderr);
      assert.match(errors[0]!, /no dynamic client registration/);
      assert.match(errors[0]!, /--client-id/);
      assert.equal((await browserOpens(s.personLog)).length, 0, "no browser opened");
      const rm = await s.cli(["remove", "nodcr"]);
      assert.equal(rm.code, 0, rm.stderr);
    },
  );

  it("add s <url> --client-id static-conf --client-secret keeps the secret out of config.json", async () => {
    const r = await s.cli([
      "add",
      "s",
      s.mcp.url,
      "--client-id",
      "static-conf",
      "--client-secret",
      SECRET,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Added s \(/);
    assert.equal((await configServers(s.home)).s?.clientId, "static-conf");
    assert.ok(!(await readHomeFile(s.home, "config.json"))!.includes(SECRET));
  });

  it(
    "S9: authorize s uses the pre-registered confidential client: no registration",
    SLOW,
    async () => {
      const r = await s.cli(["authorize", "s", "--browser", PERSON_BROWSER, "--timeout", "20"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Authorized s at /);
      assert.equal(s.as.counts.registration, 0, "no dynamic registration");
      assert.equal(s.as.counts.authorizationCode, 1);
      const opens = await browserOpens(s.personLog, 1);
      assert.equal(opens.length, 1);
      assert.equal(
        new URL(opens[0]!.authorizationUrl).searchParams.get("client_id"),
        "static-conf",
      );
      assert.equal(await storedClient(s.home), undefined, "no DCR record");
      const token = await storedTokenRecord(s.home);
      assert.equal(token?.client_id, "static-conf");
      assert.equal(token?.client_source, "static");
      assert.equal(token?.auth_method, "client_secret_basic");
    },
  );

  it("S9 S20: refresh s authenticates with the stored secret", async () => {
    const r = await s.cli(["refresh", "s"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(s.as.counts.refresh, 1);
    const t = await s.cli(["tools", "s"]);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /^add\s/m);
  });

  it("S26: the client secret lives only in the credential store, never in config.json or output", async () => {
    const records = await storedRecords(s.home);
    const withSecret = Object.entries(records).filter(([, v]) =>
      JSON.stringify(v).includes(SECRET)
    );
    assert.equal(withSecret.length, 1, Object.keys(records).join());
    assert.match(withSecret[0]![0], /\/\.mcp-oauth\/static-client$/);
    assert.ok(!(await readHomeFile(s.home, "config.json"))!.includes(SECRET));
    const opens = await browserOpens(s.personLog);
    assert.ok(opens.every((o) => !JSON.stringify(o).includes(SECRET)), "not in any URL");
    assert.ok(s.transcript.length >= 6);
    for (const rec of s.transcript) {
      assert.ok(!rec.stdout.includes(SECRET), `"${rec.args[0]}" printed the secret`);
      assert.ok(!rec.stderr.includes(SECRET), `"${rec.args[0]}" printed the secret`);
    }
  });

  it(
    "S9: authorize --client-id static-public signs in with a pre-registered public client",
    SLOW,
    async () => {
      const home = await tempHome();
      try {
        const add = await runCli(["add", "p", s.mcp.url], { home });
        assert.equal(add.code, 0, add.stderr);
        const r = await runCli(
          [
            "authorize",
            "p",
            "--client-id",
            "static-public",
            "--browser",
            PERSON_BROWSER,
            "--timeout",
            "20",
          ],
          { home },
        );
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^Authorized p at /);
        assert.equal(s.as.counts.registration, 0, "still no dynamic registration");
        const token = await storedTokenRecord(home);
        assert.equal(token?.client_id, "static-public");
        assert.equal(token?.auth_method, "none");
        assert.ok(token?.refresh_token);
        const refreshes = s.as.counts.refresh;
        const refreshed = await runCli(["refresh", "p"], { home });
        assert.equal(refreshed.code, 0, refreshed.stderr);
        assert.equal(s.as.counts.refresh, refreshes + 1);
        const tools = await runCli(["tools", "p"], { home });
        assert.equal(tools.code, 0, tools.stderr);
        assert.match(tools.stdout, /^whoami\s/m);
      } finally {
        await removeHome(home);
      }
    },
  );
});

for (const method of ["client_secret_basic", "client_secret_post"] as const) {
  describe(`S11: the AS rejects a stored ${method} registration (invalid_client)`, () => {
    const s = useServers({ tokenEndpointAuthMethods: [method], accessTokenTTL: 2 });

    /** Give the stored registration a new secret at the AS, so the stored one is wrong. */
    async function rotate(): Promise<string> {
      const client = await storedClient(s.home);
      assert.ok(client?.client_secret, "a confidential registration is stored");
      await s.as.rotateSecret(client.client_id);
      return client.client_id;
    }

    /**
     * Start over from a working registration and token, whatever an earlier test left: forget
     * everything locally, then sign in (a new registration).
     */
    async function freshSignIn(): Promise<void> {
      await s.cli(["revoke", "demo", "--forget-client"]);
      const registrations = s.as.counts.registration;
      const opens = (await browserOpens(s.personLog)).length;
      const r = await s.cli(["authorize", "demo", "--browser", PERSON_BROWSER, "--timeout", "20"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(s.as.counts.registration, registrations + 1, "a new registration");
      assert.equal((await browserOpens(s.personLog, opens + 1)).length, opens + 1);
      assert.equal((await storedClient(s.home))?.token_endpoint_auth_method, method);
    }

    it(`a first sign-in registers a ${method} client`, SLOW, freshSignIn);

    it(
      "S11: authorize with a rejected client says so, registers anew and signs in again (2 browser opens)",
      SLOW,
      async () => {
        const registrations = s.as.counts.registration;
        const opens = (await browserOpens(s.personLog)).length;
        const old = await rotate();
        const r = await s.cli([
          "authorize",
          "demo",
          "--browser",
          PERSON_BROWSER,
          "--timeout",
          "20",
        ]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^Authorized demo at /);
        assert.match(r.stderr, /rejected the registered client \(invalid_client\)/);
        assert.match(r.stderr, /Signing in again/);
        assert.equal(errorLines(r.stderr).errors.length, 0, r.stderr);
        assert.equal(
          (await browserOpens(s.personLog, opens + 2)).length,
          opens + 2,
          "two browser opens",
        );
        assert.equal(s.as.counts.registration, registrations + 1, "one new registration");
        const client = await storedClient(s.home);
        assert.ok(client && client.client_id !== old, "the new registration is stored");
        assert.equal((await storedTokenRecord(s.home))?.client_id, client.client_id);
        const tools = await s.cli(["tools", "demo"]);
        assert.equal(tools.code, 0, tools.stderr);
      },
    );

    it("S11 S21: refresh with a rotated secret exits 3 and forgets the registration", async () => {
      await freshSignIn();
      await rotate();
      const r = await s.cli(["refresh", "demo"]);
      assert.equal(r.code, 3, r.stderr);
      assert.equal(r.stdout, "");
      const { errors } = errorLines(r.stderr);
      assert.equal(errors.length, 1, r.stderr);
      assert.match(errors[0]!, /re-authorization needed/);
      assert.equal(await storedClient(s.home), undefined, "the registration is gone");
      assert.equal(await storedTokenRecord(s.home), undefined, "the dead token is gone");
    });

    it(
      "S11 S21: token after expiry with a rotated secret exits 3 and forgets the registration",
      SLOW,
      async () => {
        await freshSignIn();
        const t = await storedTokenRecord(s.home);
        assert.ok(t?.expires_at);
        await rotate();
        await sleep(Math.max(0, t.expires_at - Date.now() + 200));
        const r = await s.cli(["token", "demo"]);
        assert.equal(r.code, 3, r.stderr);
        assert.equal(r.stdout, "");
        const { errors } = errorLines(r.stderr);
        assert.equal(errors.length, 1, r.stderr);
        assert.match(errors[0]!, /re-authorization needed/);
        assert.equal(await storedClient(s.home), undefined, "the registration is gone");
        assert.equal(await storedTokenRecord(s.home), undefined);
      },
    );
  });
}
