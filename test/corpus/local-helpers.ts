/**
 * What the local bad-input corpus (test/corpus/local-*.test.ts) shares: a home with a signed-in
 * server to lose, a byte-for-byte picture of every file and folder under it, and the checks
 * every bad input must pass (one error line, the exit code, nothing on stdout).
 *
 * @module
 */
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import process from "node:process";
import { type CliResult, errorLines, type MainResult } from "../cli/helpers.ts";
import { seedHome } from "../helpers/seed.ts";

/**
 * Every file (relative path → base64 content) and folder (relative path → "dir") under `dir`,
 * recursively, sorted by path.
 */
export async function homeTree(dir: string): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  const walk = async (d: string) => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      const rel = relative(dir, path);
      if (entry.isDirectory()) {
        found[`${rel}/`] = "dir";
        await walk(path);
      } else {
        found[rel] = (await readFile(path)).toString("base64");
      }
    }
  };
  await walk(dir);
  return Object.fromEntries(Object.entries(found).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The seeded server of {@link signedInHome}: its name, URL and access token. */
export const SEEDED = {
  name: "server-0",
  url: "https://mcp0.example.com/mcp",
  issuer: "https://as.example.com",
  accessToken: "at-0",
} as const;

/** A fresh home (file store) where {@link SEEDED} is signed in. */
export async function signedInHome(prefix = "mcp-oauth-corpus-local-"): Promise<string> {
  return (await seedHome(1, prefix)).home;
}

/** True when the tests run as root (CI containers): permission bits do not stop root reading. */
export const IS_ROOT: boolean = typeof process.getuid === "function" && process.getuid() === 0;

/**
 * The user saw exactly one stderr line, `mcp-oauth: …`, equal to `expected` (a string) or
 * matching it (an anchored RegExp), and nothing on stdout; the exit code is `code`.
 */
export function assertFailure(
  r: MainResult | CliResult,
  code: number,
  expected: string | RegExp,
): string {
  const out = "out" in r ? r.out.join("\n") : r.stdout;
  const err = "err" in r ? r.err : r.stderr;
  const shown = JSON.stringify(err);
  assert.equal(r.code, code, `exit code (stderr: ${shown})`);
  assert.equal(out, "", "nothing on stdout");
  const { errors, lines } = errorLines(err);
  assert.equal(errors.length, 1, `one error line: ${shown}`);
  assert.equal(lines.at(-1), errors[0], `the error is the last line: ${shown}`);
  const line = errors[0]!;
  assert.ok(!/[\n\r]/.test(line) && !line.includes("\u001b"), "one plain line");
  assert.doesNotMatch(line, /unexpected error|MCP_OAUTH_DEBUG/, `not a crash: ${line}`);
  if (typeof expected === "string") assert.equal(line, `mcp-oauth: ${expected}`);
  else assert.match(line, expected);
  return line;
}

/** Escape `text` for use inside a RegExp. */
export function re(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
