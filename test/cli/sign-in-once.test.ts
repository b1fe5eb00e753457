/**
 * One sign-in per server across processes: a second `authorize` (or `tools`) for a server whose
 * sign-in is already waiting in another process waits for that sign-in's tokens instead of
 * opening another browser tab.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PERSON_SCRIPT } from "../helpers/person.ts";
import { browserOpens, errorLines, storedTokenRecord, useServers } from "./helpers.ts";

const SLOW = { timeout: 30_000 };

/** A browser that takes 1.5 s to start: the CLI splits it into words (no shell), %s is the URL. */
const SLOW_BROWSER = `bash -c "sleep 1.5; exec node ${PERSON_SCRIPT} '%s'"`;

describe("concurrent sign-ins to one server", () => {
  const s = useServers();

  it(
    "two authorize processes at once: one browser open, both exit 0, one waited for the other",
    SLOW,
    async () => {
      const args = ["authorize", "demo", "--browser", SLOW_BROWSER, "--timeout", "25"];
      const [a, b] = await Promise.all([s.cli(args), s.cli(args)]);
      for (const r of [a, b]) {
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^Authorized demo at /);
        assert.equal(errorLines(r.stderr).errors.length, 0, r.stderr);
      }
      const waited = [a, b].filter((r) => /Another mcp-oauth process/.test(r.stderr));
      assert.equal(waited.length, 1, `${a.stderr}\n---\n${b.stderr}`);
      const signedIn = waited[0] === a ? b : a;
      assert.match(
        waited[0]!.stderr,
        new RegExp(
          `Another mcp-oauth process \\(pid ${signedIn.pid}\\) is already signing in to demo`,
        ),
      );
      assert.match(signedIn.stderr, /^Open this URL to sign in to demo:/m);
      assert.doesNotMatch(waited[0]!.stderr, /^Open this URL/m, "the waiting one opened nothing");

      const opens = await browserOpens(s.personLog, 1);
      assert.equal(opens.length, 1, "exactly one browser open");
      assert.equal(opens[0]!.callbackStatus, 200);
      assert.equal(s.as.counts.authorizationCode, 1, "one code exchange");
      assert.equal(s.as.counts.registration, 1, "one registration");
      assert.ok(await storedTokenRecord(s.home));
    },
  );

  it("authorize and tools at once: one browser open, tools lists the tools", SLOW, async () => {
    const revoke = await s.cli(["revoke", "demo"]);
    assert.equal(revoke.code, 0, revoke.stderr);
    const before = (await browserOpens(s.personLog)).length;
    const [auth, tools] = await Promise.all([
      s.cli(["authorize", "demo", "--browser", SLOW_BROWSER, "--timeout", "25"]),
      s.cli(["tools", "demo", "--browser", SLOW_BROWSER, "--timeout", "25"]),
    ]);
    assert.equal(auth.code, 0, auth.stderr);
    assert.match(auth.stdout, /^Authorized demo at /);
    assert.equal(tools.code, 0, tools.stderr);
    assert.match(tools.stdout, /^echo\s/m);
    const waited = [auth, tools].filter((r) => /Another mcp-oauth process/.test(r.stderr));
    assert.equal(waited.length, 1, `${auth.stderr}\n---\n${tools.stderr}`);
    assert.equal((await browserOpens(s.personLog, before + 1)).length, before + 1);
    assert.equal(s.as.counts.authorizationCode, 2);
  });
});
