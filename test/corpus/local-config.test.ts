/**
 * Bad-input corpus, config.json (issue 10): corrupt JSON, the wrong shape and wrong types,
 * unknown settings, a folder where the file (or the home) should be, modes 0644, 0666 and 0000,
 * and two processes adding servers at once. Each bad file is put into a home where a server is
 * signed in; `ls`, `token` and `add` must each fail with the same one line and exit code, and
 * leave every file under the home as it was (a config mcp-oauth cannot read is never
 * overwritten).
 *
 * @module
 */
import assert from "node:assert/strict";
import { chmod, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { removeHome, runCli, runMain } from "../cli/helpers.ts";
import { assertFailure, homeTree, IS_ROOT, re, SEEDED, signedInHome } from "./local-helpers.ts";

/** A command of each kind: read only, read the store, write the config. */
const COMMANDS = [
  ["ls"],
  ["token", SEEDED.name],
  ["add", "new", "https://new.example/mcp"],
];

const SERVER = { url: SEEDED.url, issuer: SEEDED.issuer, scopes: ["mcp:read"] };
const withServer = (extra: Record<string, unknown>) =>
  JSON.stringify({ version: 1, servers: { [SEEDED.name]: { ...SERVER, ...extra } } });
const withSettings = (settings: unknown) =>
  JSON.stringify({ version: 1, settings, servers: { [SEEDED.name]: SERVER } });

const NOT_JSON = (path: string) =>
  `${path} is not valid JSON; mcp-oauth will not overwrite it. Repair it or move it away, then retry.`;
const NOT_CONFIG = (path: string) =>
  `${path} is not an mcp-oauth config file; repair it or move it away, then retry.`;
const BAD_FIELD = (path: string, field: string, want: string) =>
  `${path}: server "${SEEDED.name}" has a "${field}" that is not ${want}; repair or remove it, then retry.`;
const BAD_SETTING = (path: string, field: string, want: string) =>
  `${path}: "${field}" in "settings" must be ${want}; repair it, then retry.`;

/** [what, the file's bytes, the error line for the config's path]. */
const BAD_FILES: [string, string, (path: string) => string][] = [
  ["truncated JSON", '{"version": 1, "servers": {', NOT_JSON],
  ["an empty file", "", NOT_JSON],
  ["a list nested 100,000 deep", `${"[".repeat(100_000)}${"]".repeat(100_000)}`, NOT_CONFIG],
  ["null", "null", NOT_CONFIG],
  ["a list", "[]", NOT_CONFIG],
  ["no servers", '{"version": 1}', NOT_CONFIG],
  ["servers as a list", '{"version": 1, "servers": []}', NOT_CONFIG],
  ["servers null", '{"version": 1, "servers": null}', NOT_CONFIG],
  [
    "a server that is a string",
    JSON.stringify({ version: 1, servers: { [SEEDED.name]: SEEDED.url } }),
    (p) => `${p}: server "${SEEDED.name}" has no url; repair or remove it, then retry.`,
  ],
  [
    "a numeric url",
    withServer({ url: 5 }),
    (p) => `${p}: server "${SEEDED.name}" has no url; repair or remove it, then retry.`,
  ],
  [
    "scopes as a string",
    withServer({ scopes: "mcp:read" }),
    (p) => BAD_FIELD(p, "scopes", "a list of strings"),
  ],
  [
    "scopes with a number",
    withServer({ scopes: ["a", 1] }),
    (p) => BAD_FIELD(p, "scopes", "a list of strings"),
  ],
  ["a numeric clientId", withServer({ clientId: 42 }), (p) => BAD_FIELD(p, "clientId", "a string")],
  [
    "an issuer object",
    withServer({ issuer: { url: "x" } }),
    (p) => BAD_FIELD(p, "issuer", "a string"),
  ],
  [
    'resource "no"',
    withServer({ resource: "no" }),
    (p) => BAD_FIELD(p, "resource", "true or false"),
  ],
  ['compat "podman"', withServer({ compat: "podman" }), (p) => BAD_FIELD(p, "compat", '"docker"')],
  [
    "settings as a list",
    withSettings([]),
    (p) => `${p}: "settings" must be an object; repair it, then retry.`,
  ],
  [
    "a numeric store",
    withSettings({ store: 5 }),
    (p) => BAD_SETTING(p, "store", 'one of "file", "docker" or "helper:NAME" (e.g. "helper:pass")'),
  ],
  [
    "an unknown store",
    withSettings({ store: "keychain" }),
    (p) => BAD_SETTING(p, "store", 'one of "file", "docker" or "helper:NAME" (e.g. "helper:pass")'),
  ],
  ['compat "nope"', withSettings({ compat: "nope" }), (p) => BAD_SETTING(p, "compat", '"docker"')],
  [
    "helperTimeoutMs as a string",
    withSettings({ helperTimeoutMs: "5s" }),
    (p) => BAD_SETTING(p, "helperTimeoutMs", "a whole number of milliseconds from 100 to 600000"),
  ],
  [
    "helperTimeoutMs of 0",
    withSettings({ helperTimeoutMs: 0 }),
    (p) => BAD_SETTING(p, "helperTimeoutMs", "a whole number of milliseconds from 100 to 600000"),
  ],
  [
    "helperMaxSecretBytes as a list",
    withSettings({ helperMaxSecretBytes: [2560] }),
    (p) =>
      BAD_SETTING(
        p,
        "helperMaxSecretBytes",
        'an object of byte counts per helper, e.g. {"wincred": 2560}',
      ),
  ],
  [
    "httpTimeoutMs as a string",
    withSettings({ httpTimeoutMs: "fast" }),
    (p) => BAD_SETTING(p, "httpTimeoutMs", "a whole number of milliseconds from 100 to 600000"),
  ],
  [
    "allowedHosts as a string",
    withSettings({ allowedHosts: "auth.example.com" }),
    (p) => BAD_SETTING(p, "allowedHosts", 'a list of host names, e.g. ["auth.example.com"]'),
  ],
];

describe("corpus: bad config.json (issue 10)", () => {
  const homes: string[] = [];
  after(async () => {
    for (const home of homes) {
      await chmod(join(home, "config.json"), 0o600).catch(() => {});
      await removeHome(home);
    }
  });

  /** A signed-in home whose config.json is then replaced by `bytes` (mode 0600). */
  async function homeWith(bytes: string | undefined): Promise<{ home: string; path: string }> {
    const home = await signedInHome();
    homes.push(home);
    const path = join(home, "config.json");
    if (bytes !== undefined) await writeFile(path, bytes, { mode: 0o600 });
    return { home, path };
  }

  for (const [what, bytes, message] of BAD_FILES) {
    it(`${what}: ls, token and add each exit 1 with one line; every file unchanged`, async () => {
      const { home, path } = await homeWith(bytes);
      const before_ = await homeTree(home);
      for (const argv of COMMANDS) {
        const r = await runMain(argv, { home });
        assertFailure(r, 1, message(path));
        assert.deepEqual(await homeTree(home), before_, argv.join(" "));
      }
    });
  }

  it("as a subprocess, the same lines and exit codes (bun or deno, whichever runs the tests)", async () => {
    const picked = ["truncated JSON", "servers as a list", "a numeric store", "scopes as a string"];
    for (const [what, bytes, message] of BAD_FILES.filter(([w]) => picked.includes(w))) {
      const { home, path } = await homeWith(bytes);
      const before_ = await homeTree(home);
      const results = await Promise.all(COMMANDS.map((argv) => runCli(argv, { home })));
      for (const r of results) assertFailure(r, 1, message(path));
      assert.deepEqual(await homeTree(home), before_, what);
    }
  });

  it("an unknown setting (a typo of store): one warning naming it, and the command works", async () => {
    const { home, path } = await homeWith(withSettings({ stroe: "helper:pass" }));
    const before_ = await homeTree(home);
    const r = await runMain(["token", SEEDED.name], { home });
    assert.equal(r.code, 0, r.err.join("\n"));
    assert.deepEqual(r.out, [SEEDED.accessToken], "the file store is still used");
    assert.deepEqual(r.err, [
      `warning: ${path}: unknown setting "stroe" is ignored (known: store, compat, helperMaxSecretBytes, helperTimeoutMs, httpTimeoutMs, allowedHosts).`,
    ]);
    assert.deepEqual(await homeTree(home), before_);
  });

  it("$MCP_OAUTH_STORE naming no store: exit 2 naming the variable, not --store", async () => {
    const { home } = await homeWith(undefined);
    const before_ = await homeTree(home);
    const r = await runMain(["ls"], { home, env: { MCP_OAUTH_STORE: "keychain" } });
    assertFailure(
      r,
      2,
      'unknown $MCP_OAUTH_STORE "keychain"; use file, helper:NAME (e.g. helper:pass) or docker; see "mcp-oauth help ls".',
    );
    assert.deepEqual(await homeTree(home), before_);
  });

  it("a folder named config.json: exit 1 saying it is a folder; nothing changed", async () => {
    const { home, path } = await homeWith(undefined);
    await rm(path);
    await mkdir(path, { mode: 0o700 });
    await writeFile(join(path, "keep"), "x");
    const before_ = await homeTree(home);
    for (const argv of COMMANDS) {
      const r = await runMain(argv, { home });
      assertFailure(r, 1, `${path} is a folder, not a file; move it away, then retry.`);
    }
    assert.deepEqual(await homeTree(home), before_);
  });

  it("--home naming a file: exit 1 saying the home is not a folder; the file untouched", async () => {
    const { home } = await homeWith(undefined);
    const file = join(home, "credentials.json");
    const before_ = await homeTree(home);
    for (const argv of COMMANDS) {
      const r = await runMain(["--home", file, ...argv], { home });
      assertFailure(
        r,
        1,
        `The mcp-oauth home ${file} is not a folder; give --home (or $MCP_OAUTH_HOME) a folder, or move that file away.`,
      );
    }
    assert.deepEqual(await homeTree(home), before_);
  });

  it("a byte-order mark before the JSON (Windows editors): read as the JSON it is, left as it is", async () => {
    const { home, path } = await homeWith(undefined);
    await writeFile(path, `\ufeff${await readFile(path, "utf8")}`, { mode: 0o600 });
    const before_ = await homeTree(home);
    const r = await runMain(["token", SEEDED.name], { home });
    assert.equal(r.code, 0, r.err.join("\n"));
    assert.deepEqual([r.out, r.err], [[SEEDED.accessToken], []]);
    assert.deepEqual(await homeTree(home), before_);
  });

  it("mode 0644 (readable by others, no secret in it): accepted silently, left as it is", async () => {
    const { home, path } = await homeWith(undefined);
    await chmod(path, 0o644);
    const before_ = await homeTree(home);
    const r = await runMain(["token", SEEDED.name], { home });
    assert.equal(r.code, 0, r.err.join("\n"));
    assert.deepEqual([r.out, r.err], [[SEEDED.accessToken], []]);
    assert.equal((await stat(path)).mode & 0o777, 0o644);
    assert.deepEqual(await homeTree(home), before_);
  });

  it("mode 0666 (others could steer where tokens go): made 0600 with one warning, contents kept", async () => {
    const { home, path } = await homeWith(undefined);
    await chmod(path, 0o666);
    const before_ = await homeTree(home);
    const r = await runMain(["token", SEEDED.name], { home });
    assert.equal(r.code, 0, r.err.join("\n"));
    assert.deepEqual(r.out, [SEEDED.accessToken]);
    assert.deepEqual(r.err, [
      `warning: ${path} was writable by other users (mode 0666); mcp-oauth made it 0600.`,
    ]);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.deepEqual(await homeTree(home), before_, "the bytes are unchanged");
    const again = await runMain(["token", SEEDED.name], { home });
    assert.deepEqual(again.err, [], "reported once");
  });

  it(`mode 0000: ${IS_ROOT ? "root reads it anyway, and nothing changes" : "exit 1 naming the permission"}`, async () => {
    const { home, path } = await homeWith(undefined);
    const before_ = await homeTree(home);
    await chmod(path, 0o000);
    try {
      const results = [];
      for (const argv of COMMANDS.slice(0, 2)) results.push(await runMain(argv, { home }));
      if (IS_ROOT) {
        // Permission bits do not stop root (CI containers): the file is read as usual.
        assert.deepEqual(results.map((r) => r.code), [0, 0], JSON.stringify(results));
        assert.deepEqual(results[1]!.out, [SEEDED.accessToken]);
      } else {
        for (const r of results) {
          assertFailure(
            r,
            1,
            new RegExp(
              `^mcp-oauth: Cannot read ${re(path)} \\(EACCES.*\\); check its permissions\\.$`,
            ),
          );
        }
      }
      assert.equal((await stat(path)).mode & 0o777, 0o000, "the mode is left as it was");
    } finally {
      await chmod(path, 0o600);
    }
    assert.deepEqual(await homeTree(home), before_);
  });
});

describe("corpus: config.json written by processes at once (issue 10)", () => {
  let home: string;
  before(async () => {
    home = await signedInHome();
  });
  after(() => removeHome(home));

  it("four `add` processes at once: every server is there, the file parses, the token survives", async () => {
    const names = ["alpha", "beta", "gamma", "delta"];
    const results = await Promise.all(
      names.map((n) => runCli(["add", n, `https://${n}.example/mcp`], { home })),
    );
    for (const [i, r] of results.entries()) {
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        r.stdout,
        `Added ${names[i]} (https://${names[i]}.example/mcp). Next: mcp-oauth authorize ${
          names[i]
        }\n`,
      );
    }
    const config = JSON.parse(await readFile(join(home, "config.json"), "utf8")) as {
      servers: Record<string, { url: string }>;
    };
    assert.deepEqual(Object.keys(config.servers).sort(), [...names, SEEDED.name].sort());
    for (const n of names) assert.equal(config.servers[n]!.url, `https://${n}.example/mcp`);
    const token = await runMain(["token", SEEDED.name], { home });
    assert.deepEqual(token.out, [SEEDED.accessToken]);
  });

  it("two `add` of the same name with different URLs at once: one wins whole, the file parses", async () => {
    const urls = ["https://one.example/mcp", "https://two.example/mcp"];
    const results = await Promise.all(urls.map((u) => runCli(["add", "same", u], { home })));
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      results.map((r) => /^(Added|Updated) same /.exec(r.stdout)?.[1]).sort(),
      ["Added", "Updated"],
      "one added it, the other replaced it",
    );
    const config = JSON.parse(await readFile(join(home, "config.json"), "utf8")) as {
      servers: Record<string, { url: string }>;
    };
    assert.ok(urls.includes(config.servers.same!.url), config.servers.same!.url);
    assert.equal(Object.keys(config.servers).length, 6);
  });
});
