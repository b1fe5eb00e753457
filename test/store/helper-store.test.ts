/**
 * HelperStore (the Docker credential-helper protocol) against fake helpers that fail in each
 * way real ones do, and against the real docker-credential-pass with a throwaway GPG key.
 *
 * @module
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { ErrorCode, McpOAuthError } from "../../src/core/errors.ts";
import { detectRuntime } from "../../src/runtime/detect.ts";
import {
  DEFAULT_MAX_SECRET_BYTES,
  HelperStore,
  type HelperStoreOptions,
} from "../../src/store/helper-store.ts";
import {
  type FakeHelpers,
  type FakeMode,
  installFakeHelpers,
  runWithEnv,
} from "../fixtures/fake-helpers/index.ts";
import { makePassStore, PASS_PACKAGES, type PassStore, setEnv } from "./pass-env.ts";
import { checkStoreContract } from "../helpers/store-contract.ts";

const runtime = await detectRuntime();
const SLOW = { timeout: 30_000 };

/** A 6000-byte secret whose 2560-byte boundaries fall inside multi-byte characters. */
const BIG = "a".repeat(2558) + "😀" + "€".repeat(850) + "ß".repeat(444);
/** Another one, so a rewrite changes every part. */
const BIG2 = "b".repeat(2559) + "€" + "😀".repeat(600) + "é".repeat(519);
const bytes = (s: string) => new TextEncoder().encode(s).length;

/** Checks a failure: an McpOAuthError `code`, one line, naming the program and the action. */
function helperError(program: string, action: string, problem: RegExp, code = "STORE_FAILED") {
  return (err: unknown) => {
    assert.ok(err instanceof McpOAuthError, `expected McpOAuthError, got ${err}`);
    assert.equal(err.code, code, err.message);
    assert.doesNotMatch(err.message, /[\n\r]/, "one line");
    assert.ok(
      err.message.startsWith(`The credential helper ${program} (${action}) `),
      `names ${program} and (${action}): ${err.message}`,
    );
    assert.match(err.message, problem);
    return true;
  };
}

/**
 * The split-secret cases, against any helper: `raw()` lists every entry the helper holds
 * (parts included), `rawSecret(key)` reads one entry past HelperStore.
 */
function splitCases(
  label: string,
  make: () => HelperStore,
  raw: () => Promise<Record<string, string>>,
  rawSecret: (key: string) => Promise<string | undefined>,
) {
  const url = "https://as.example/.mcp-oauth/token/https%3A%2F%2Fmcp.example%2Fmcp";
  const partKeys = async () => Object.keys(await raw()).filter((k) => k !== url).sort();

  it(
    `Storage (${label}): a 6000-byte secret is split into parts of at most 2560 bytes and joins back byte-exact`,
    SLOW,
    async () => {
      const s = make();
      assert.equal(bytes(BIG), 6000);
      await s.store({ ServerURL: url, Username: "mcp-oauth-token", Secret: BIG });
      const got = await s.get(url);
      assert.deepEqual(got, { ServerURL: url, Username: "mcp-oauth-token", Secret: BIG });
      const head = await rawSecret(url);
      const m = /^mcp-oauth-split:1:([^:]+):(\d+)$/.exec(head ?? "");
      assert.ok(m, `the head entry points at the parts: ${head}`);
      const [, gen, n] = m;
      assert.equal(n, "3");
      const parts = await partKeys();
      assert.deepEqual(parts, [0, 1, 2].map((i) => `${url}/.mcp-oauth-part/${gen}/${i}`));
      const pieces = await Promise.all(parts.map(async (k) => (await rawSecret(k))!));
      assert.deepEqual(pieces.map(bytes), [2558, 2560, 882], "never inside a character");
      assert.equal(pieces.join(""), BIG);
      assert.deepEqual(await s.list(), { [url]: "mcp-oauth-token" }, "list() hides the parts");
    },
  );

  it(
    `Storage (${label}): rewriting a split secret replaces its parts; a small one leaves none`,
    SLOW,
    async () => {
      const s = make();
      await s.store({ ServerURL: url, Username: "mcp-oauth-token", Secret: BIG });
      const before = await partKeys();
      await s.store({ ServerURL: url, Username: "mcp-oauth-token", Secret: BIG2 });
      assert.equal((await s.get(url))?.Secret, BIG2);
      const afterParts = await partKeys();
      assert.equal(afterParts.length, Math.ceil(bytes(BIG2) / 2560));
      assert.ok(
        afterParts.every((k) => !before.includes(k)),
        "no orphaned parts of the old secret",
      );
      await s.store({ ServerURL: url, Username: "mcp-oauth-token", Secret: "small" });
      assert.equal((await s.get(url))?.Secret, "small");
      assert.deepEqual(await raw(), { [url]: "mcp-oauth-token" }, "no parts left at all");
    },
  );

  it(`Storage (${label}): erase removes the head and every part`, SLOW, async () => {
    const s = make();
    await s.store({ ServerURL: url, Username: "mcp-oauth-token", Secret: BIG });
    await s.store({ ServerURL: "https://other.example/x", Username: "u", Secret: "keep" });
    await s.erase(url);
    assert.equal(await s.get(url), undefined);
    assert.deepEqual(await raw(), { "https://other.example/x": "u" });
    await s.erase("https://other.example/x");
    assert.deepEqual(await raw(), {});
  });
}

