/**
 * S20: the refresh lock must have one holder at a time, also while several waiters take over a
 * lock file whose holder died (test/cli/concurrency.test.ts does the same with 20 processes).
 *
 * @module
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileLock } from "../../src/store/file-lock.ts";

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** Largest number of callers inside `withLock` at once, for `n` callers with a lock each. */
async function maxHolders(dir: string, n: number): Promise<number> {
  let inside = 0;
  let max = 0;
  await Promise.all(
    Array.from({ length: n }, () =>
      new FileLock(dir).withLock("k", async () => {
        inside++;
        max = Math.max(max, inside);
        await new Promise((r) => setTimeout(r, 10));
        inside--;
      })),
  );
  return max;
}

describe("file lock: taking over a dead holder's lock", () => {
  it(
    "S20: 20 waiters on a lock whose holder is dead: one holder at a time",
    { timeout: 20_000 },
    async () => {
      for (let round = 0; round < 3; round++) {
        const dir = await mkdtemp(join(tmpdir(), "mcp-oauth-lock-"));
        dirs.push(dir);
        // pid 2^22+1 is above Linux's pid_max default; no such process exists.
        await writeFile(new FileLock(dir).pathFor("k"), `4194305 ${Date.now()}\n`, { mode: 0o600 });
        assert.equal(await maxHolders(dir, 20), 1, `round ${round}: two callers held the lock`);
        assert.deepEqual(await readdir(dir), [], "no lock file left behind");
      }
    },
  );

  it("S20: 20 waiters on a free lock: one holder at a time", { timeout: 20_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), "mcp-oauth-lock-"));
    dirs.push(dir);
    assert.equal(await maxHolders(dir, 20), 1);
  });
});
