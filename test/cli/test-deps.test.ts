/**
 * `npm test` on a machine without the system programs stops at once with one line naming the
 * command that installs them, and `npm run test:deps` (scripts/test-deps) installs them with
 * apt-get as root or prints the sudo line (issue 18, item 2). The machine is simulated with a
 * PATH that lacks zsh and fish, and stand-ins for `id` and `apt-get`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmod, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ROOT } from "./helpers.ts";

const LEAVE_OUT = new Set(["zsh", "fish", "apt-get", "id", "sudo"]);

describe("test:deps and the check npm test starts with (issue 18, item 2)", () => {
  let bin: string;
  before(async () => {
    // A PATH of everything in /usr/bin (and /bin) but zsh, fish and the stand-ins below.
    bin = await mkdtemp(join(tmpdir(), "mcp-oauth-test-deps-"));
    for (const dir of ["/usr/bin", "/bin"]) {
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        if (LEAVE_OUT.has(name)) continue;
        await symlink(join(dir, name), join(bin, name)).catch(() => {});
      }
    }
  });
  after(() => rm(bin, { recursive: true, force: true }));

  /** Runs `bash script args` with PATH=bin (and `id` answering `uid`, `apt-get` recording). */
  async function run(script: string, args: string[], uid: number) {
    await stub("id", `echo ${uid}`);
    await stub("apt-get", `echo "$*" >>"${bin}/apt-get.log"`);
    const started = Date.now();
    const r = spawnSync("/bin/bash", [join(ROOT, "scripts", script), ...args], {
      cwd: ROOT,
      env: { PATH: bin, HOME: tmpdir() },
      encoding: "utf8",
      timeout: 60_000,
    });
    return { ...r, ms: Date.now() - started };
  }

  async function stub(name: string, body: string) {
    await writeFile(join(bin, name), `#!/bin/bash\n${body}\n`);
    await chmod(join(bin, name), 0o755);
  }

  it("npm test (scripts/test) stops within seconds with one line naming npm run test:deps", async () => {
    const r = await run("test", [], 1000);
    assert.equal(r.status, 1);
    assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
    assert.equal(
      r.stderr,
      "The tests need zsh fish (system packages): run 'npm run test:deps' to install them, then 'npm test' again.\n",
    );
    assert.equal(r.stdout, "", "nothing ran");
  });

  it("test:deps without root: exit 1 and the sudo line to run", async () => {
    const r = await run("test-deps", [], 1000);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^test:deps: missing zsh fish; install them with:\n/);
    assert.match(
      r.stderr,
      /^ {2}sudo apt-get update && sudo apt-get install -y --no-install-recommends pass golang-docker-credential-helpers gnupg chromium fonts-dejavu-core zsh fish$/m,
    );
    assert.equal(await readFile(join(bin, "apt-get.log"), "utf8").catch(() => ""), "");
  });

  it("test:deps as root: apt-get update and install of the packages", async () => {
    const r = await run("test-deps", [], 0);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /installing zsh fish with apt-get/);
    const calls = (await readFile(join(bin, "apt-get.log"), "utf8")).trim().split("\n");
    assert.deepEqual(calls, [
      "update -qq",
      "install -y -qq --no-install-recommends pass golang-docker-credential-helpers gnupg chromium fonts-dejavu-core zsh fish",
    ]);
  });

  it("on this machine (everything installed) the check is silent and passes", () => {
    const r = spawnSync("/bin/bash", [join(ROOT, "scripts", "test-deps"), "--check"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr + r.stdout, "");
  });
});
