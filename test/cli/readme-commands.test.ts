/**
 * The README's first commands are true on a fresh clone (issue 18, item 1): the two newcomer
 * commands come first and name scripts that exist; every `./scripts/…` it names is there and
 * executable; and no registry command (`npx mcp-oauth`, `bunx`, `npm:mcp-oauth`) is offered
 * outside the rows marked "after publishing", since the npm name belongs to another package.
 *
 * @module
 */
import assert from "node:assert/strict";
import { accessSync, constants, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ROOT } from "./helpers.ts";

const README = readFileSync(join(ROOT, "README.md"), "utf8");
const SCRIPTS = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  scripts: Record<string, string>;
}).scripts;

describe("README: the first ten minutes (issue 18, item 1)", () => {
  it("the first code block is the two newcomer commands: the demo, and the tests with test:deps", () => {
    const first = /```sh\n([\s\S]*?)```/.exec(README)![1]!.trim().split("\n");
    assert.match(first[0]!, /^npm install && npm run demo\s+#/);
    assert.match(first[1]!, /^npm install && npm run test:deps && npm test\s+#/);
    assert.equal(first.length, 2);
  });

  it("every npm run script it names exists in package.json", () => {
    const named = new Set([...README.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]!));
    assert.ok(named.has("demo") && named.has("test:deps"));
    for (const name of named) assert.ok(SCRIPTS[name], `npm run ${name} is in package.json`);
    assert.ok(SCRIPTS.test);
  });

  it("every ./scripts/… and scripts/… program it names exists and is executable", () => {
    const paths = new Set(
      [...README.matchAll(/(?:\.\/)?scripts\/([\w.-]+)(?=[`\s)])/g)].map((m) => m[1]!),
    );
    assert.ok(paths.has("mcp-oauth") && paths.has("test-deps"), [...paths].join(" "));
    for (const p of paths) {
      assert.doesNotThrow(() => accessSync(join(ROOT, "scripts", p), constants.R_OK), p);
    }
    for (const p of ["mcp-oauth", "test-deps", "build", "demo", "test"]) {
      accessSync(join(ROOT, "scripts", p), constants.X_OK);
    }
  });

  it("registry commands appear only after the 'after publishing' note", () => {
    const note = README.indexOf("After publishing");
    assert.ok(note > 0, "the note is there");
    for (const m of README.matchAll(/npx mcp-oauth|bunx (--bun )?mcp-oauth|npm:mcp-oauth/g)) {
      const line = README.slice(
        README.lastIndexOf("\n", m.index) + 1,
        README.indexOf("\n", m.index),
      );
      assert.ok(
        m.index! > note || /after publishing/i.test(line),
        `"${m[0]}" offered before the note: ${line}`,
      );
    }
  });
});
