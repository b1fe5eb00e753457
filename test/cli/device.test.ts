/**
 * `authorize --device`: the device authorization grant (RFC 8628). The CLI shows the
 * verification URL and the code on stderr and opens `--browser` with verification_uri_complete;
 * the scripted person approves or denies on the device page.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  browserOpens,
  errorLines,
  PERSON_BROWSER,
  storedTokenRecord,
  useServers,
} from "./helpers.ts";

const SLOW = { timeout: 30_000 };

describe("RFC 8628: authorize --device", () => {
  const s = useServers({ deviceFlow: true });

  it(
    "the person denies on the device page: exit 1 with one clear line, nothing stored",
    SLOW,
    async () => {
      const r = await s.cli(
        ["authorize", "demo", "--device", "--browser", PERSON_BROWSER, "--timeout", "25"],
        { PERSON_ACTION: "deny" },
      );
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout, "");
      const { errors, lines } = errorLines(r.stderr);
      assert.equal(errors.length, 1, r.stderr);
      assert.equal(lines.at(-1), errors[0]);
      assert.match(errors[0]!, /denied/);
      assert.match(r.stderr, /enter the code [A-Z0-9-]{4,}/);
      assert.equal((await browserOpens(s.personLog, 1)).length, 1);
      assert.equal(s.as.counts.deviceCode, 0);
      assert.equal(await storedTokenRecord(s.home), undefined, "no token stored");
    },
  );

  it(
    "the person approves: exit 0, the code on stderr, the browser opened with it",
    SLOW,
    async () => {
      const r = await s.cli([
        "authorize",
        "demo",
        "--device",
        "--browser",
        PERSON_BROWSER,
        "--timeout",
        "25",
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^Authorized demo at ${s.as.issuer}`));
      const shown = /open (\S+) on any device and enter the code (\S+)/.exec(r.stderr);
      assert.ok(shown, r.stderr);
      const [, verificationUri, userCode] = shown;
      assert.equal(verificationUri, `${s.as.issuer}/device`);
      assert.equal(errorLines(r.stderr).errors.length, 0, r.stderr);

      const opens = await browserOpens(s.personLog, 2);
      assert.equal(opens.length, 2, "one more browser open");
      const opened = new URL(opens[1]!.authorizationUrl);
      assert.equal(opened.origin + opened.pathname, verificationUri, "verification_uri_complete");
      assert.equal(opened.searchParams.get("user_code"), userCode);
      assert.ok(r.stderr.includes(`(or open ${opened.href})`), r.stderr);

      assert.equal(s.as.counts.deviceCode, 1, "tokens from the device grant");
      assert.equal(s.as.counts.authorizationCode, 0, "no authorization code flow");
      const t = await storedTokenRecord(s.home);
      assert.ok(t?.access_token && t.refresh_token, "tokens stored");
    },
  );

  it("RFC 8628 S19: tools works with the device grant's token", async () => {
    const r = await s.cli(["tools", "demo", "--browser", PERSON_BROWSER]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^echo\s/m);
    assert.equal(r.stderr, "");
    assert.equal((await browserOpens(s.personLog)).length, 2, "no new sign-in");
  });

  it("--device with --port is a usage error (exit 2)", async () => {
    const r = await s.cli(["authorize", "demo", "--device", "--port", "8765"]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(errorLines(r.stderr).errors.length, 1, r.stderr);
  });
});

describe("RFC 8628: authorize --device at an AS without the device grant", () => {
  const s = useServers({ deviceFlow: false });

  it("exits 1 with one line saying so, and opens no browser", SLOW, async () => {
    const r = await s.cli([
      "authorize",
      "demo",
      "--device",
      "--browser",
      PERSON_BROWSER,
      "--timeout",
      "10",
    ]);
    assert.equal(r.code, 1, r.stderr);
    const { errors } = errorLines(r.stderr);
    assert.equal(errors.length, 1, r.stderr);
    assert.match(errors[0]!, /device authorization grant/);
    assert.equal((await browserOpens(s.personLog)).length, 0);
  });
});
