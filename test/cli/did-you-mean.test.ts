/**
 * Typos point the right way (issue 18, item 7): `help help` explains help, and a mistyped
 * command gets the commands it is close to. Run as a person would: `scripts/mcp-oauth` as a
 * subprocess.
 *
 * @module
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { closest } from "../../src/cli/suggest.ts";
import { removeHome, runCli, tempHome } from "./helpers.ts";

describe("help help and did-you-mean (issue 18, item 7)", () => {
  let home: string;
  before(async () => (home = await tempHome()));
  after(() => removeHome(home));

  it("help help: what help does, exit 0", async () => {
    const r = await runCli(["help", "help"], { home });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^mcp-oauth help \[command\]$/m);
    assert.match(r.stdout, /mcp-oauth help authorize/);
    assert.equal(r.stderr, "");
  });

  for (
    const [typed, meant] of [
      ["authorise", '"authorize"'],
      ["tokn", '"token"'],
      ["revok", '"revoke"'],
      ["dicsover", '"discover"'],
      ["remvoe", '"remove" or "revoke"'],
    ]
  ) {
    it(`${typed}: exit 2, one line, did you mean ${meant}`, async () => {
      const r = await runCli([typed!, "demo"], { home });
      assert.equal(r.code, 2);
      assert.equal(
        r.stderr,
        `mcp-oauth: Unknown command "${typed}"; did you mean ${meant}? See "mcp-oauth help".\n`,
      );
    });
  }

  it("help tokn suggests too; a word close to nothing gets the plain line", async () => {
    const r = await runCli(["help", "tokn"], { home });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /did you mean "token"\?/);
    const far = await runCli(["frobnicate"], { home });
    assert.equal(far.stderr, 'mcp-oauth: Unknown command "frobnicate"; see "mcp-oauth help".\n');
  });

  it("closest: small edits, prefixes and swaps; nothing for unrelated words", () => {
    const words = ["authorize", "token", "tools", "ls", "call"];
    assert.deepEqual(closest("authorise", words), ["authorize"]);
    assert.deepEqual(closest("auth", words), ["authorize"]);
    assert.deepEqual(closest("tolos", words), ["tools"]);
    assert.deepEqual(closest("xyzzy", words), []);
    assert.deepEqual(closest("a".repeat(500), words), []);
  });
});
