/**
 * Issue 10, credential helper faults: the helper crashes (exit 1, or SIGKILL before or after
 * doing its work), hangs (before or after its work: it must be given up on after
 * helperTimeoutMs and killed) or prints garbage, during `token` (get), refresh (store after the
 * AS rotated the refresh token), sign-in (store), `add` (store of a client secret), `revoke` and
 * `remove` (get, erase). The faults come from faulty-helper.mjs, a wrapper around the fake
 * helper (test/fixtures/fake-helpers) or the real docker-credential-pass; the CLI runs as a
 * real process against the real oidc-provider and MCP server.
 *
 * Every failure must be one clear line and exit 1 (3 only where the AS refuses), nothing may be
 * lost that a retry needs, and a helper that did its work before it died counts as done.
 *
 * @module
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import {
  type AuthorizationServer,
  startAuthorizationServer,
} from "../fixtures/authorization-server.ts";
import { type McpTestServer, startMcpServer } from "../fixtures/mcp-server.ts";
import { type FakeHelpers, installFakeHelpers } from "../fixtures/fake-helpers/index.ts";
import { makePassStore, type PassStore, setEnv } from "../store/pass-env.ts";
import { PERSON_SCRIPT, signIn } from "../helpers/person.ts";
import {
  type CliResult,
  configServers,
  errorLines,
  removeHome,
  ROOT,
  runCli,
  runMain,
  tempHome,
} from "../cli/helpers.ts";
import { ConfigFile } from "../../src/store/config-file.ts";

const SLOW = { timeout: 60_000 };
const HELPER_TIMEOUT_MS = 600;
const FAULTY = fileURLToPath(new URL("./faulty-helper.mjs", import.meta.url));
/** The helpers and the scripted person run on Bun: a Node start per call would dominate. */
const BUN = join(ROOT, "node_modules", ".bin", "bun");
const BROWSER = `${BUN} ${PERSON_SCRIPT}`;
const TOKEN_KEY = "/.mcp-oauth/token/";

/** A fault of faulty-helper.mjs. */
interface Fault {
  action: "store" | "get" | "erase" | "list" | "*";
  kind: "exit" | "kill" | "killafter" | "hang" | "hangafter" | "garbage";
  key?: string;
  skip?: number;
  times?: number;
}

let as: AuthorizationServer;
let mcp: McpTestServer;
let fake: FakeHelpers;
let root: string;
let faultDir: string;
let pathEnv: string;
const homes: string[] = [];
let injected = 0;
let restoreEnv: (() => void) | undefined;

before(async () => {
  as = await startAuthorizationServer();
  mcp = await startMcpServer({ issuer: as.issuer, introspect: (t) => as.introspect(t) });
  as.allowResource(mcp.url);
  fake = await installFakeHelpers(["ok"]);
  root = await mkdtemp(join(tmpdir(), "mcp-oauth-faulty-"));
  faultDir = join(root, "data");
  const bin = join(root, "bin");
  await mkdir(faultDir);
  await mkdir(bin);
  for (const inner of ["fake-ok", "pass"]) {
    const launcher = join(bin, `docker-credential-faulty-${inner}`);
    await writeFile(launcher, `#!/bin/sh\nexec '${BUN}' '${FAULTY}' ${inner} "$@"\n`);
    await chmod(launcher, 0o755);
  }
  pathEnv = `${bin}${delimiter}${fake.env.PATH}`;
  // For the in-process set-up runs: the helpers they start inherit this process's environment.
  restoreEnv = setEnv({ ...fake.env, PATH: pathEnv, FAULT_DIR: faultDir });
}, { timeout: 30_000 });

after(async () => {
  console.log(`helper faults injected: ${injected}`);
  restoreEnv?.();
  await mcp?.close();
  await as?.close();
  await fake?.remove();
  await rm(root, { recursive: true, force: true });
  for (const h of homes) {
    await removeHome(h);
    await removeHome(`${h}-person.jsonl`);
  }
});

