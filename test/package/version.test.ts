/**
 * One version everywhere: package.json (npm), deno.json (JSR) and `mcp-oauth --version`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { VERSION } from "../../src/cli/version.ts";
import { ROOT } from "../cli/helpers.ts";

const json = async (name: string) =>
  JSON.parse(await readFile(join(ROOT, name), "utf8")) as Record<string, unknown>;

describe("the version", () => {
  it("is the same in package.json, deno.json and src/cli/version.ts", async () => {
    const npm = await json("package.json");
    const jsr = await json("deno.json");
    assert.match(VERSION, /^\d+\.\d+\.\d+(-[\w.]+)?$/);
    assert.equal(npm.version, VERSION);
    assert.equal(jsr.version, VERSION);
    assert.equal(npm.license, jsr.license);
  });

  it("deno.json exports the library and the CLI, package.json the library and the bin", async () => {
    const npm = await json("package.json");
    const jsr = await json("deno.json");
    assert.deepEqual(jsr.exports, { ".": "./src/mod.ts", "./cli": "./src/cli.ts" });
    assert.deepEqual(npm.bin, { "mcp-oauth": "dist/cli.mjs" });
    assert.equal((npm.scripts as Record<string, string>).prepack, "bash scripts/build dist");
  });
});
