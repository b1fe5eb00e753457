/**
 * Properties of the credential-helper store (issue 10): whatever a docker-credential-* program
 * prints or however it fails, every call resolves or rejects with a one-line STORE_FAILED
 * error, never a crash; split secrets of any text and any size limit read back exactly and
 * leave no parts behind; and a helper's name or size limit from config.json cannot crash it.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ErrorCode } from "../../src/core/errors.ts";
import { HelperStore, type RunProcess, splitUtf8 } from "../../src/store/helper-store.ts";
import { anyString, PROTO_KEYS, settle, settleAsync } from "./props-helpers.ts";

const RUNS = 1000;

const junk = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(null, 5, true, [], {}, { toString: 1 }, { valueOf: 1, toString: 1 }, [1]),
);
/** What a helper may print on stdout. */
const stdout = fc.oneof(
  anyString,
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.record({
    ServerURL: fc.oneof(fc.webUrl(), junk),
    Username: fc.oneof(fc.string(), junk),
    Secret: fc.oneof(fc.string(), fc.constant("mcp-oauth-split:1:ab12cd34:3"), junk),
  }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.dictionary(fc.oneof(fc.webUrl(), fc.string()), junk).map((v) => JSON.stringify(v)),
  fc.constantFrom(
    "mcp-oauth-split:1:",
    '{"Secret":"mcp-oauth-split:1:x:99999"}',
    '{"Secret":"mcp-oauth-split:1::2"}',
    '{"ServerURL":"","Username":"","Secret":""}',
  ),
);
/** How one helper call ends. */
const outcome = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      code: fc.constantFrom(0, 0, 1, 2, 127),
      stdout,
      stderr: fc.oneof(
        anyString,
        fc.constantFrom(
          "credentials not found in native keychain",
          "pass not initialized",
          "gpg: decryption failed: No secret key",
          "org.freedesktop.DBus.Error",
        ),
      ),
      timedOut: fc.option(fc.boolean(), { nil: undefined }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      throws: fc.constantFrom("ENOENT", "EACCES", undefined),
      message: anyString,
    }),
  },
);

/** A helper that answers each call with the next scripted outcome. */
function scripted(outcomes: object[]): RunProcess {
  let i = 0;
  return (_argv, _options) => {
    const o = outcomes[i++ % outcomes.length] as Record<string, unknown>;
    if ("throws" in o) {
      return Promise.reject(Object.assign(new Error(String(o.message)), { code: o.throws }));
    }
    return Promise.resolve(o as { code: number; stdout: string; stderr: string });
  };
}

/** A well-behaved helper keeping entries in a map, as the protocol says. */
function memoryHelper(): { run: RunProcess; entries: Map<string, { u: string; s: string }> } {
  const entries = new Map<string, { u: string; s: string }>();
  const ok = (stdout = "") => Promise.resolve({ code: 0, stdout, stderr: "" });
  const run: RunProcess = (argv, { stdin = "" } = {}) => {
    switch (argv[1]) {
      case "store": {
        const c = JSON.parse(stdin);
        entries.set(c.ServerURL, { u: c.Username, s: c.Secret });
        return ok();
      }
      case "get": {
        const e = entries.get(stdin);
        if (!e) return Promise.resolve({ code: 1, stdout: "credentials not found", stderr: "" });
        return ok(JSON.stringify({ ServerURL: stdin, Username: e.u, Secret: e.s }));
      }
      case "erase":
        entries.delete(stdin);
        return ok();
      default:
        return ok(JSON.stringify(Object.fromEntries([...entries].map(([k, v]) => [k, v.u]))));
    }
  };
  return { run, entries };
}