describe("HelperStore against fake helpers", () => {
  let fakes: FakeHelpers;
  let emptyBin: string;
  before(async () => {
    fakes = await installFakeHelpers();
    emptyBin = await mkdtemp(join(tmpdir(), "mcp-oauth-empty-bin-"));
  });
  after(async () => {
    await fakes?.remove();
    if (emptyBin) await rm(emptyBin, { recursive: true, force: true });
  });

  const fake = (
    mode: FakeMode,
    options: HelperStoreOptions = {},
    env: Record<string, string> = {},
  ) =>
    new HelperStore(
      `fake-${mode}`,
      runWithEnv(runtime, () => ({ ...process.env, ...fakes.env, ...env })),
      options,
    );

  it("Storage: a working helper stores, gets, lists and erases; unknown keys are absent", async () => {
    await fakes.reset("ok");
    const s = fake("ok");
    assert.equal(s.name, "helper:fake-ok");
    assert.equal(await s.get("https://a.example/x"), undefined);
    await s.store({ ServerURL: "https://a.example/x", Username: "u1", Secret: "s1 ✓" });
    await s.store({ ServerURL: "https://b.example/y", Username: "u2", Secret: "s2" });
    assert.deepEqual(await s.get("https://a.example/x"), {
      ServerURL: "https://a.example/x",
      Username: "u1",
      Secret: "s1 ✓",
    });
    assert.deepEqual(await s.list(), { "https://a.example/x": "u1", "https://b.example/y": "u2" });
    await s.store({ ServerURL: "https://a.example/x", Username: "u1", Secret: "s1b" });
    assert.equal((await s.get("https://a.example/x"))?.Secret, "s1b");
    await s.erase("https://a.example/x");
    await s.erase("https://never.example/");
    assert.deepEqual(await fakes.entries("ok"), {
      "https://b.example/y": { Username: "u2", Secret: "s2" },
    });
  });

  for (
    const [mode, wording] of [
      ["notfound", "credentials not found in native keychain"],
      ["osx-notfound", "The specified item could not be found in the keychain."],
      ["win-notfound", "Element not found. (on stderr)"],
    ] as const
  ) {
    it(`Storage: "${wording}" (${mode}) means absent: get gives undefined, erase succeeds`, async () => {
      await fakes.reset();
      const s = fake(mode);
      assert.equal(await s.get("https://a.example/x"), undefined);
      await s.erase("https://a.example/x");
      const calls = await fakes.calls();
      assert.ok(
        calls.some((c) => c.helper === `fake-${mode}` && c.action === "get"),
        "the helper was asked",
      );
    });
  }

  it("Storage: pass 0.6.4's empty record for an unknown key means absent", async () => {
    await fakes.reset("empty");
    const s = fake("empty");
    assert.equal(await s.get("https://a.example/x"), undefined);
    await s.erase("https://a.example/x");
    await s.store({ ServerURL: "https://a.example/x", Username: "u", Secret: "s" });
    assert.equal((await s.get("https://a.example/x"))?.Secret, "s");
    await s.erase("https://a.example/x");
    assert.equal(await s.get("https://a.example/x"), undefined);
    assert.deepEqual(await fakes.entries("empty"), {});
  });

  it("Storage: output that is not JSON is a one-line STORE_FAILED naming the helper and action", async () => {
    const s = fake("garbage");
    await assert.rejects(
      s.get("https://a.example/x"),
      helperError(
        "docker-credential-fake-garbage",
        "get",
        /returned output that is not valid JSON$/,
      ),
    );
    await assert.rejects(
      s.list(),
      helperError(
        "docker-credential-fake-garbage",
        "list",
        /returned output that is not valid JSON$/,
      ),
    );
  });

  it("S25: a helper that never answers is given up on after timeoutMs", SLOW, async () => {
    const s = fake("hang", { timeoutMs: 300 });
    for (
      const [action, call] of [
        ["get", () => s.get("https://a.example/x")],
        [
          "store",
          () => s.store({ ServerURL: "https://a.example/x", Username: "u", Secret: "s3cr3t" }),
        ],
        ["list", () => s.list()],
      ] as const
    ) {
      const t0 = Date.now();
      await assert.rejects(
        call(),
        helperError(
          "docker-credential-fake-hang",
          action,
          /did not answer within 0\.3 s; check that it is not waiting for a password prompt/,
        ),
      );
      const took = Date.now() - t0;
      assert.ok(took >= 290 && took < 3000, `${action} gave up after ${took} ms`);
    }
  });

  it("Storage: an uninitialised pass store fails with pass's message and says to run pass init", async () => {
    const s = fake("pass-uninit");
    await assert.rejects(
      s.get("https://a.example/x"),
      helperError(
        "docker-credential-fake-pass-uninit",
        "get",
        /failed \(exit 1\): Error: password store is empty\. Try "pass init"\.; initialise pass first: .*pass init/,
      ),
    );
  });

  it("S26: a locked keychain fails with a hint to unlock it, and the secret is not in the message", async () => {
    const s = fake("locked");
    await assert.rejects(
      s.store({ ServerURL: "https://a.example/x", Username: "u", Secret: "s3cr3t-value" }),
      (err: unknown) => {
        helperError(
          "docker-credential-fake-locked",
          "store",
          /failed \(exit 1\): User interaction is not allowed\.; unlock your keychain/,
        )(err);
        assert.doesNotMatch((err as Error).message, /s3cr3t-value/);
        return true;
      },
    );
  });

  it("Storage: a failing store leaves the old entry intact", async () => {
    await fakes.reset("fail-store");
    const s = fake("fail-store", {}, { FAKE_HELPER_STORES: "1" });
    await s.store({ ServerURL: "https://a.example/x", Username: "u", Secret: "old" });
    await assert.rejects(
      s.store({ ServerURL: "https://a.example/x", Username: "u", Secret: "new-s3cr3t" }),
      (err: unknown) => {
        helperError(
          "docker-credential-fake-fail-store",
          "store",
          /failed \(exit 1\): fake: the keychain refused to save the item$/,
        )(err);
        assert.doesNotMatch((err as Error).message, /new-s3cr3t/, "S26");
        return true;
      },
    );
    assert.equal((await s.get("https://a.example/x"))?.Secret, "old");
    assert.deepEqual(await s.list(), { "https://a.example/x": "u" });
  });

  it("Storage: a split write that fails half-way leaves the old split entry whole and no stray parts", async () => {
    await fakes.reset("fail-store");
    const url = "https://a.example/x";
    // 3 parts + head of the old secret succeed, then the first part of the new one; the second fails.
    const s = fake("fail-store", { maxSecretBytes: 2560 }, { FAKE_HELPER_STORES: "5" });
    await s.store({ ServerURL: url, Username: "u", Secret: BIG });
    const before = await fakes.entries("fail-store");
    await fakes.reset();
    await assert.rejects(
      s.store({ ServerURL: url, Username: "u", Secret: BIG2 }),
      helperError("docker-credential-fake-fail-store", "store", /refused to save the item/),
    );
    const calls = (await fakes.calls()).filter((c) => c.action === "store" || c.action === "erase");
    assert.deepEqual(
      calls.map((c) =>
        `${c.action} ${c.key.replace(url, "")}`.replace(/\/[^/]+\/(\d)$/, "/GEN/$1")
      ),
      [
        "store /.mcp-oauth-part/GEN/0",
        "store /.mcp-oauth-part/GEN/1",
        "erase /.mcp-oauth-part/GEN/0",
      ],
      "parts first, the head never, and the written part cleaned up",
    );
    assert.deepEqual(await fakes.entries("fail-store"), before);
    assert.equal((await s.get(url))?.Secret, BIG);
  });

  it("Storage: a helper that is not installed is named, with the package that provides it", async () => {
    const noPath = (helper: string) =>
      new HelperStore(helper, runWithEnv(runtime, () => ({ ...process.env, PATH: emptyBin })));
    await assert.rejects(
      noPath("fake-missing").get("https://a.example/x"),
      helperError(
        "docker-credential-fake-missing",
        "get",
        /is not installed or not on PATH$/,
      ),
    );
    await assert.rejects(
      noPath("pass").store({ ServerURL: "https://a.example/x", Username: "u", Secret: "s" }),
      (err: unknown) => {
        // store() first reads the old entry (its failure is ignored), then stores.
        helperError(
          "docker-credential-pass",
          "store",
          /is not installed or not on PATH \(Debian\/Ubuntu: apt install golang-docker-credential-helpers pass\)$/,
        )(err);
        return true;
      },
    );
    assert.throws(
      () => new HelperStore("pass; rm -rf /", runtime.run.bind(runtime)),
      (err: unknown) => err instanceof McpOAuthError && err.code === ErrorCode.USAGE,
    );
  });

  it("Storage: Windows Credential Manager's 2560-byte cap refuses an unsplit secret (why splitting exists)", async () => {
    await fakes.reset("cap");
    const s = fake("cap", { maxSecretBytes: Infinity }, { FAKE_HELPER_CAP: "2560" });
    await assert.rejects(
      s.store({ ServerURL: "https://a.example/x", Username: "u", Secret: BIG }),
      helperError(
        "docker-credential-fake-cap",
        "store",
        /failed \(exit 1\): The stub received bad data\.$/,
      ),
    );
    assert.deepEqual(await fakes.entries("cap"), {});
    assert.equal(DEFAULT_MAX_SECRET_BYTES.wincred, 2560, "wincred splits at 2560 by default");
  });

  it("Storage: parts are written before the head that points at them", async () => {
    await fakes.reset("cap");
    const s = fake("cap", { maxSecretBytes: 2560 }, { FAKE_HELPER_CAP: "2560" });
    const url = "https://a.example/x";
    await s.store({ ServerURL: url, Username: "u", Secret: BIG });
    const stores = (await fakes.calls()).filter((c) => c.action === "store");
    assert.equal(stores.length, 4);
    assert.ok(stores.slice(0, 3).every((c) => c.key.includes("/.mcp-oauth-part/")));
    assert.equal(stores[3]!.key, url, "the head last");
    assert.ok(stores.every((c) => c.bytes! <= 2560));
  });

  it("Storage: a split entry with a missing part is a clear error, not a truncated secret", async () => {
    await fakes.reset("cap");
    const s = fake("cap", { maxSecretBytes: 2560 }, { FAKE_HELPER_CAP: "2560" });
    const url = "https://a.example/x";
    await s.store({ ServerURL: url, Username: "u", Secret: BIG });
    const entries = await fakes.entries("cap");
    const part = Object.keys(entries).find((k) => k.endsWith("/1"))!;
    delete entries[part];
    await writeFile(join(fakes.dir, "cap.json"), JSON.stringify(entries));
    await assert.rejects(
      s.get(url),
      helperError("docker-credential-fake-cap", "get", /split over 3 entries and some are missing/),
    );
  });

  describe("split secrets against the cap helper (FAKE_HELPER_CAP=2560)", () => {
    before(() => fakes.reset("cap"));
    splitCases(
      "fake cap",
      () => fake("cap", { maxSecretBytes: 2560 }, { FAKE_HELPER_CAP: "2560" }),
      async () =>
        Object.fromEntries(
          Object.entries(await fakes.entries("cap")).map(([k, v]) => [k, v.Username]),
        ),
      async (key) => (await fakes.entries("cap"))[key]?.Secret,
    );
  });
});

