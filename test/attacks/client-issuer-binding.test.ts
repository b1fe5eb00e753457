/**
 * Attack (issue 15, item 3): a server's metadata names another authorization server (it moved,
 * or an attacker controls the metadata) and the next sign-in would send the pre-registered
 * client's id and secret there. A client belongs to the issuer it was first used with: the
 * sign-in stops with one line and the new AS sees neither; a registered client is never reused
 * at a new AS either (mcp-oauth registers there).
 *
 * @module
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type HostileServer, startHostileServer } from "../fixtures/hostile-server.ts";
import { removeHome, runMain, tempHome } from "../cli/helpers.ts";
import { recordSecret } from "../helpers/secret-ledger.ts";
import {
  json,
  lastForm,
  registered,
  runAuthorize,
  signedInHome,
  snapshotTree,
  theError,
} from "../corpus/network-harness.ts";

let s: HostileServer;
before(async () => {
  s = await startHostileServer();
});
after(() => s.close());

describe("attack: clients are bound to the authorization server they belong to", () => {
  let b: HostileServer;
  before(async () => {
    b = await startHostileServer();
  });
  after(() => b.close());
  const moveToB = () =>
    s.set({ prm: json({ ...s.good.prm(), authorization_servers: [b.origin] }) });

  it("a pre-registered client's id and secret are never sent to the AS a server moves to", async () => {
    s.reset();
    b.reset();
    const home = await tempHome();
    recordSecret("client_secret", "pre-secret");
    try {
      const args = ["--client-id", "pre-client", "--client-secret", "pre-secret"];
      assert.equal((await runMain(["add", "demo", s.mcpUrl, ...args], { home })).code, 0);
      const first = await runAuthorize(home, s.origin);
      assert.equal(first.code, 0, first.err.join("\n"));
      assert.equal(
        s.hits("/token").at(-1)?.headers.authorization,
        `Basic ${btoa("pre-client:pre-secret")}`,
      );

      moveToB();
      const before = await snapshotTree(home);
      const moved = await runMain(["authorize", "demo", "--browser", "none"], { home });
      assert.equal(moved.code, 1);
      assert.equal(
        theError(moved),
        `demo now names ${b.origin} as its authorization server, but its pre-registered client pre-client belongs to ${s.origin}; its credentials were not sent to the new one; if the client is registered there too, sign in with --client-id (and its secret) again; otherwise "mcp-oauth remove demo" and add it anew.`,
      );
      assert.deepEqual(await snapshotTree(home), before, "nothing changed");
      const seenByB = b.log.map((r) => `${r.path} ${JSON.stringify(r.headers)} ${r.body}`).join(
        "\n",
      );
      assert.doesNotMatch(seenByB, /pre-client|pre-secret|cHJlLWNsaWVudDpwcmUtc2VjcmV0/);
      assert.equal(b.hits("/token").length + b.hits("/register").length, 0);

      // The person names the client for the new AS: it is used there, and bound to it.
      const chosen = await runAuthorize(home, b.origin, undefined, ["--client-id", "b-client"]);
      assert.equal(chosen.code, 0, chosen.err.join("\n"));
      assert.equal(lastForm(b, "/token").get("client_id"), "b-client");
    } finally {
      s.reset();
      await removeHome(home);
    }
  });

  it("a registered client is not sent to the new AS: mcp-oauth registers there", async () => {
    s.reset();
    b.reset();
    const seeded = await signedInHome(s, { client: false });
    s.set({ register: registered(s, { client_id: "client-at-a" }) });
    try {
      const first = await runAuthorize(seeded.home, s.origin);
      assert.equal(first.code, 0, first.err.join("\n"));
      assert.equal(lastForm(s, "/token").get("client_id"), "client-at-a");
      moveToB();
      const moved = await runAuthorize(seeded.home, b.origin);
      assert.equal(moved.code, 0, moved.err.join("\n"));
      assert.equal(b.hits("/register").length, 1, "registered at the new AS");
      assert.equal(lastForm(b, "/token").get("client_id"), "hostile-client");
      assert.doesNotMatch(b.log.map((r) => `${r.path} ${r.body}`).join("\n"), /client-at-a/);
    } finally {
      s.reset();
      await removeHome(seeded.home);
    }
  });
});
