/**
 * Bad-input corpus, credential-helper output (issue 10): `token`, `ls` and `add` with
 * `--store helper:…` against fake docker-credential helpers (test/fixtures/fake-helpers) that
 * answer garbage, JSON of the wrong shape, another entry than the one asked for, huge output,
 * a failure with the message on stdout, every "credentials not found" wording, a hang, a crash
 * and a kill. Each case runs the CLI as a subprocess (helpers are spawned with its PATH) and
 * asserts the one error line, the exit code, and that neither the home nor the helpers' data
 * changed.
 *
 * @module
 */
import assert from "node:assert/strict";
import { cp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { tokenKey } from "../../src/core/records.ts";
import { MemoryStore } from "../../src/store/memory-store.ts";
import { type FakeHelpers, installFakeHelpers } from "../fixtures/fake-helpers/index.ts";
import { type CliResult, removeHome, runCli, tempHome } from "../cli/helpers.ts";
import { seedToken } from "../helpers/seed.ts";
import { assertFailure, homeTree } from "./local-helpers.ts";

const ISSUER = "https://as.example.com";
const SERVERS = {
  "server-0": "https://mcp0.example.com/mcp",
  "server-1": "https://mcp1.example.com/mcp",
} as const;
const TIMEOUT_MS = 800;
/** Output of the "huge" helper: 4 MiB. */
const HUGE = { FAKE_HELPER_BYTES: String(4 * 1024 * 1024) };
const CLIENT = ["--client-id", "cid", "--client-secret", "s3cr3t-value"];

const helper = (mode: string, action: string) =>
  `The credential helper docker-credential-fake-${mode} (${action})`;
const notAuthorized = (name: string) =>
  `No stored token for ${name}; run "mcp-oauth authorize ${name}" (re-authorization needed).`;
/** The line the CLI prints (`cli`), or the message `ls --json` carries (the CLI's words aside). */
const wrongEntry = (
  mode: string,
  asked: keyof typeof SERVERS,
  got: keyof typeof SERVERS,
  words: "cli" | "json" = "cli",
) =>
  `The credential store helper:fake-${mode} answered the token of ${
    SERVERS[got]
  } when asked for ${asked}'s (${
    SERVERS[asked]
  }); it was not used; check the store's entries, then ${
    words === "cli" ? `run "mcp-oauth authorize ${asked}"` : "sign in again"
  }.`;

/** [what, helper mode, argv before --store, helper env, exit code, error line]. */
type Case = [string, string, string[], Record<string, string>, number, string | RegExp];

const TOKEN = ["token", "server-0"];
const ADD = ["add", "new", "https://new.example/mcp", ...CLIENT];

const CASES: Case[] = [
  // Output that is not a credential.
  [
    "garbage (HTML) from get",
    "garbage",
    TOKEN,
    {},
    1,
    `${helper("garbage", "get")} returned output that is not valid JSON`,
  ],
  [
    "truncated JSON",
    "say",
    TOKEN,
    { FAKE_HELPER_STDOUT: '{"ServerURL":"x","Secr' },
    1,
    `${helper("say", "get")} returned output that is not valid JSON`,
  ],
  [
    "empty output with exit 0",
    "say",
    TOKEN,
    { FAKE_HELPER_STDOUT: "" },
    1,
    `${helper("say", "get")} returned output that is not valid JSON`,
  ],
  [
    "a JSON array",
    "say",
    TOKEN,
    { FAKE_HELPER_STDOUT: "[]" },
    1,
    `${
      helper("say", "get")
    } returned output that is not a credential ({ServerURL, Username, Secret})`,
  ],
  [
    "JSON null",
    "say",
    TOKEN,
    { FAKE_HELPER_STDOUT: "null" },
    1,
    `${
      helper("say", "get")
    } returned output that is not a credential ({ServerURL, Username, Secret})`,
  ],
  [
    "a JSON string",
    "say",
    TOKEN,
    { FAKE_HELPER_STDOUT: '"secret"' },
    1,
    `${
      helper("say", "get")
    } returned output that is not a credential ({ServerURL, Username, Secret})`,
  ],
  [
    "a numeric Secret",
    "say",
    TOKEN,
    { FAKE_HELPER_STDOUT: '{"ServerURL":"x","Username":"u","Secret":5}' },
    1,
    `${
      helper("say", "get")
    } returned output that is not a credential ({ServerURL, Username, Secret})`,
  ],
  [
    "a Secret that is not a token record",
    "say",
    TOKEN,
    { FAKE_HELPER_STDOUT: '{"ServerURL":"x","Username":"u","Secret":"{\\"v\\":2}"}' },
    1,
    `The stored token in helper:fake-say under ${
      tokenKey(ISSUER, SERVERS["server-0"])
    } is unreadable; remove it with "mcp-oauth revoke" and authorize again.`,
  ],
  [
    "100 kB of output",
    "say",
    TOKEN,
    { FAKE_HELPER_STDOUT: "y".repeat(100_000) },
    1,
    `${helper("say", "get")} returned output that is not valid JSON`,
  ],
  [
    "4 MiB of output",
    "huge",
    TOKEN,
    HUGE,
    1,
    `${helper("huge", "get")} returned output that is not valid JSON`,
  ],
  // Another entry than the one asked for.
  [
    "another server's entry for server-1",
    "wrong-url",
    ["token", "server-1"],
    {},
    1,
    wrongEntry("wrong-url", "server-1", "server-0"),
  ],
  [
    "another server's entry for server-0",
    "wrong-url",
    TOKEN,
    {},
    1,
    wrongEntry("wrong-url", "server-0", "server-1"),
  ],
  // Failures, with the message where real helpers put it.
  [
    "exit 1 with a two-line message and an escape sequence on stdout",
    "say",
    TOKEN,
    {
      FAKE_HELPER_STDOUT: "error: keychain exploded\nsecond line \u001b[31mred\n",
      FAKE_HELPER_EXIT: "1",
    },
    1,
    `${helper("say", "get")} failed (exit 1): error: keychain exploded second line  [31mred`,
  ],
  [
    "exit 1 with no message",
    "say",
    TOKEN,
    { FAKE_HELPER_EXIT: "1" },
    1,
    `${helper("say", "get")} failed (exit 1): no message`,
  ],
  [
    "exit 2 with the message on stderr",
    "say",
    TOKEN,
    { FAKE_HELPER_STDERR: "fatal: no keyring", FAKE_HELPER_EXIT: "2" },
    1,
    `${helper("say", "get")} failed (exit 2): fatal: no keyring`,
  ],
  [
    "a 10 kB failure message (capped)",
    "say",
    TOKEN,
    { FAKE_HELPER_STDOUT: "e".repeat(10_000), FAKE_HELPER_EXIT: "1" },
    1,
    `${helper("say", "get")} failed (exit 1): ${"e".repeat(159)}…`,
  ],
  [
    "pass not initialised",
    "pass-uninit",
    TOKEN,
    {},
    1,
    `${
      helper("pass-uninit", "get")
    } failed (exit 1): Error: password store is empty. Try "pass init".; initialise pass first: gpg --quick-gen-key "you@example.com", then pass init <that key id>`,
  ],
  [
    "a locked keychain",
    "locked",
    TOKEN,
    {},
    1,
    `${
      helper("locked", "get")
    } failed (exit 1): User interaction is not allowed.; unlock your keychain (log in to the desktop session), then retry`,
  ],
  [
    "a crash (a stack trace on stderr)",
    "crash",
    TOKEN,
    {},
    1,
    new RegExp(
      `^mcp-oauth: ${esc(helper("crash", "get"))} failed \\(exit 1\\): Error: fake: get crashed$`,
    ),
  ],
  [
    "killed by a signal",
    "killed",
    TOKEN,
    {},
    1,
    new RegExp(`^mcp-oauth: ${esc(helper("killed", "get"))} failed \\(exit \\d+\\): no message$`),
  ],
  [
    "a hang",
    "hang",
    TOKEN,
    {},
    1,
    `${helper("hang", "get")} did not answer within ${
      TIMEOUT_MS / 1000
    } s; check that it is not waiting for a password prompt (gpg-agent, keychain)`,
  ],
  [
    "a helper that is not installed",
    "not-installed",
    TOKEN,
    {},
    1,
    "The credential helper docker-credential-fake-not-installed (get) is not installed or not on PATH",
  ],
  // "Not found" in every wording: absent, so "sign in again" (exit 3).
  ["credentials not found (exit 1, stdout)", "notfound", TOKEN, {}, 3, notAuthorized("server-0")],
  [
    "osxkeychain's item could not be found",
    "osx-notfound",
    TOKEN,
    {},
    3,
    notAuthorized("server-0"),
  ],
  ["wincred's Element not found (stderr)", "win-notfound", TOKEN, {}, 3, notAuthorized("server-0")],
  ["pass 0.6.4's empty record with exit 0", "empty", TOKEN, {}, 3, notAuthorized("server-0")],
  [
    "pass's 'is not in the password store'",
    "say",
    TOKEN,
    { FAKE_HELPER_STDOUT: "Error: x is not in the password store.\n", FAKE_HELPER_EXIT: "1" },
    3,
    notAuthorized("server-0"),
  ],
  [
    "'credentials not found' but exit 0",
    "say",
    TOKEN,
    { FAKE_HELPER_STDOUT: "credentials not found in native keychain\n" },
    1,
    `${helper("say", "get")} returned output that is not valid JSON`,
  ],
  [
    "a wording mcp-oauth does not know",
    "say",
    TOKEN,
    { FAKE_HELPER_STDOUT: "no such credential\n", FAKE_HELPER_EXIT: "1" },
    1,
    `${helper("say", "get")} failed (exit 1): no such credential`,
  ],
  // ls: the list action.
  [
    "ls: list answers garbage",
    "say",
    ["ls"],
    { FAKE_HELPER_STDOUT: "garbage", FAKE_HELPER_ACTIONS: "list" },
    1,
    `${helper("say", "list")} returned output that is not valid JSON`,
  ],
  [
    "ls: list answers an array",
    "say",
    ["ls"],
    { FAKE_HELPER_STDOUT: "[1,2]", FAKE_HELPER_ACTIONS: "list" },
    1,
    `${helper("say", "list")} returned output that is not a JSON object`,
  ],
  [
    "ls: list answers 'not found'",
    "say",
    ["ls"],
    {
      FAKE_HELPER_STDOUT: "credentials not found in native keychain",
      FAKE_HELPER_EXIT: "1",
      FAKE_HELPER_ACTIONS: "list",
    },
    1,
    `${helper("say", "list")} failed (exit 1): credentials not found in native keychain`,
  ],
  [
    "ls: 4 MiB of output",
    "huge",
    ["ls"],
    HUGE,
    1,
    `${helper("huge", "list")} returned output that is not valid JSON`,
  ],
  [
    "ls: a hang",
    "hang",
    ["ls"],
    {},
    1,
    `${helper("hang", "list")} did not answer within ${
      TIMEOUT_MS / 1000
    } s; check that it is not waiting for a password prompt (gpg-agent, keychain)`,
  ],
  // add with a client secret: the store action.
  [
    "add: store refused, message on stdout",
    "say",
    ADD,
    { FAKE_HELPER_STDOUT: "refused\n", FAKE_HELPER_EXIT: "1", FAKE_HELPER_ACTIONS: "store" },
    1,
    `${helper("say", "store")} failed (exit 1): refused`,
  ],
  [
    "add: the helper crashes",
    "crash",
    ADD,
    {},
    1,
    new RegExp(
      `^mcp-oauth: ${
        esc(helper("crash", "store"))
      } failed \\(exit 1\\): Error: fake: store crashed$`,
    ),
  ],
  [
    "add: the helper hangs",
    "hang",
    ADD,
    {},
    1,
    `${helper("hang", "store")} did not answer within ${
      TIMEOUT_MS / 1000
    } s; check that it is not waiting for a password prompt (gpg-agent, keychain)`,
  ],
  [
    "add: the helper repeats the secret it refused",
    "say",
    ADD,
    {
      FAKE_HELPER_STDOUT: "refused the secret {secret}",
      FAKE_HELPER_EXIT: "1",
      FAKE_HELPER_ACTIONS: "store",
    },
    1,
    `${helper("say", "store")} failed (exit 1): refused the secret [secret]`,
  ],
  [
    "add: the helper echoes all it was sent",
    "say",
    ADD,
    { FAKE_HELPER_STDERR: "{stdin}", FAKE_HELPER_EXIT: "1", FAKE_HELPER_ACTIONS: "store" },
    1,
    `${
      helper("say", "store")
    } failed (exit 1): {"ServerURL":"https://new.example/mcp/.mcp-oauth/static-client","Username":"mcp-oauth-static-client","Secret":"[secret]"}`,
  ],
  [
    "add: a locked keychain",
    "locked",
    ADD,
    {},
    1,
    `${
      helper("locked", "store")
    } failed (exit 1): User interaction is not allowed.; unlock your keychain (log in to the desktop session), then retry`,
  ],
];

describe("corpus: credential-helper output through token, ls and add (issue 10)", () => {
  let fakes: FakeHelpers;
  let home: string;
  let homeBefore: Record<string, string>;
  let dataBefore: Record<string, string>;
  /** What each case of CASES saw, run four at a time, each in a home and helper data of its own. */
  let results: Promise<{ r: CliResult; home: string[]; data: string[] }>[] = [];
  const scratch: string[] = [];

  const cli = (
    argv: string[],
    mode: string,
    env: Record<string, string> = {},
    at: { home: string; dir: string } = { home, dir: fakes.dir },
  ) =>
    runCli([...argv, "--store", `helper:fake-${mode}`], {
      home: at.home,
      env: { ...fakes.env, FAKE_HELPER_DIR: at.dir, ...env },
    });

  before(async () => {
    fakes = await installFakeHelpers();
    home = await tempHome("mcp-oauth-corpus-helpers-");
    await writeFile(
      join(home, "config.json"),
      JSON.stringify({
        version: 1,
        // Generous, so a loaded machine never times a helper out; the hang cases lower it.
        settings: { helperTimeoutMs: 30_000 },
        servers: Object.fromEntries(
          Object.entries(SERVERS).map(([name, url]) => [name, { url, issuer: ISSUER }]),
        ),
      }),
      { mode: 0o600 },
    );
    // Both servers signed in, in every helper that keeps entries.
    const seeded = new MemoryStore();
    for (const [i, url] of Object.values(SERVERS).entries()) {
      await seedToken(seeded, { issuer: ISSUER, url, access_token: `at-${i}` });
    }
    const entries: Record<string, { Username: string; Secret: string }> = {};
    for (const key of Object.keys(await seeded.list())) {
      const c = (await seeded.get(key))!;
      entries[key] = { Username: c.Username, Secret: c.Secret };
    }
    for (const mode of ["ok", "say", "wrong-url", "echo-url", "notfound"]) {
      await writeFile(join(fakes.dir, `${mode}.json`), JSON.stringify(entries));
    }
    homeBefore = await homeTree(home);
    dataBefore = await homeTree(fakes.dir);
    // Each case gets copies, so cases can run at once and a change is pinned on its case. Only
    // the hang cases get the short helper timeout: the others must not time out under load.
    const limit = fourAtATime();
    results = CASES.map(([, mode, argv, env]) =>
      limit(async () => {
        const at = { home: await tempHome("mcp-oauth-corpus-helpers-"), dir: await tempHome() };
        scratch.push(at.home, at.dir);
        await cp(home, at.home, { recursive: true });
        await cp(fakes.dir, at.dir, { recursive: true });
        if (mode === "hang") {
          const path = join(at.home, "config.json");
          const config = JSON.parse(await readFile(path, "utf8"));
          config.settings.helperTimeoutMs = TIMEOUT_MS;
          await writeFile(path, JSON.stringify(config), { mode: 0o600 });
        }
        const [homeAt, dataAt] = [await homeTree(at.home), await homeTree(at.dir)];
        const r = await cli(argv, mode, env, at);
        return {
          r,
          home: diff(homeAt, await homeTree(at.home)),
          data: diff(dataAt, await homeTree(at.dir)),
        };
      })
    );
  });
  after(async () => {
    await Promise.allSettled(results);
    await fakes?.remove();
    await removeHome(home);
    for (const dir of scratch) await removeHome(dir);
  });

  for (const [i, [what, , argv, , code, expected]] of CASES.entries()) {
    it(`${argv[0]}, ${what}: exit ${code} with one line; the home and the helper unchanged`, async () => {
      const { r, home: changedHome, data: changedData } = await results[i]!;
      const line = assertFailure(r, code, expected);
      assert.ok(!line.includes("s3cr3t-value") && !/\bat-[01]\b/.test(line), "S26: no secret");
      assert.deepEqual(changedHome, [], "files changed under the home");
      assert.deepEqual(changedData, [], "files changed in the helper's data");
    });
  }

  it("ls with get answering garbage: exit 0, the servers listed, one warning per server", async () => {
    const r = await cli(["ls"], "say", {
      FAKE_HELPER_STDOUT: "garbage",
      FAKE_HELPER_ACTIONS: "get",
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^NAME +STATUS/);
    assert.match(r.stdout, /^server-0 +unreadable token entry +https:\/\/as\.example\.com/m);
    assert.match(r.stdout, /^server-1 +unreadable token entry +https:\/\/as\.example\.com/m);
    assert.deepEqual(r.stderr.trimEnd().split("\n"), [
      `warning: server-0: ${helper("say", "get")} returned output that is not valid JSON`,
      `warning: server-1: ${helper("say", "get")} returned output that is not valid JSON`,
    ]);
    assert.deepEqual(await homeTree(home), homeBefore);
  });

  it("ls with a helper that answers another server's entry: each row warns, no token is trusted", async () => {
    const r = await cli(["ls", "--json"], "wrong-url");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    const { servers } = JSON.parse(r.stdout) as {
      servers: { name: string; status: string; error?: string }[];
    };
    assert.deepEqual(servers.map((s) => [s.name, s.status, s.error]), [
      ["server-0", "needs-authorization", wrongEntry("wrong-url", "server-0", "server-1", "json")],
      ["server-1", "needs-authorization", wrongEntry("wrong-url", "server-1", "server-0", "json")],
    ]);
    assert.deepEqual(await homeTree(home), homeBefore);
  });

  it("controls: a helper that echoes a normalised ServerURL still works, and so does ok", async () => {
    for (const mode of ["echo-url", "ok"]) {
      const r = await cli(["token", "server-1"], mode);
      assert.equal(r.code, 0, `${mode}: ${r.stderr}`);
      assert.equal(r.stdout, "at-1\n");
      assert.equal(r.stderr, "");
    }
    assert.deepEqual(await homeTree(fakes.dir), dataBefore);
  });
});

function esc(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** The paths whose content differs between two trees (added, removed or changed). */
function diff(a: Record<string, string>, b: Record<string, string>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]).sort();
}

/** A limiter: at most four of the functions given run at once. */
function fourAtATime(): <T>(fn: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (running >= 4) await new Promise<void>((r) => waiting.push(r));
    running++;
    try {
      return await fn();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}
