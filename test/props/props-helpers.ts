/**
 * Shared pieces of the property-based tests (issue 10): hostile-text arbitraries and the
 * "never crashes" check. A parser passes when it returns normally or throws the project's
 * McpOAuthError with a one-line message; any other error (TypeError, RangeError,
 * SyntaxError, …) is re-thrown so fast-check reports it with its seed and shrunk input.
 *
 * @module
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { type ErrorCode, McpOAuthError } from "../../src/core/errors.ts";

/**
 * Replaying a failure: fast-check's error names the seed and path of the failing run
 * (`{ seed: 1234, path: "0:1" }`); MCP_OAUTH_PROPS_SEED=1234 MCP_OAUTH_PROPS_PATH=0:1 runs
 * every property of this process from that seed (run one file, and one test with -t / --filter).
 * Without them each property gets its own random seed, which its failure prints.
 * @see https://fast-check.dev/docs/tutorials/quick-start/read-test-reports/
 */
export const REPLAY: { seed?: number; path?: string } = configureReplay(
  (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {},
);

function configureReplay(
  env: Record<string, string | undefined>,
): { seed?: number; path?: string } {
  const seed = env.MCP_OAUTH_PROPS_SEED;
  if (!seed) return {};
  if (!/^-?\d+$/.test(seed)) {
    throw new Error(`MCP_OAUTH_PROPS_SEED must be an integer, not "${seed}".`);
  }
  const replay = {
    seed: Number(seed),
    ...(env.MCP_OAUTH_PROPS_PATH ? { path: env.MCP_OAUTH_PROPS_PATH } : {}),
  };
  fc.configureGlobal({ ...fc.readConfigureGlobal(), ...replay });
  return replay;
}

/** Names that collide with members of Object.prototype when used as plain-object keys. */
export const PROTO_KEYS: readonly string[] = [
  "__proto__",
  "constructor",
  "toString",
  "valueOf",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
  "__defineGetter__",
  "__lookupSetter__",
];

/** Any UTF-16 code unit, lone surrogates included (what a broken peer can put in a JS string). */
const utf16Unit = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n));

/** Any string: printable, binary (all code points) or raw UTF-16. */
export const anyString: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.string({ unit: utf16Unit }),
);

/**
 * Text built from random strings and `fragments` (pieces of the grammar under test), so
 * random input reaches deep into the parser instead of failing on its first character.
 */
export function hostileText(
  fragments: readonly string[],
  maxPieces = 10,
): fc.Arbitrary<string> {
  const piece = fc.oneof(
    { weight: 1, arbitrary: anyString },
    { weight: 3, arbitrary: fc.constantFrom(...fragments) },
  );
  return fc.array(piece, { maxLength: maxPieces }).map((xs) => xs.join(""));
}

/** Check the project's error contract: an McpOAuthError, one non-empty line, an expected code. */
export function assertProjectError(
  err: unknown,
  codes?: readonly ErrorCode[],
): asserts err is McpOAuthError {
  if (!(err instanceof McpOAuthError)) throw err;
  assert.ok(err.message.length > 0, "an error message");
  assert.doesNotMatch(err.message, /[\r\n]/, "the message is one line");
  if (codes) assert.ok(codes.includes(err.code), `code ${err.code} is one of ${codes.join(", ")}`);
}

/** Run `fn`: its value, or undefined after {@link assertProjectError} accepted what it threw. */
export function settle<T>(
  fn: () => T,
  codes?: readonly ErrorCode[],
): { ok: true; value: T } | { ok: false; error: McpOAuthError } {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    assertProjectError(err, codes);
    return { ok: false, error: err };
  }
}

/** {@link settle} for async functions. */
export async function settleAsync<T>(
  fn: () => Promise<T>,
  codes?: readonly ErrorCode[],
): Promise<{ ok: true; value: T } | { ok: false; error: McpOAuthError }> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    assertProjectError(err, codes);
    return { ok: false, error: err };
  }
}

/** Base64url without padding, of UTF-8 text. */
export function base64url(text: string): string {
  let binary = "";
  for (const b of new TextEncoder().encode(text)) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
