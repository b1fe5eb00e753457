/**
 * Every command's help (`mcp-oauth help NAME`, `NAME --help`) has a synopsis and examples that
 * run that command.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { COMMAND_NAMES, loadCommands } from "../../src/cli/commands/index.ts";
import { runMain } from "./helpers.ts";

const COMMANDS = await loadCommands();

describe("help", () => {
  it("every lazily loaded command is registered under its own name", () => {
    assert.deepEqual([...COMMANDS.keys()], [...COMMAND_NAMES]);
  });

  for (const name of COMMANDS.keys()) {
    it(`help ${name}: synopsis and examples`, async () => {
      const r = await runMain(["help", name], { home: "/nonexistent-mcp-oauth-home" });
      assert.equal(r.code, 0);
      const text = r.out.join("\n");
      assert.match(text, new RegExp(`^mcp-oauth ${name}\\b`));
      const examples = /\nExamples?:\n((?: {2}.*\n?)+)/.exec(text)?.[1] ?? "";
      assert.ok(examples, `${name} has examples`);
      assert.match(
        examples,
        new RegExp(`mcp-oauth (\\S+ )*${name}\\b`),
        `${name}'s examples run it`,
      );
    });
  }
});
