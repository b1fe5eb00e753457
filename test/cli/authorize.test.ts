/**
 * `authorize` when the sign-in does not complete: the person denies, nobody signs in before the
 * timeout, and `--browser none` with addresses pasted on stdin.
 *
 * @module
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  type AuthorizationServer,
  startAuthorizationServer,
} from "../fixtures/authorization-server.ts";
import { type McpTestServer, startMcpServer } from "../fixtures/mcp-server.ts";
import {
  type CliRecord,
  errorLines,
  PERSON_BROWSER,
  removeHome,
  runCli,
  runMain,
  startCli,
  storedRecords,
  storedToken,
  tempHome,
} from "./helpers.ts";
import { signIn } from "../helpers/person.ts";

const SLOW = { timeout: 30_000 };

describe("authorize fails cleanly and stores nothing", () => {
  let as: AuthorizationServer;
  let mcp: McpTestServer;
  let home: string;
  const transcript: CliRecord[] = [];

  /** The server is still unauthorized and no token was written. */
  async function assertNothingStored() {
    assert.equal(await storedToken(home), undefined, "no token stored");
    const keys = Object.keys(await storedRecords(home));
    assert.ok(keys.every((k) => !k.includes("/token/")), keys.join());
    const ls = await runCli(["ls", "--json"], { home });
    assert.equal(ls.code, 0, ls.stderr);
    const { servers } = JSON.parse(ls.stdout) as { servers: { status: string }[] };
    assert.equal(servers[0]?.status, "needs-authorization");
    assert.equal(as.counts.authorizationCode, 0, "no code was ever exchanged");
  }

  before(async () => {
    home = await tempHome();
    as = await startAuthorizationServer();
    mcp = await startMcpServer({ issuer: as.issuer, introspect: (t) => as.introspect(t) });
    as.allowResource(mcp.url);
    const add = await runCli(["add", "demo", mcp.url], { home });
    assert.equal(add.code, 0, add.stderr);
  }, SLOW);

  after(async () => {
    await mcp?.close();
    await as?.close();
    await removeHome(home);
  });

  it("the person denies consent: exit 1, one error line naming access_denied", SLOW, async () => {
    const r = await runCli(
      ["authorize", "demo", "--browser", PERSON_BROWSER, "--timeout", "60"],
      { home, env: { PERSON_ACTION: "deny" }, transcript },
    );
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, "");
    const { errors, lines } = errorLines(r.stderr);
    assert.equal(errors.length, 1, r.stderr);
    assert.equal(lines.at(-1), errors[0], "the error is the last line");
    assert.match(errors[0]!, /access_denied/);
    assert.equal(as.counts.registration, 1, "the client was registered before the redirect");
    await assertNothingStored();
  });

  it("nobody signs in: exit 1 after --timeout with one line naming the timeout", SLOW, async () => {
    const started = Date.now();
    // `true` exists and does nothing: a browser nobody uses.
    const r = await runCli(
      ["authorize", "demo", "--browser", "true", "--timeout", "2"],
      { home, transcript },
    );
    const elapsed = Date.now() - started;
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, "");
    const { errors, lines } = errorLines(r.stderr);
    assert.equal(errors.length, 1, r.stderr);
    assert.equal(lines.at(-1), errors[0]);
    assert.match(errors[0]!, /^mcp-oauth: No sign-in completed within 2 s; .*--timeout/);
    assert.ok(elapsed >= 2000 && elapsed < 15_000, `took ${elapsed} ms`);
    assert.equal(as.counts.registration, 1, "the registration was reused (same redirect port)");
    await assertNothingStored();
  });

  it(
    "S15: --browser none ignores pasted addresses that are not the redirect or carry an unknown state, then times out",
    SLOW,
    async () => {
      let redirectUri: (uri: string) => void;
      const redirect = new Promise<string>((resolve) => (redirectUri = resolve));
      const pasted: string[] = [];
      const r = await runMain(["authorize", "demo", "--browser", "none", "--timeout", "1"], {
        home,
        onErr: (t) => {
          const m = /\(it starts with (\S+)\):/.exec(t);
          if (m) redirectUri(m[1]!);
        },
        stdinLines: async function* () {
          const uri = await redirect;
          pasted.push("https://attacker.example/callback?code=c0de&state=s", "");
          yield pasted[0]!;
          yield ""; // blank lines are skipped
          const stray = `${uri}?code=c0de&state=not-the-state&iss=${encodeURIComponent(as.issuer)}`;
          pasted.push(stray);
          yield stray;
        },
      });
      assert.equal(r.code, 1, r.err.join("\n"));
      assert.deepEqual(r.out, []);
      const stderr = r.err.join("\n");
      assert.match(stderr, /Open this URL to sign in to demo:/);
      assert.match(stderr, /paste the address your browser was sent to/);
      assert.match(
        stderr,
        /That is not the redirect address \(it must start with http:\/\/127\.0\.0\.1:\d+\/callback\)/,
      );
      assert.match(
        stderr,
        /The callback's state is unknown, already used or expired; nothing was stored/,
      );
      assert.equal(pasted.length, 3, "every pasted line was read");
      const { errors } = errorLines(r.err);
      assert.equal(errors.length, 1, stderr);
      assert.match(
        errors[0]!,
        /No sign-in completed within 1 s/,
        "a stray state did not end the wait",
      );
      assert.ok(!stderr.includes("c0de"), "S26: the pasted code is never echoed");
      await assertNothingStored();
    },
  );

  it(
    "--browser none: a pasted redirect with the real state and an AS error ends the sign-in (exit 1)",
    SLOW,
    async () => {
      let authUrl: (url: URL) => void;
      const printed = new Promise<URL>((resolve) => (authUrl = resolve));
      let redirectUri: (uri: string) => void;
      const redirect = new Promise<string>((resolve) => (redirectUri = resolve));
      const r = await runMain(["authorize", "demo", "--browser", "none", "--timeout", "20"], {
        home,
        onErr: (t) => {
          const url = /^Open this URL to sign in to demo:\n\n {2}(\S+)/.exec(t)?.[1];
          if (url) authUrl(new URL(url));
          const m = /\(it starts with (\S+)\):/.exec(t);
          if (m) redirectUri(m[1]!);
        },
        stdinLines: async function* () {
          const state = (await printed).searchParams.get("state")!;
          const back = new URL(await redirect);
          back.search = new URLSearchParams({
            error: "access_denied",
            error_description: "End-User aborted interaction",
            state,
            iss: as.issuer,
          }).toString();
          yield `  ${back.href}  `; // surrounding blanks are trimmed
        },
      });
      const stderr = r.err.join("\n");
      assert.equal(r.code, 1, stderr);
      assert.deepEqual(r.out, []);
      const { errors } = errorLines(r.err);
      assert.equal(errors.length, 1, stderr);
      assert.match(
        errors[0]!,
        /refused the sign-in: access_denied \(End-User aborted interaction\)/,
      );
      assert.doesNotMatch(errors[0]!, /within \d+ s/, "it did not wait for the timeout");
      await assertNothingStored();
    },
  );

  it(
    "--browser none as a subprocess: reads the pasted redirect from its real stdin",
    SLOW,
    async () => {
      const cli = startCli(["authorize", "demo", "--browser", "none", "--timeout", "20"], { home });
      const [, url] = await cli.waitForStderr(/^Open this URL to sign in to demo:\n\n {2}(\S+)\n/);
      const [, redirectUri] = await cli.waitForStderr(/\(it starts with (\S+)\):/);
      cli.writeLine("not the address");
      await cli.waitForStderr(/That is not the redirect address/);
      const back = new URL(redirectUri!);
      back.search = new URLSearchParams({
        error: "access_denied",
        state: new URL(url!).searchParams.get("state")!,
        iss: as.issuer,
      }).toString();
      cli.writeLine(back.href);
      const r = await cli.done;
      transcript.push({ args: ["authorize", "demo", "--browser", "none"], ...r });
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout, "");
      const { errors, lines } = errorLines(r.stderr);
      assert.equal(errors.length, 1, r.stderr);
      assert.equal(lines.at(-1), errors[0]);
      assert.match(errors[0]!, /refused the sign-in: access_denied/);
      await assertNothingStored();
    },
  );

  it("S26: no output of the failed sign-ins shows a secret or a stack trace", () => {
    assert.equal(transcript.length, 3);
    for (const rec of transcript) {
      assert.doesNotMatch(rec.stderr, /\n\s+at /, "no stack trace");
      assert.doesNotMatch(rec.stderr, /code_verifier|client_secret/);
    }
  });

  it("--browser none: pasting the real redirect address completes the sign-in", SLOW, async () => {
    const cli = startCli(["authorize", "demo", "--browser", "none", "--timeout", "20"], { home });
    const [, url] = await cli.waitForStderr(/^Open this URL to sign in to demo:\n\n {2}(\S+)\n/);
    await cli.waitForStderr(/paste the address/);
    // The person signs in elsewhere and copies the address the browser could not open.
    const { callbackUrl, callbackStatus } = await signIn(url!, { stopAtCallback: true });
    assert.equal(callbackStatus, 0, "the callback was not loaded");
    cli.writeLine(`  ${callbackUrl}  `);
    const r = await cli.done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Authorized demo at /);
    assert.equal(as.counts.authorizationCode, 1);
    assert.ok(await storedToken(home), "the token is stored");
  });
});
