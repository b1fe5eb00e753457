/**
 * Every property failure can be replayed (issue 18, item 3): fast-check's report names the seed
 * and path, and MCP_OAUTH_PROPS_SEED / MCP_OAUTH_PROPS_PATH (test/props/props-helpers.ts) run
 * the same inputs again, in a fresh process as a person replaying it would.
 *
 * @module
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import fc from "fast-check";
import { REPLAY } from "./props-helpers.ts";

/**
 * A property that fails on about one input in 4: the first failing input depends on the seed,
 * and a run of any length the suite configures finds one (one in 20 let about one run in 170
 * pass by chance, failing this test).
 */
const flaky = fc.property(fc.nat(999), (n) => n % 4 !== 3);

/** The first counterexample fast-check reports for `flaky` with `params`. */
function report(params: fc.Parameters<[number]>): string {
  try {
    fc.assert(flaky, { ...params, endOnFailure: true });
  } catch (err) {
    return (err as Error).message;
  }
  return "passed";
}

describe("property tests: a failure names its seed and replays (issue 18, item 3)", () => {
  it("the report of a failing property names its seed and path", () => {
    if (REPLAY.seed !== undefined) return; // this very test is being replayed
    const message = report({});
    assert.match(message, /seed: -?\d+, path: "[\d:]+"/);
    assert.match(message, /Counterexample: \[\d+\]/);
  });

  it("MCP_OAUTH_PROPS_SEED and _PATH replay the same counterexample in a new process", () => {
    if (REPLAY.seed !== undefined) return;
    const first = report({});
    const [, seed, path] = /seed: (-?\d+), path: "([\d:]+)"/.exec(first)!;
    const counterexample = /Counterexample: (\[\d+\])/.exec(first)![1];
    const script = `
      import fc from "fast-check";
      import "${fileURLToPath(new URL("./props-helpers.ts", import.meta.url))}";
      try { fc.assert(fc.property(fc.nat(999), (n) => n % 4 !== 3), { endOnFailure: true }); }
      catch (err) { console.log(/Counterexample: (\\[\\d+\\])/.exec(err.message)[1]); }`;
    const isDeno = (globalThis as { Deno?: unknown }).Deno !== undefined;
    const bin = fileURLToPath(
      new URL(`../../node_modules/.bin/${isDeno ? "deno" : "bun"}`, import.meta.url),
    );
    const args = isDeno ? ["eval", "--ext=ts", script] : ["-e", script];
    const run = spawnSync(bin, args, {
      cwd: fileURLToPath(new URL("../../", import.meta.url)),
      env: { ...process.env, MCP_OAUTH_PROPS_SEED: seed, MCP_OAUTH_PROPS_PATH: path },
      encoding: "utf8",
    });
    assert.equal(run.stdout.trim(), counterexample, run.stderr);
  });
});
