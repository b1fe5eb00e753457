/**
 * Commands that use no store open none: `catalog` and `completion` neither create nor check
 * nor tighten the home (issue 17: a lazy CLI context).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runMain } from "./helpers.ts";

describe("commands without a store", () => {
  for (const argv of [["catalog"], ["catalog", "notion", "--json"], ["completion", "bash"]]) {
    it(`${argv.join(" ")}: exit 0 and no home is made`, async () => {
      const parent = mkdtempSync(join(tmpdir(), "mcp-oauth-storeless-"));
      const home = join(parent, "never-made");
      try {
        const r = await runMain(argv, { home });
        assert.equal(r.code, 0, r.err.join("\n"));
        assert.ok(r.out.join("").length > 0, "it printed its answer");
        assert.equal(existsSync(home), false, "the home was not created");
      } finally {
        rmSync(parent, { recursive: true, force: true });
      }
    });
  }

  it("a home that cannot be used stops ls, not catalog", async () => {
    const parent = mkdtempSync(join(tmpdir(), "mcp-oauth-storeless-"));
    const home = join(parent, "a-file");
    writeFileSync(home, "not a folder");
    try {
      assert.equal((await runMain(["catalog"], { home })).code, 0);
      const ls = await runMain(["ls"], { home });
      assert.notEqual(ls.code, 0, "ls opens the store, so the broken home is reported");
      assert.match(ls.err.join("\n"), /^mcp-oauth: /m);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
