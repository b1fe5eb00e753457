/**
 * S7: servers written for MCP 2025-03-26, without protected resource metadata: the MCP server's
 * origin is the authorization server, found through its metadata or, without metadata, at the
 * default endpoints `/authorize`, `/token`, `/register`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type LegacyServer, startLegacyServer } from "../fixtures/legacy-server.ts";
import {
  browserOpens,
  type CliResult,
  PERSON_BROWSER,
  removeHome,
  runCli,
  storedTokenRecord,
  tempHome,
} from "./helpers.ts";

const SLOW = { timeout: 30_000 };

for (const metadata of [true, false]) {
  describe(`S7: a 2025-03-26 server ${metadata ? "with" : "without"} AS metadata`, () => {
    let server: LegacyServer;
    let home: string;
    let personLog: string;
    const cli = (...args: string[]): Promise<CliResult> =>
      runCli(args, { home, env: { PERSON_LOG: personLog } });

    before(async () => {
      home = await tempHome();
      personLog = `${home}-person.jsonl`;
      server = await startLegacyServer({ metadata });
      const add = await cli("add", "legacy", server.mcpUrl);
      assert.equal(add.code, 0, add.stderr);
    }, SLOW);

    after(async () => {
      await server?.close();
      await removeHome(home);
      await removeHome(personLog);
    });

    it(
      `S7: discover --json shows legacy: true and ${
        metadata ? "the endpoints of the metadata" : "the default endpoints"
      }`,
      async () => {
        const r = await cli("discover", "legacy", "--json");
        assert.equal(r.code, 0, r.stderr);
        const d = JSON.parse(r.stdout) as {
          legacy: boolean;
          prmUrl: string | null;
          issuer: string;
          asMetadataUrl: string | null;
          endpoints: { authorization: string; token: string; registration: string | null };
          pkce: boolean;
        };
        assert.equal(d.legacy, true);
        assert.equal(d.prmUrl, null, "no protected resource metadata");
        assert.equal(d.issuer, server.issuer, "the MCP server's origin is the AS");
        const o = server.url;
        if (metadata) {
          assert.equal(d.asMetadataUrl, `${o}/.well-known/oauth-authorization-server`);
          assert.deepEqual(
            [d.endpoints.authorization, d.endpoints.token, d.endpoints.registration],
            [`${o}/auth`, `${o}/token`, `${o}/reg`],
          );
        } else {
          assert.equal(d.asMetadataUrl, null);
          assert.deepEqual(
            [d.endpoints.authorization, d.endpoints.token, d.endpoints.registration],
            [`${o}/authorize`, `${o}/token`, `${o}/register`],
          );
        }
        assert.equal(d.pkce, true);
      },
    );

    it("S7: authorize signs in at the origin's authorization server", SLOW, async () => {
      const r = await cli("authorize", "legacy", "--browser", PERSON_BROWSER, "--timeout", "20");
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^Authorized legacy at ${server.issuer}[ ;.]`));
      assert.equal(server.counts.registration, 1);
      assert.equal(server.counts.authorizationCode, 1);
      const opens = await browserOpens(personLog, 1);
      assert.equal(opens.length, 1);
      const auth = new URL(opens[0]!.authorizationUrl);
      assert.equal(auth.origin + auth.pathname, `${server.url}/${metadata ? "auth" : "authorize"}`);
      assert.equal(opens[0]!.callbackStatus, 200);
      assert.ok(await storedTokenRecord(home), "the token is stored");
    });

    it("S7 S19: tools and call work with the token", async () => {
      const tools = await cli("tools", "legacy", "--browser", PERSON_BROWSER);
      assert.equal(tools.code, 0, tools.stderr);
      assert.match(tools.stdout, /^echo\s/m);
      assert.equal(tools.stderr, "");
      const call = await cli("call", "legacy", "echo", "--args", '{"text":"legacy"}');
      assert.equal(call.code, 0, call.stderr);
      assert.equal(call.stdout, "legacy\n");
      assert.equal((await browserOpens(personLog)).length, 1, "no new sign-in");
    });
  });
}