describe("HelperStore against the real docker-credential-pass (throwaway GPG key)", () => {
  let pass: PassStore | undefined;
  let setupError: unknown;
  let restoreEnv: (() => void) | undefined;
  before(async () => {
    try {
      pass = await makePassStore();
      restoreEnv = setEnv(pass.env);
    } catch (err) {
      setupError = err;
    }
  }, SLOW);
  after(async () => {
    restoreEnv?.();
    await pass?.remove();
  });

  /** The store, or a failure (never a skip) that says what to install. */
  function ready(): PassStore {
    if (!pass) {
      throw new Error(
        `The real docker-credential-pass is not usable (${
          (setupError as Error)?.message ?? setupError
        }); install it with: ${PASS_PACKAGES}`,
      );
    }
    return pass;
  }

  // HelperStore's processes inherit process.env (set above); passed explicitly for Bun, whose
  // spawn otherwise uses the environment it started with.
  const make = (options: HelperStoreOptions = {}) => {
    ready();
    return new HelperStore("pass", runWithEnv(runtime, () => process.env), options);
  };

  it(
    "Storage: store, get, list, erase with pass; unknown keys are absent (empty record, exit 0)",
    SLOW,
    async () => {
      const p = ready();
      const s = make();
      assert.equal(s.program, "docker-credential-pass");
      // The empty record pass 0.6.4 answers for an unknown key reads as absent.
      await checkStoreContract(s, "s1 ✓");
      await s.erase("https://b.example/y");
      assert.deepEqual(await p.rawList(), {});
      assert.deepEqual(await s.list(), {});
    },
  );

  it(
    "Storage: the entries are gpg-encrypted files under PASSWORD_STORE_DIR, not plain text",
    SLOW,
    async () => {
      const p = ready();
      const s = make();
      await s.store({ ServerURL: "https://a.example/x", Username: "u", Secret: "plain-s3cr3t" });
      const r = await p.exec([
        "grep",
        "-r",
        "-l",
        "plain-s3cr3t",
        p.env.PASSWORD_STORE_DIR,
      ]);
      assert.equal(r.stdout, "", "the secret appears in no file");
      const get = await p.exec(["docker-credential-pass", "get"], "https://a.example/x");
      assert.equal(JSON.parse(get.stdout).Secret, "plain-s3cr3t");
      await s.erase("https://a.example/x");
    },
  );

  splitCases(
    "real pass",
    () => make({ maxSecretBytes: 2560 }),
    () => ready().rawList(),
    (key) => ready().rawGet(key),
  );
});