/** The helper calls logged since the last {@link arm}. */
async function calls(): Promise<{ action: string; key: string; pid: number; fault: string }[]> {
  const text = await readFile(join(faultDir, "calls.jsonl"), "utf8").catch(() => "");
  return text.split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

/** Forget the counts and the call log. */
async function arm(): Promise<void> {
  await rm(join(faultDir, "count"), { force: true });
  await rm(join(faultDir, "calls.jsonl"), { force: true });
}

/** Environment of a CLI run on `helper:faulty-<inner>` with `fault`. */
function env(
  fault?: Fault,
  inner = "fake-ok",
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...fake.env,
    PATH: pathEnv,
    FAULT_DIR: faultDir,
    MCP_OAUTH_STORE: `helper:faulty-${inner}`,
    ...(fault
      ? {
        FAULT_ACTION: fault.action,
        FAULT_KIND: fault.kind,
        ...(fault.key ? { FAULT_KEY: fault.key } : {}),
        ...(fault.skip ? { FAULT_SKIP: String(fault.skip) } : {}),
        ...(fault.times ? { FAULT_TIMES: String(fault.times) } : {}),
      }
      : {}),
    ...extra,
  };
}

/** `mcp-oauth ARGS` in `home` as a process, with `fault` armed; counts the faults injected. */
async function cli(
  home: string,
  args: string[],
  fault?: Fault,
  inner = "fake-ok",
  extra: Record<string, string> = {},
): Promise<CliResult> {
  await arm();
  const r = await runCli(args, { home, env: env(fault, inner, extra) });
  injected += (await calls()).filter((c) => c.fault).length;
  return r;
}

/**
 * `mcp-oauth ARGS` in this process: for the checks before and after a fault (faster than a
 * process; the faults themselves are injected into real processes by {@link cli}).
 */
async function here(h: string, args: string[], inner = "fake-ok"): Promise<CliResult> {
  await arm();
  const r = await runMain(args, { home: h, env: { MCP_OAUTH_STORE: `helper:faulty-${inner}` } });
  return {
    code: r.code,
    stdout: r.out.map((l) => `${l}\n`).join(""),
    stderr: r.err.map((l) => `${l}\n`).join(""),
  };
}

/** The fake helper's file, raw (byte-for-byte comparisons). */
const rawEntries = () => readFile(join(fake.dir, "ok.json"), "utf8").catch(() => "");

/** The token record the fake helper holds, if any. */
async function heldToken(): Promise<Record<string, unknown> | undefined> {
  const entries = await fake.entries("ok");
  const key = Object.keys(entries).find((k) => k.includes(TOKEN_KEY));
  return key ? JSON.parse(entries[key]!.Secret) : undefined;
}

/** Set the held token's expiry `ms` from now, as if obtained an hour ago. */
async function age(ms: number): Promise<void> {
  const file = join(fake.dir, "ok.json");
  const entries = JSON.parse(await readFile(file, "utf8"));
  const key = Object.keys(entries).find((k) => k.includes(TOKEN_KEY))!;
  const record = JSON.parse(entries[key].Secret);
  record.expires_at = Date.now() + ms;
  record.obtained_at = Date.now() - 3_600_000;
  entries[key].Secret = JSON.stringify(record);
  await writeFile(file, JSON.stringify(entries, null, 2));
}

/** A fresh home on `helper:faulty-<inner>`, with demo added and (unless `signIn` is false) signed in. */
async function home(inner = "fake-ok", signedIn = true) {
  if (inner === "fake-ok") await fake.reset("ok");
  const h = await tempHome("mcp-oauth-helper-faults-");
  homes.push(h);
  await new ConfigFile(h).updateSettings({ helperTimeoutMs: HELPER_TIMEOUT_MS });
  const add = await runMain(["add", "demo", mcp.url], { home: h });
  assert.equal(add.code, 0, add.err.join("\n"));
  if (signedIn) await signInHere(h, inner);
  return h;
}