describe("credential helper store: properties (issue 10)", () => {
  it(`any helper output or failure ends in a value or a one-line STORE_FAILED (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(outcome, { minLength: 1, maxLength: 6 }),
        fc.constantFrom("get", "list", "erase", "store"),
        fc.option(fc.integer({ min: 4, max: 64 }), { nil: undefined }),
        async (outcomes, action, max) => {
          const store = new HelperStore("fake", scripted(outcomes), { maxSecretBytes: max });
          const key = "https://as.example/.mcp-oauth/token/x";
          const r = await settleAsync(async () => {
            if (action === "get") return await store.get(key);
            if (action === "list") return await store.list();
            if (action === "erase") return await store.erase(key);
            return await store.store({ ServerURL: key, Username: "u", Secret: "s".repeat(100) });
          }, [ErrorCode.STORE_FAILED]);
          if (r.ok && action === "get" && r.value) {
            const c = r.value as { ServerURL: string; Username: unknown; Secret: unknown };
            assert.equal(c.ServerURL, key);
            assert.equal(typeof c.Username, "string", "a Username is a string");
            assert.equal(typeof c.Secret, "string");
          }
          if (r.ok && action === "list") {
            for (const [k, v] of Object.entries(r.value as Record<string, unknown>)) {
              assert.equal(typeof v, "string", k);
              assert.ok(!k.includes("/.mcp-oauth-part/"), "parts are not listed");
            }
          }
          return true;
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`secrets of any text read back exactly through any size limit, leaving no parts (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.constantFrom("a", "b"),
            fc.oneof(anyString, fc.string({ minLength: 50, maxLength: 400 })),
          ),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        fc.integer({ min: 4, max: 40 }),
        async (writes, max) => {
          const { run, entries } = memoryHelper();
          const store = new HelperStore("fake", run, { maxSecretBytes: max });
          const key = (k: string) => `https://as.example/.mcp-oauth/token/${k}`;
          const model = new Map<string, string>();
          for (const [k, secret] of writes) {
            // A lone surrogate cannot cross a helper's UTF-8 pipe: real secrets are JSON text.
            const s = secret.toWellFormed();
            await store.store({ ServerURL: key(k), Username: "u", Secret: s });
            model.set(k, s);
          }
          for (const [k, s] of model) assert.equal((await store.get(key(k)))?.Secret, s);
          assert.deepEqual(
            Object.keys(await store.list()).sort(),
            [...model.keys()].map(key).sort(),
            "only the heads are listed",
          );
          for (const k of model.keys()) await store.erase(key(k));
          assert.deepEqual([...entries.keys()], [], "erasing leaves no parts behind");
          return true;
        },
      ),
      { numRuns: RUNS / 2 },
    );
  });

  it(`splitUtf8 cuts any text into pieces within the limit, never inside a character (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(anyString, fc.integer({ min: 4, max: 50 }), (text, max) => {
        const pieces = splitUtf8(text, max);
        assert.equal(pieces.join(""), text);
        const enc = new TextEncoder();
        if (enc.encode(text).length > max) {
          for (const p of pieces) {
            assert.ok(enc.encode(p).length <= max, `piece of ${enc.encode(p).length} bytes`);
            assert.ok(p.length > 0);
            if (text.isWellFormed()) assert.ok(p.isWellFormed(), "no piece splits a pair");
          }
        } else assert.deepEqual(pieces, [text]);
        return true;
      }),
      { numRuns: RUNS },
    );
  });

  it(`a helper name or size limit from config.json never crashes the store (${RUNS} runs)`, async () => {
    const limit = fc.oneof(
      fc.integer({ min: -5, max: 10 }),
      fc.constantFrom(NaN, Infinity, -Infinity, 0.5, 3.9, 2560),
      junk,
    );
    const name = fc.oneof(
      fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
      fc.constantFrom(...PROTO_KEYS, "wincred", "pass"),
      anyString,
    );
    await fc.assert(
      fc.asyncProperty(name, limit, async (helper, max) => {
        const made = settle(
          () =>
            new HelperStore(
              helper,
              () => Promise.reject(Object.assign(new Error("x"), { code: "ENOENT" })),
              {
                maxSecretBytes: max as number,
              },
            ),
          [ErrorCode.USAGE, ErrorCode.STORE_FAILED],
        );
        if (!made.ok) {
          assert.ok(
            made.error.code === ErrorCode.USAGE || !(typeof max === "number" && max >= 4),
            "only a bad name or a bad limit is refused",
          );
          return true;
        }
        const r = await settleAsync(
          () =>
            made.value.store({
              ServerURL: "https://a.example/k",
              Username: "u",
              Secret: "s".repeat(64),
            }),
          [ErrorCode.STORE_FAILED, ErrorCode.USAGE],
        );
        assert.ok(!r.ok, "the helper does not exist");
        assert.doesNotMatch(r.error.message, /native code/, "no object text in messages");
        return true;
      }),
      { numRuns: RUNS },
    );
  });
});
