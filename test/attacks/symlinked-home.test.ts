/**
 * Another local user's folder behind a symbolic link (issue 15, item 7). The mode and owner
 * checks of the home looked at the link itself and skipped it, so a home that is a link into a
 * world-writable folder someone else owns was used: they could read the tokens and swap the
 * config. The checks now apply to the folder the link leads to, which is also the path used
 * from then on; entries inside the home (credentials, proxy key, config, locks, sign-ins) must
 * not be links at all. Real commands run as subprocesses; a home is refused before anything is
 * written to it.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmod, chown, mkdir, readdir, readFile, rename, stat, symlink } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { ErrorCode, McpOAuthError } from "../../src/core/errors.ts";
import { tightenHome } from "../../src/store/private-home.ts";
import { removeHome, runCli, tempHome } from "../cli/helpers.ts";

const URL_ = "https://mcp.example.com/mcp";
const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;
const isRoot = process.getuid?.() === 0;

describe("attacks: a home or store file behind a symbolic link (issue 15, item 7)", () => {
  let base: string;

  before(async () => {
    base = await tempHome("mcp-oauth-attacks-symlink-");
  });

  after(async () => {
    await removeHome(base);
  });

  /** A world-writable folder (as /tmp/shared would be) and a home that is a link to it. */
  async function linkedHome(name: string): Promise<{ target: string; link: string }> {
    const target = join(base, `${name}-target`);
    await mkdir(target);
    await chmod(target, 0o777);
    const link = join(base, `${name}-link`);
    await symlink(target, link);
    return { target, link };
  }

  it("a linked home is judged by the folder it leads to: another user's world-writable one is refused", async () => {
    const { target, link } = await linkedHome("api");
    const someoneElse = (process.getuid?.() ?? 0) + 4242;
    await assert.rejects(tightenHome(link, someoneElse), (err: unknown) => {
      assert.ok(err instanceof McpOAuthError);
      assert.equal(err.code, ErrorCode.STORE_FAILED);
      assert.ok(err.message.startsWith(`${target} is writable by other users (mode 0777)`));
      assert.match(err.message, /belongs to another user; choose another --home/);
      return true;
    });
    assert.equal(octal((await stat(target)).mode), "0777", "not touched");
  });

  (isRoot ? it : it.skip)(
    "as root: a home linked to a 0777 folder owned by nobody is refused by add, nothing written",
    async () => {
      const { target, link } = await linkedHome("nobody");
      await chown(target, 65534, 65534);
      const r = await runCli(["add", "demo", URL_], { home: link });
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stderr,
        /is writable by other users \(mode 0777\) and belongs to another user/,
      );
      assert.ok(r.stderr.includes(target), "names the real folder");
      assert.deepEqual(await readdir(target), [], "the other user's folder was used");
    },
  );

  it("a linked home of our own that is world-writable is tightened at its real path and reported", async () => {
    const { target, link } = await linkedHome("own");
    const r = await runCli(["add", "demo", URL_], { home: link });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`warning: ${target} was writable by other users`));
    assert.equal(octal((await stat(target)).mode), "0700");
    assert.ok((await readdir(target)).includes("config.json"));
  });

  for (const name of ["credentials.json", "proxy-key.json", "config.json"]) {
    it(`a ${name} that is a link (to a file other users can write) is refused, not read`, async () => {
      const home = join(base, `file-${name}`);
      await mkdir(home, { mode: 0o700 });
      // A static client's secret: credentials.json exists too.
      const add = await runCli([
        "add",
        "demo",
        URL_,
        "--client-id",
        "c",
        "--client-secret",
        "symlink-test-client-secret",
      ], { home });
      assert.equal(add.code, 0, add.stderr);
      assert.equal((await runCli(["proxy-key"], { home })).code, 0);
      // The attacker's copy, world-writable, where the entry was.
      const planted = join(base, `planted-${name}`);
      await rename(join(home, name), planted);
      await chmod(planted, 0o666);
      await symlink(planted, join(home, name));
      const before = await readFile(planted, "utf8");
      for (const args of [["ls"], ["proxy-key"], ["add", "other", URL_]]) {
        const r = await runCli(args, { home });
        assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
        assert.ok(
          r.stderr.includes(`${join(home, name)} is a symbolic link (to ${planted})`),
          r.stderr,
        );
        assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      }
      assert.equal(await readFile(planted, "utf8"), before, "the linked file was written");
    });
  }

  for (const name of ["locks", "sign-ins"]) {
    it(`a ${name} folder that is a link is refused`, async () => {
      const home = join(base, `dir-${name}`);
      await mkdir(home, { mode: 0o700 });
      const shared = join(base, `shared-${name}`);
      await mkdir(shared);
      await chmod(shared, 0o777);
      await symlink(shared, join(home, name));
      const r = await runCli(["add", "demo", URL_], { home });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /is a symbolic link .*Put the real folder there/);
      assert.deepEqual(await readdir(shared), []);
    });
  }
});