/**
 * Sign in to demo in this process (faster than a process, for set-up and recovery; the faults
 * are injected into real processes): `authorize --browser none` and the scripted person.
 */
async function signInHere(h: string, inner = "fake-ok"): Promise<void> {
  let printed!: (url: string) => void;
  const url = new Promise<string>((resolve) => (printed = resolve));
  const r = await runMain(["authorize", "demo", "--browser", "none", "--timeout", "30"], {
    home: h,
    env: { MCP_OAUTH_STORE: `helper:faulty-${inner}` },
    onErr: (t) => {
      const m = /^Open this URL to sign in to demo:\n\n {2}(\S+)/.exec(t);
      if (m) printed(m[1]!);
    },
    stdinLines: async function* () {
      yield (await signIn(await url, { stopAtCallback: true })).callbackUrl;
    },
  });
  assert.equal(r.code, 0, r.err.join("\n"));
}

/** One error line, exit `code`, no stack trace; returns the line. */
function oneError(r: CliResult, code = 1): string {
  assert.equal(r.code, code, r.stderr);
  const { errors, lines } = errorLines(r.stderr);
  assert.equal(errors.length, 1, r.stderr);
  assert.ok(!lines.some((l) => /^\s+at /.test(l)), `no stack trace:\n${r.stderr}`);
  assert.doesNotMatch(errors[0]!, /unexpected error/);
  return errors[0]!;
}

/** What the error line says about each fault of `docker-credential-faulty-<inner> (action)`. */
function says(kind: Fault["kind"], action: string, inner = "fake-ok"): RegExp {
  const who = `The credential helper docker-credential-faulty-${inner} \\(${action}\\) `;
  switch (kind) {
    case "exit":
      return new RegExp(`${who}failed \\(exit 1\\): faulty: the keychain daemon crashed`);
    case "kill":
    case "killafter":
      return new RegExp(`${who}failed \\(exit 137\\)`);
    case "hang":
    case "hangafter":
      return new RegExp(
        `${who}did not answer within ${
          HELPER_TIMEOUT_MS / 1000
        } s; check that it is not waiting for a password prompt`,
      );
    case "garbage":
      return new RegExp(`${who}returned output that is not valid JSON`);
  }
}

/** The helper processes that hung were killed. */
async function noHungHelper(): Promise<void> {
  for (const c of (await calls()).filter((c) => c.fault?.startsWith("hang"))) {
    let alive = true;
    for (let i = 0; i < 40 && alive; i++) {
      try {
        process.kill(c.pid, 0);
        await new Promise((r) => setTimeout(r, 50));
      } catch {
        alive = false;
      }
    }
    assert.equal(alive, false, `the hung helper (pid ${c.pid}) was killed`);
  }
}

describe("token: the helper fails to read", () => {
  let h: string;
  before(async () => {
    h = await home();
  }, SLOW);

  for (const kind of ["exit", "kill", "hang", "garbage"] as const) {
    it(
      `Issue 10: get ${kind} → token exits 1 naming the helper, nothing changed; then works`,
      SLOW,
      async () => {
        const before = await rawEntries();
        const token = (await heldToken())!.access_token;
        const started = Date.now();
        const r = await cli(h, ["token", "demo"], { action: "get", kind });
        const line = oneError(r);
        assert.equal(r.stdout, "");
        assert.match(line, says(kind, "get"));
        if (kind === "hang") {
          assert.ok(Date.now() - started >= HELPER_TIMEOUT_MS, "waited for the helper's timeout");
          await noHungHelper();
        }
        assert.equal(await rawEntries(), before, "the helper's data is unchanged");
        const ok = await here(h, ["token", "demo"]);
        assert.equal(ok.code, 0, ok.stderr);
        assert.equal(ok.stdout.trim(), token);
      },
    );
  }
});

