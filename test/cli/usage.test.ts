/**
 * The CLI contract without a network: usage errors (exit 2), failures (exit 1), "sign in again"
 * (exit 3), help and version, one-line error messages, and failed commands leaving the config
 * and credential files untouched. Runs `main()` in-process.
 *
 * @module
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  type MainResult,
  readHomeFile,
  removeHome,
  runMain,
  snapshotHome,
  storedRecords,
  tempHome,
} from "./helpers.ts";

/** Exactly one stderr line, "mcp-oauth: …", and nothing on stdout. */
function assertOneLineError(r: MainResult, pattern?: RegExp): string {
  assert.deepEqual(r.out, [], "nothing on stdout");
  assert.equal(r.err.length, 1, `one stderr write: ${JSON.stringify(r.err)}`);
  const line = r.err[0]!;
  assert.ok(!line.includes("\n"), `one line: ${JSON.stringify(line)}`);
  assert.match(line, /^mcp-oauth: \S/);
  if (pattern) assert.match(line, pattern);
  return line;
}

describe("usage errors exit 2 with one line", () => {
  let home: string;
  const run = (...argv: string[]) => runMain(argv, { home });

  before(async () => {
    home = await tempHome();
  });
  after(() => removeHome(home));

  it("no arguments: exit 2 and the general help", async () => {
    const r = await run();
    assert.equal(r.code, 2);
    assert.match(r.out.join("\n"), /^Usage: mcp-oauth <command> \[options\]$/m);
    assert.match(
      r.out.join("\n"),
      /Exit codes: 0 ok, 1 failure, 2 usage error, 3 re-authorization needed/,
    );
  });

  it("an unknown command: exit 2 naming it", async () => {
    const r = await run("frobnicate", "x");
    assert.equal(r.code, 2);
    assertOneLineError(r, /Unknown command "frobnicate"/);
  });

  it("help for an unknown command: exit 2 naming it", async () => {
    const r = await run("help", "frobnicate");
    assert.equal(r.code, 2);
    assertOneLineError(r, /Unknown command "frobnicate"/);
  });

  it("an unknown option: exit 2 naming the option and the command", async () => {
    const r = await run("ls", "--bogus");
    assert.equal(r.code, 2);
    assertOneLineError(r, /unknown option --bogus for "ls"; see "mcp-oauth help ls"/);
    const t = await run("token", "demo", "--jsn");
    assert.equal(t.code, 2);
    assertOneLineError(t, /unknown option --jsn for "token"/);
  });

  it("an option without its value, and a flag given a value: exit 2 naming the option", async () => {
    const r = await run("authorize", "demo", "--timeout");
    assert.equal(r.code, 2);
    assertOneLineError(r, /option --timeout needs a value/);
    const j = await run("ls", "--json=yes");
    assert.equal(j.code, 2);
    assertOneLineError(j, /option --json takes no value/);
  });

  it("too few and too many positionals: exit 2", async () => {
    const none = await run("add");
    assert.equal(none.code, 2);
    assertOneLineError(none, /"add" needs a name \(and a URL unless the name is in the catalog\)/);
    const few = await run("add", "demo");
    assert.equal(few.code, 2);
    assertOneLineError(few, /"demo" is not in the built-in catalog; give the server's URL too/);
    const many = await run("token", "a", "b");
    assert.equal(many.code, 2);
    assertOneLineError(many, /unexpected argument "b" for "token"/);
  });

  it("authorize: a bad --timeout, --port or --redirect-uri is exit 2 naming the value", async () => {
    const t = await run("authorize", "demo", "--timeout", "0");
    assert.equal(t.code, 2);
    assertOneLineError(t, /--timeout must be a whole number from 1 to 86400, not "0"/);
    const p = await run("authorize", "demo", "--port", "99999");
    assert.equal(p.code, 2);
    assertOneLineError(p, /--port must be a whole number from 1 to 65535, not "99999"/);
    const u = await run("authorize", "demo", "--redirect-uri", "ftp://example.com/cb");
    assert.equal(u.code, 2);
    assertOneLineError(u, /--redirect-uri has the scheme "ftp:"/);
    const h = await run("authorize", "demo", "--redirect-uri", "http://relay.example.com/cb");
    assert.equal(h.code, 2, "a plain-http relay off loopback needs --insecure-http");
    assertOneLineError(
      h,
      /--redirect-uri http:\/\/relay\.example\.com\/cb uses plain http on a non-loopback host/,
    );
  });

  it("serve on a non-loopback host needs --allow-remote (exit 2 naming the host)", async () => {
    const r = await run("serve", "--host", "0.0.0.0", "--port", "0");
    assert.equal(r.code, 2);
    assertOneLineError(r, /--host 0\.0\.0\.0 is not a loopback address; add --allow-remote/);
  });

  it("revoke with neither a server nor --all, or with both: exit 2", async () => {
    const none = await run("revoke");
    assert.equal(none.code, 2);
    assertOneLineError(none, /give either a server or --all/);
    const both = await run("revoke", "demo", "--all");
    assert.equal(both.code, 2);
    assertOneLineError(both, /give either a server or --all/);
  });

  it("an unknown --store, or a helper name that is not a name: exit 2 naming it", async () => {
    const r = await run("ls", "--store", "keychain");
    assert.equal(r.code, 2);
    assertOneLineError(r, /unknown --store "keychain"; use file, helper:NAME/);
    const bad = await run("ls", "--store", "helper:../../bin/sh");
    assert.equal(bad.code, 2);
    assertOneLineError(bad, /"\.\.\/\.\.\/bin\/sh" is not a credential helper name/);
  });

  it("help token: exit 0, the synopsis and an example", async () => {
    const r = await run("help", "token");
    assert.equal(r.code, 0);
    assert.deepEqual(r.err, []);
    const text = r.out.join("\n");
    assert.match(text, /^mcp-oauth token <name\|url> \[--json\]\n/);
    assert.match(
      text,
      /Examples:\n {2}curl -H "Authorization: Bearer \$\(mcp-oauth token notion\)"/,
    );
    const h = await run("token", "--help");
    assert.equal(h.code, 0);
    assert.equal(h.out.join("\n"), text, "token --help is the same text");
  });

  it("help alone and --version: exit 0", async () => {
    const h = await run("help");
    assert.equal(h.code, 0);
    for (
      const c of ["add", "remove", "ls", "discover", "authorize", "token", "refresh", "revoke"]
    ) {
      assert.match(h.out.join("\n"), new RegExp(`^ {2}${c} +\\S`, "m"), c);
    }
    const v = await run("--version");
    assert.equal(v.code, 0);
    assert.deepEqual(v.err, []);
    assert.match(v.out.join("\n"), /^mcp-oauth \d+\.\d+\.\d+ \((bun|deno) \S+\)$/);
  });
});

describe("add validates the name and URL", () => {
  let home: string;
  const run = (...argv: string[]) => runMain(argv, { home });

  before(async () => {
    home = await tempHome();
  });
  after(() => removeHome(home));

  it("a bad name: exit 2 naming it", async () => {
    const r = await run("add", "bad name!", "https://mcp.example.com/mcp");
    assert.equal(r.code, 2);
    assertOneLineError(r, /"bad name!" is not a valid name/);
    const long = await run("add", "x".repeat(65), "https://mcp.example.com/mcp");
    assert.equal(long.code, 2);
    assertOneLineError(long, /is not a valid name/);
  });

  it("S18: a non-http(s) URL (ftp://x): exit 2 naming the scheme", async () => {
    const r = await run("add", "demo", "ftp://x");
    assert.equal(r.code, 2);
    assertOneLineError(r, /Server URL has the scheme "ftp:" \(ftp:\/\/x\/?\)/);
  });

  it("not a URL: exit 2 naming the value", async () => {
    const r = await run("add", "demo", "not-a-url");
    assert.equal(r.code, 2);
    assertOneLineError(r, /Server URL is not a valid URL: "not-a-url"/);
  });

  it("S24: plain http to a non-loopback host: exit 2 unless --insecure-http", async () => {
    const r = await run("add", "demo", "http://example.com/mcp");
    assert.equal(r.code, 2);
    assertOneLineError(r, /http:\/\/example\.com\/mcp uses plain http on a non-loopback host/);
    assert.equal(await readHomeFile(home, "config.json"), undefined, "nothing written");

    const ok = await run("add", "demo", "http://example.com/mcp", "--insecure-http");
    assert.equal(ok.code, 0, ok.err.join("\n"));
    assert.match(ok.out.join("\n"), /^Added demo \(http:\/\/example\.com\/mcp\)/);
    const loopback = await run("add", "local", "http://127.0.0.1:9/mcp");
    assert.equal(loopback.code, 0, "http on loopback needs no option");
  });

  it("--client-secret without --client-id: exit 2, and the secret is not echoed", async () => {
    const r = await run(
      "add",
      "gh",
      "https://mcp.example.com/mcp",
      "--client-secret",
      "s3cr3t-xyz",
    );
    assert.equal(r.code, 2);
    const line = assertOneLineError(r, /--client-secret needs --client-id/);
    assert.ok(!line.includes("s3cr3t-xyz"));
  });

  it("S26: a client secret goes to the credential store, never the config or any output", async () => {
    const r = await run(
      "add",
      "gh",
      "https://mcp.example.com/mcp",
      "--client-id",
      "cid-1",
      "--client-secret",
      "s3cr3t-xyz",
    );
    assert.equal(r.code, 0, r.err.join("\n"));
    assert.ok(!r.out.join("\n").includes("s3cr3t-xyz"));
    const config = await readHomeFile(home, "config.json");
    assert.ok(config?.includes("cid-1"), "the client id is configured");
    assert.ok(!config?.includes("s3cr3t-xyz"), "the secret is not in the config");
    const records = Object.values(await storedRecords(home)) as { client_secret?: string }[];
    assert.ok(records.some((c) => c.client_secret === "s3cr3t-xyz"), "the secret is stored");
    const ls = await run("ls", "--json");
    assert.equal(ls.code, 0);
    assert.ok(!ls.out.join("\n").includes("s3cr3t-xyz"));
  });
});

describe("token, refresh, remove and discover without a usable server", () => {
  let home: string;
  const run = (...argv: string[]) => runMain(argv, { home });

  before(async () => {
    home = await tempHome();
    const r = await run("add", "demo", "https://mcp.example.com/mcp");
    assert.equal(r.code, 0, r.err.join("\n"));
  });
  after(() => removeHome(home));

  it("token of an unknown name: exit 1 naming it", async () => {
    const r = await run("token", "unknown-name");
    assert.equal(r.code, 1);
    assertOneLineError(r, /No server named "unknown-name"/);
  });

  it("S21: token of a configured but never authorized server: exit 3, saying it is not signed in yet", async () => {
    const r = await run("token", "demo");
    assert.equal(r.code, 3);
    assertOneLineError(r, /demo is not signed in yet; run "mcp-oauth authorize demo" to sign in\./);
  });

  it("S21: the server's URL finds the configured server: exit 3 too", async () => {
    const r = await run("token", "https://mcp.example.com/mcp/");
    assert.equal(r.code, 3);
    assertOneLineError(r, /is not signed in yet/);
  });

  it("refresh and token --json of a never authorized server: exit 3, not signed in yet", async () => {
    const r = await run("refresh", "demo");
    assert.equal(r.code, 3);
    assertOneLineError(r, /demo is not signed in yet/);
    const j = await run("token", "demo", "--json");
    assert.equal(j.code, 3);
    assertOneLineError(j, /demo is not signed in yet/);
  });

  it("remove and discover of an unknown name: exit 1 naming it", async () => {
    const r = await run("remove", "nope");
    assert.equal(r.code, 1);
    assertOneLineError(r, /No server named "nope"/);
    const d = await run("discover", "nope");
    assert.equal(d.code, 1);
    assertOneLineError(d, /No server named "nope"/);
  });

  it("discover of an unreachable server: exit 1 naming the URL, no S7 fallback", async () => {
    const d = await run("discover", "http://127.0.0.1:9/mcp");
    assert.equal(d.code, 1);
    assertOneLineError(d, /Could not reach http:\/\/127\.0\.0\.1:9\/mcp \(.+\); check the URL/);
  });

  it("global options may come before the command", async () => {
    const other = await tempHome();
    try {
      const a = await runMain(["--home", other, "add", "early", "https://mcp.example.com/mcp"], {
        home,
      });
      assert.equal(a.code, 0, a.err.join("\n"));
      const ls = await runMain([`--home=${other}`, "--insecure-http", "ls", "--json"], { home });
      assert.deepEqual(JSON.parse(ls.out.join("")).servers.map((s: { name: string }) => s.name), [
        "early",
      ]);
      const missing = await runMain(["--home"], { home });
      assert.equal(missing.code, 2);
      assertOneLineError(missing, /option --home needs a value/);
    } finally {
      await removeHome(other);
    }
  });

  it("revoke of a never authorized server: exit 0, nothing to revoke", async () => {
    const r = await run("revoke", "demo");
    assert.equal(r.code, 0, r.err.join("\n"));
    assert.deepEqual(r.out, ["demo: no tokens stored."]);
  });
});

describe("a failed command never changes the config or the credentials", () => {
  let home: string;
  let before_: Record<string, string>;
  const run = (...argv: string[]) => runMain(argv, { home });

  before(async () => {
    home = await tempHome();
    for (
      const argv of [
        [
          "add",
          "demo",
          "https://mcp.example.com/mcp",
          "--client-id",
          "cid",
          "--client-secret",
          "s",
        ],
        ["add", "local", "http://127.0.0.1:9/mcp", "--scopes", "mcp:read"],
      ]
    ) {
      const r = await run(...argv);
      assert.equal(r.code, 0, r.err.join("\n"));
    }
    before_ = await snapshotHome(home);
  });
  after(() => removeHome(home));

  const failures: [number, string[]][] = [
    [2, ["add", "bad name!", "https://mcp.example.com/x"]],
    [2, ["add", "demo", "ftp://x"]],
    [2, ["add", "demo", "not-a-url"]],
    [2, ["add", "demo", "http://example.com/mcp"]],
    [2, ["add", "demo", "https://other.example.com/mcp", "--client-secret", "x"]],
    [2, [
      "add",
      "local",
      "https://other.example.com/mcp",
      "--client-id",
      "c",
      "--client-metadata-url",
      "http://example.com/cimd",
    ]],
    [2, ["add", "demo", "https://other.example.com/mcp", "--bogus"]],
    [2, ["add", "demo", "https://other.example.com/mcp", "--store", "bogus"]],
    [1, ["remove", "nope"]],
    [2, ["remove"]],
    [2, ["revoke"]],
    [2, ["revoke", "demo", "--all"]],
    [1, ["token", "nope"]],
    [3, ["token", "demo"]],
    [3, ["refresh", "local"]],
    [2, ["authorize", "demo", "--timeout", "0"]],
    [2, ["authorize", "demo", "--redirect-uri", "ftp://example.com/cb"]],
    [2, ["authorize", "demo", "--redirect-uri", "http://relay.example.com/cb"]],
    [1, ["authorize", "nope"]],
    // Nothing listens on 127.0.0.1:9: the sign-in fails before anything is registered.
    [1, ["authorize", "local", "--browser", "none", "--timeout", "5"]],
    [2, ["ls", "extra"]],
  ];

  for (const [code, argv] of failures) {
    it(`exit ${code}: mcp-oauth ${argv.join(" ")} leaves every file as it was`, async () => {
      const r = await run(...argv);
      assert.equal(r.code, code, r.err.join("\n"));
      assertOneLineError(r);
      assert.deepEqual(await snapshotHome(home), before_);
    });
  }

  it("the files exist and hold both servers (the comparison above is not vacuous)", async () => {
    assert.deepEqual(Object.keys(before_).sort(), ["config.json", "credentials.json"]);
    const ls = await run("ls", "--json");
    const { servers } = JSON.parse(ls.out.join("\n")) as { servers: { name: string }[] };
    assert.deepEqual(servers.map((s) => s.name).sort(), ["demo", "local"]);
  });
});
