/**
 * `tools` and `call`: using an MCP server through the CLI, which signs in first when needed,
 * steps up on 403 insufficient_scope (S22), refreshes an expired token mid-session (S20) and
 * gives up after three sign-ins that do not satisfy the server.
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
  sleep,
  storedTokenRecord,
  useServers,
} from "./helpers.ts";

const SLOW = { timeout: 30_000 };

describe("tools and call sign in on demand and step up", () => {
  const s = useServers({}, { toolScopes: { add: "mcp:write" } });

  it(
    "S9 S14 S19: tools with no token signs in (one browser open) and lists echo, whoami, add",
    SLOW,
    async () => {
      const r = await s.cli(["tools", "demo", "--browser", PERSON_BROWSER, "--timeout", "20"]);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trimEnd().split("\n");
      // Each tool on a line of its own, its parameters indented under it (issue 18, item 8).
      const names = lines.filter((l) => !l.startsWith(" ")).map((l) => l.split(/\s+/)[0]).sort();
      assert.deepEqual(names, ["add", "echo", "whoami"]);
      assert.match(r.stdout, /^echo\s+Echoes the text back\n\s+text\s+string\s+required$/m);
      assert.match(r.stderr, /^Signing in to demo: no valid token\.$/m);
      assert.match(r.stderr, /^Open this URL to sign in to demo:/m);
      assert.equal(errorLines(r.stderr).errors.length, 0, r.stderr);
      const opens = await browserOpens(s.personLog, 1);
      assert.equal(opens.length, 1, "one browser open");
      assert.equal(opens[0]!.callbackStatus, 200, "the callback answered the browser");
      const requested = new URL(opens[0]!.authorizationUrl).searchParams.get("scope");
      assert.deepEqual(requested?.split(" ").sort(), ["mcp:read", "mcp:write", "offline_access"]);
      assert.equal(s.as.counts.authorizationCode, 1);
      assert.equal(s.as.counts.registration, 1);
      const t = await storedTokenRecord(s.home);
      assert.ok(t, "the token is stored");
      assert.ok(t.refresh_token, "offline_access gave a refresh token");
      const granted = t.scope?.split(" ") ?? [];
      assert.ok(granted.includes("mcp:read") && granted.includes("mcp:write"), String(t.scope));
    },
  );

  it("tools --json prints {tools: [...]} as the server describes them, without a new sign-in", async () => {
    const r = await s.cli(["tools", "demo", "--json", "--browser", PERSON_BROWSER]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    const j = JSON.parse(r.stdout) as {
      tools: { name: string; description?: string; inputSchema: Record<string, unknown> }[];
    };
    assert.deepEqual(Object.keys(j), ["tools"]);
    assert.deepEqual(j.tools.map((t) => t.name).sort(), ["add", "echo", "whoami"]);
    const echo = j.tools.find((t) => t.name === "echo")!;
    assert.equal(echo.description, "Echoes the text back");
    assert.equal(echo.inputSchema.type, "object");
    assert.deepEqual(
      Object.keys(echo.inputSchema.properties as Record<string, unknown>),
      ["text"],
    );
    const add = j.tools.find((t) => t.name === "add")!;
    assert.deepEqual(
      Object.keys(add.inputSchema.properties as Record<string, unknown>).sort(),
      ["a", "b"],
    );
    assert.equal((await browserOpens(s.personLog)).length, 1, "no new browser open");
    assert.equal(s.as.counts.authorizationCode, 1);
  });

  it("S19: call demo echo --args prints the tool's text", async () => {
    const r = await s.cli(["call", "demo", "echo", "--args", '{"text":"hi"}']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "hi\n");
    assert.equal(r.stderr, "");
  });

  it(
    "S14: authorize --scopes mcp:read signs in again with just that scope and remembers it",
    SLOW,
    async () => {
      const r = await s.cli([
        "authorize",
        "demo",
        "--scopes",
        "mcp:read",
        "--browser",
        PERSON_BROWSER,
        "--timeout",
        "20",
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Authorized demo at /);
      assert.equal((await browserOpens(s.personLog, 2)).length, 2);
      const t = await storedTokenRecord(s.home);
      const scopes = t?.scope?.split(" ") ?? [];
      assert.ok(scopes.includes("mcp:read"), String(t?.scope));
      assert.ok(!scopes.includes("mcp:write"), String(t?.scope));
      assert.deepEqual((await configServers(s.home)).demo?.scopes, ["mcp:read"]);
    },
  );

  it(
    "S22: call demo add with only mcp:read steps up (one more browser open) and prints 5 as JSON",
    SLOW,
    async () => {
      const codes = s.as.counts.authorizationCode;
      const r = await s.cli([
        "call",
        "demo",
        "add",
        "--args",
        '{"a":2,"b":3}',
        "--json",
        "--browser",
        PERSON_BROWSER,
        "--timeout",
        "20",
      ]);
      assert.equal(r.code, 0, r.stderr);
      const result = JSON.parse(r.stdout) as {
        content: { type: string; text: string }[];
        isError?: boolean;
      };
      assert.deepEqual(result.content, [{ type: "text", text: "5" }]);
      assert.notEqual(result.isError, true);
      assert.match(
        r.stderr,
        /^Signing in to demo: the server needs the scopes "[^"]*mcp:write[^"]*"\.$/m,
      );
      assert.equal(errorLines(r.stderr).errors.length, 0, r.stderr);
      const opens = await browserOpens(s.personLog, 3);
      assert.equal(opens.length, 3, "exactly one more browser open");
      assert.deepEqual(
        new URL(opens[2]!.authorizationUrl).searchParams.get("scope")?.split(" ").sort(),
        ["mcp:read", "mcp:write", "offline_access"],
        "the union of the held and the challenged scopes",
      );
      assert.equal(s.as.counts.authorizationCode, codes + 1);
      const scopes = (await storedTokenRecord(s.home))?.scope?.split(" ") ?? [];
      assert.ok(scopes.includes("mcp:read") && scopes.includes("mcp:write"), scopes.join(" "));
      assert.deepEqual(
        (await configServers(s.home)).demo?.scopes,
        ["mcp:read"],
        "step-up scopes are not remembered as the user's",
      );
    },
  );

  it("the stepped-up token is reused: call demo add again opens no browser", async () => {
    const r = await s.cli([
      "call",
      "demo",
      "add",
      "--args",
      '{"a":40,"b":2}',
      "--browser",
      PERSON_BROWSER,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "42\n");
    assert.equal(r.stderr, "");
    assert.equal((await browserOpens(s.personLog)).length, 3);
  });

  for (
    const [what, value] of [
      ["not JSON", "{text: hi}"],
      ["an array", '["hi"]'],
      ["a string", '"hi"'],
      ["null", "null"],
    ] as const
  ) {
    it(`call --args that is ${what} is a usage error (exit 2, one line, nothing contacted)`, async () => {
      const requests = s.mcp.requests;
      const r = await s.cli(["call", "demo", "echo", "--args", value, "--browser", PERSON_BROWSER]);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, "");
      const { errors, lines } = errorLines(r.stderr);
      assert.equal(errors.length, 1, r.stderr);
      assert.equal(lines.length, 1, r.stderr);
      assert.match(errors[0]!, /--args/);
      assert.match(errors[0]!, /mcp-oauth help call/);
      assert.equal(s.mcp.requests, requests, "the server was not contacted");
    });
  }

  it("call of a tool that does not exist exits 1 with one error line naming it", async () => {
    const r = await s.cli(["call", "demo", "no-such-tool", "--browser", PERSON_BROWSER]);
    assert.equal(r.code, 1, r.stderr);
    const { errors } = errorLines(r.stderr);
    assert.equal(errors.length, 1, r.stderr);
    assert.match(errors[0]!, /no-such-tool/);
    // The tool list says it is missing (issue 18, item 8): that line, not the server's text.
    assert.match(errors[0]!, /^mcp-oauth: demo has no tool "no-such-tool"; /);
    assert.equal(r.stdout, "");
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    assert.equal((await browserOpens(s.personLog)).length, 3, "no sign-in for a missing tool");
  });

  it("tools and call with no server name are usage errors (exit 2)", async () => {
    for (const args of [["tools"], ["call", "demo"], ["tools", "demo", "extra"]]) {
      const r = await s.cli(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.equal(errorLines(r.stderr).errors.length, 1, r.stderr);
    }
  });

  it("S26: no output of tools or call contains a token", async () => {
    const t = await storedTokenRecord(s.home);
    assert.ok(t?.access_token && t.refresh_token);
    for (const rec of s.transcript) {
      for (const text of [rec.stdout, rec.stderr]) {
        assert.ok(!text.includes(t.access_token), `"${rec.args.join(" ")}" printed the token`);
        assert.ok(!text.includes(t.refresh_token), `"${rec.args.join(" ")}" printed the token`);
      }
    }
  });
});

describe("S20 mid-session: an expired token is refreshed, not signed in again", () => {
  const s = useServers({ accessTokenTTL: 2 }, {});

  it(
    "S20: call after expiry refreshes once (counts.refresh +1) and opens no browser",
    SLOW,
    async () => {
      const signed = await s.cli(["tools", "demo", "--browser", PERSON_BROWSER, "--timeout", "20"]);
      assert.equal(signed.code, 0, signed.stderr);
      assert.equal((await browserOpens(s.personLog, 1)).length, 1);
      const first = await storedTokenRecord(s.home);
      assert.ok(first?.expires_at && first.refresh_token, "a token with expiry and refresh token");
      await sleep(Math.max(0, first.expires_at - Date.now() + 300));
      const refreshes = s.as.counts.refresh;

      const r = await s.cli([
        "call",
        "demo",
        "echo",
        "--args",
        '{"text":"after expiry"}',
        "--browser",
        PERSON_BROWSER,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "after expiry\n");
      assert.equal(r.stderr, "", "no sign-in message");
      assert.equal(s.as.counts.refresh, refreshes + 1, "exactly one refresh");
      assert.equal(s.as.counts.authorizationCode, 1, "no new sign-in");
      assert.equal((await browserOpens(s.personLog)).length, 1, "no browser open");
      const now = await storedTokenRecord(s.home);
      assert.notEqual(now?.access_token, first.access_token);
      assert.notEqual(now?.refresh_token, first.refresh_token, "the refresh token rotated");
    },
  );
});

describe("S22: a server that step-up never satisfies", () => {
  const s = useServers({}, { alwaysForbidden: "mcp:read mcp:admin" });

  it(
    "S22: tools exits 1 with one line saying 'after 3 sign-ins', after exactly 3 browser opens",
    SLOW,
    async () => {
      const r = await s.cli(["tools", "demo", "--browser", PERSON_BROWSER, "--timeout", "20"]);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout, "");
      const { errors, lines } = errorLines(r.stderr);
      assert.equal(errors.length, 1, r.stderr);
      assert.equal(lines.at(-1), errors[0], "the error is the last line");
      assert.match(errors[0]!, /after 3 sign-ins/);
      assert.match(errors[0]!, /insufficient_scope/);
      assert.equal((await browserOpens(s.personLog, 3)).length, 3, "exactly 3 browser opens");
      assert.equal(s.as.counts.authorizationCode, 3);
      assert.equal(s.as.counts.registration, 1, "one registration for all three sign-ins");
    },
  );
});