describe("refresh: the helper fails to save the refreshed token", () => {
  let h: string;
  before(async () => {
    h = await home();
  }, SLOW);

  for (const kind of ["exit", "kill", "hang"] as const) {
    it(
      `Issue 10 (S20): store ${kind} after the AS rotated → exit 1 saying to authorize again; old record intact`,
      SLOW,
      async () => {
        await age(-1000);
        const before = await rawEntries();
        const refreshes = as.counts.refresh;
        const r = await cli(h, ["token", "demo"], { action: "store", kind, key: TOKEN_KEY });
        const line = oneError(r);
        assert.equal(as.counts.refresh, refreshes + 1, "the AS refreshed (and rotated)");
        assert.match(
          line,
          /^mcp-oauth: The refreshed token for demo could not be saved, and the old refresh token is used up: fix the credential store, then run "mcp-oauth authorize demo" \(/,
        );
        assert.match(line, says(kind, "store"));
        if (kind === "hang") await noHungHelper();
        assert.equal(await rawEntries(), before, "the old record is intact");
        // As the message said: the stored refresh token is used up.
        const again = await here(h, ["token", "demo"]);
        assert.match(oneError(again, 3), /re-authorization needed/);
        await signInHere(h);
      },
    );
  }

  it(
    "Issue 10 (S20): store fails once after the AS rotated → saved on the second try, token exits 0",
    SLOW,
    async () => {
      await age(-1000);
      const old = (await heldToken())!;
      const r = await cli(h, ["token", "demo"], {
        action: "store",
        kind: "exit",
        key: TOKEN_KEY,
        times: 1,
      });
      assert.equal(r.code, 0, r.stderr);
      const now = (await heldToken())!;
      assert.equal(r.stdout.trim(), now.access_token);
      assert.notEqual(now.refresh_token, old.refresh_token, "the rotated refresh token was kept");
      assert.equal((await here(h, ["refresh", "demo"])).code, 0, "and it works");
    },
  );

  it(
    "Issue 10 (S20): token about to expire, store fails after rotation → exit 1 (not a silent old token)",
    SLOW,
    async () => {
      await age(30_000);
      const before = await rawEntries();
      const r = await cli(h, ["token", "demo"], { action: "store", kind: "exit", key: TOKEN_KEY });
      assert.match(oneError(r), /could not be saved, .* run "mcp-oauth authorize demo"/);
      assert.equal(r.stdout, "");
      assert.equal(await rawEntries(), before);
      await signInHere(h);
    },
  );

  for (const kind of ["killafter", "hangafter"] as const) {
    it(
      `Issue 10: store ${kind} (the helper saved, then died or hung) → the save counts, token exits 0`,
      SLOW,
      async () => {
        await age(-1000);
        const old = (await heldToken())!;
        const r = await cli(h, ["token", "demo"], { action: "store", kind, key: TOKEN_KEY });
        assert.equal(r.code, 0, r.stderr);
        const now = (await heldToken())!;
        assert.notEqual(now.access_token, old.access_token);
        assert.equal(r.stdout.trim(), now.access_token);
        if (kind === "hangafter") await noHungHelper();
        const again = await here(h, ["refresh", "demo"]);
        assert.equal(again.code, 0, again.stderr);
      },
    );
  }
});

describe("sign-in and add: the helper fails to store", () => {
  for (const kind of ["exit", "kill", "hang"] as const) {
    it(
      `Issue 10: authorize, token store ${kind} → exit 1 naming the helper; the registration is kept and reused`,
      SLOW,
      async () => {
        const h = await home(undefined, false);
        const registrations = as.counts.registration;
        const r = await cli(h, ["authorize", "demo", "--browser", BROWSER], {
          action: "store",
          kind,
          key: TOKEN_KEY,
        });
        const line = oneError(r);
        assert.match(
          line,
          /^mcp-oauth: Signed in to demo, but the tokens could not be saved: fix the credential store, then run "mcp-oauth authorize demo" again \(/,
        );
        assert.match(line, says(kind, "store"));
        assert.equal(await heldToken(), undefined, "no token");
        const entries = await fake.entries("ok");
        assert.ok(
          Object.keys(entries).some((k) => k.endsWith("/.mcp-oauth/client")),
          "client kept",
        );
        await signInHere(h);
        assert.equal(as.counts.registration, registrations + 1, "registered once, reused");
        assert.ok(await heldToken());
      },
    );
  }

  it(
    "Issue 10: authorize, token store killafter → the sign-in counts (the helper saved before it died)",
    SLOW,
    async () => {
      const h = await home(undefined, false);
      const r = await cli(h, ["authorize", "demo", "--browser", BROWSER], {
        action: "store",
        kind: "killafter",
        key: TOKEN_KEY,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Authorized demo at /);
      const t = await here(h, ["token", "demo"]);
      assert.equal(t.stdout.trim(), (await heldToken())!.access_token);
    },
  );

  for (const kind of ["exit", "kill", "hang"] as const) {
    it(
      `Issue 10: add with a client secret, store ${kind} → exit 1, the server is not added`,
      SLOW,
      async () => {
        const h = await home(undefined, false);
        const before = await rawEntries();
        const r = await cli(
          h,
          ["add", "other", `${mcp.url}/other`, "--client-id", "cid", "--client-secret", "s3cret"],
          { action: "store", kind },
        );
        const line = oneError(r);
        assert.match(line, says(kind, "store"));
        assert.ok(!r.stderr.includes("s3cret"), "S26: the secret is not echoed");
        assert.deepEqual(Object.keys(await configServers(h)), ["demo"], "no half-added server");
        assert.equal(await rawEntries(), before);
      },
    );
  }
});

describe("revoke and remove: the helper fails", () => {
  for (const kind of ["exit", "kill", "hang"] as const) {
    it(
      `Issue 10 (S23): revoke, erase ${kind} → exit 1 naming the helper; revoked at the AS; the retry deletes`,
      SLOW,
      async () => {
        const h = await home();
        const token = (await heldToken())!;
        const r = await cli(h, ["revoke", "demo"], { action: "erase", kind });
        assert.match(oneError(r), says(kind, "erase"));
        assert.equal((await as.introspect(token.access_token as string)).active, false, "revoked");
        assert.ok(await heldToken(), "the local copy could not be deleted");
        const again = await here(h, ["revoke", "demo"]);
        assert.equal(again.code, 0, again.stderr);
        assert.equal(again.stdout.trim(), "demo: revoked.");
        assert.equal(await heldToken(), undefined);
      },
    );
  }

  it("Issue 10 (S23): revoke, erase killafter → deleted after all: exit 0", SLOW, async () => {
    const h = await home();
    const r = await cli(h, ["revoke", "demo"], { action: "erase", kind: "killafter" });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), "demo: revoked.");
    assert.equal(await heldToken(), undefined);
  });

  for (const kind of ["exit", "hang", "garbage"] as const) {
    it(
      `Issue 10 (S23): revoke, the first get ${kind} → exit 1; not "no tokens stored", nothing deleted unrevoked`,
      SLOW,
      async () => {
        const h = await home();
        const before = await rawEntries();
        const token = (await heldToken())!;
        const r = await cli(h, ["revoke", "demo"], { action: "get", kind, times: 1 });
        assert.match(oneError(r), says(kind, "get"));
        assert.doesNotMatch(r.stdout, /no tokens stored/);
        assert.equal(await rawEntries(), before, "nothing deleted");
        assert.equal((await as.introspect(token.access_token as string)).active, true);
        const again = await here(h, ["revoke", "demo"]);
        assert.equal(again.stdout.trim(), "demo: revoked.");
        assert.equal((await as.introspect(token.access_token as string)).active, false);
      },
    );
  }

  it(
    "Issue 10: remove, erase exit → exit 1, the server stays configured; the retry removes it",
    SLOW,
    async () => {
      const h = await home();
      const r = await cli(h, ["remove", "demo"], { action: "erase", kind: "exit" });
      assert.match(oneError(r), says("exit", "erase"));
      assert.deepEqual(Object.keys(await configServers(h)), ["demo"]);
      const again = await here(h, ["remove", "demo"]);
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(await configServers(h), {});
      assert.equal(await heldToken(), undefined);
    },
  );
});

describe("the real docker-credential-pass", () => {
  let pass: PassStore;
  let h: string;
  let passEnv: Record<string, string>;
  let restorePass: (() => void) | undefined;
  before(async () => {
    pass = await makePassStore();
    passEnv = { ...pass.env };
    restorePass = setEnv(passEnv);
    h = await home("pass");
  }, SLOW);
  after(async () => {
    restorePass?.();
    await pass?.remove();
  });

  it(
    "Issue 10: a broken GNUPGHOME → token exits 1 with gpg's hint; the store is intact and works again",
    SLOW,
    async () => {
      const before = await pass.rawList();
      const broken = join(root, "empty-gnupg");
      await mkdir(broken, { recursive: true, mode: 0o700 });
      const r = await cli(h, ["token", "demo"], undefined, "pass", {
        ...passEnv,
        GNUPGHOME: broken,
      });
      const line = oneError(r);
      assert.match(line, /The credential helper docker-credential-faulty-pass \(get\) failed/);
      assert.match(line, /gpg could not use the key of your password store/);
      assert.deepEqual(await pass.rawList(), before);
      const ok = await here(h, ["token", "demo"], "pass");
      assert.equal(ok.code, 0, ok.stderr);
      assert.ok(ok.stdout.trim().length > 10);
    },
  );

  it(
    "Issue 10: pass killed right after saving the refreshed token → the save counts",
    SLOW,
    async () => {
      const key = Object.keys(await pass.rawList()).find((k) => k.includes(TOKEN_KEY))!;
      const old = JSON.parse((await pass.rawGet(key))!);
      old.expires_at = Date.now() - 1000;
      old.obtained_at = Date.now() - 3_600_000;
      const stored = await pass.exec(
        ["docker-credential-pass", "store"],
        JSON.stringify({
          ServerURL: key,
          Username: "mcp-oauth-token",
          Secret: JSON.stringify(old),
        }),
      );
      assert.equal(stored.code, 0, stored.stderr);
      const r = await cli(
        h,
        ["token", "demo"],
        { action: "store", kind: "killafter" },
        "pass",
        passEnv,
      );
      assert.equal(r.code, 0, r.stderr);
      const now = JSON.parse((await pass.rawGet(key))!);
      assert.equal(r.stdout.trim(), now.access_token);
      assert.notEqual(now.refresh_token, old.refresh_token);
    },
  );

  it(
    "Issue 10: pass cannot encrypt on refresh (unknown key) → exit 1 naming pass and what to do; old entry readable",
    SLOW,
    async () => {
      const key = Object.keys(await pass.rawList()).find((k) => k.includes(TOKEN_KEY))!;
      const old = JSON.parse((await pass.rawGet(key))!);
      old.expires_at = Date.now() - 1000;
      await pass.exec(
        ["docker-credential-pass", "store"],
        JSON.stringify({
          ServerURL: key,
          Username: "mcp-oauth-token",
          Secret: JSON.stringify(old),
        }),
      );
      // The store's key is replaced by one gpg does not have: reading works, saving cannot.
      // (Permissions would not do: the tests may run as root.)
      const gpgId = join(pass.env.PASSWORD_STORE_DIR, ".gpg-id");
      const realId = await readFile(gpgId, "utf8");
      await writeFile(gpgId, "0123456789ABCDEF0123456789ABCDEF01234567\n");
      let r: CliResult;
      try {
        r = await cli(h, ["token", "demo"], undefined, "pass", passEnv);
      } finally {
        await writeFile(gpgId, realId);
      }
      const line = oneError(r);
      assert.match(line, /could not be saved, .*"mcp-oauth authorize demo"/);
      assert.match(line, /docker-credential-faulty-pass \(store\) failed/);
      assert.deepEqual(JSON.parse((await pass.rawGet(key))!), old, "the old entry is whole");
    },
  );
});
