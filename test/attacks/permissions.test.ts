/**
 * Attacks by other local users on the files mcp-oauth keeps (issue 10): after real commands
 * (add, authorize, refresh, proxy-key) under umask 022 and 000, every folder of the home is
 * 0700 and every file 0600; a sign-in's marker and a held lock are 0600 too; a home found more
 * open than that is tightened on the next command and reported, once; one that belongs to
 * another user is refused.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdir, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { ErrorCode, McpOAuthError } from "../../src/core/errors.ts";
import { FileLock } from "../../src/store/file-lock.ts";
import { tightenHome } from "../../src/store/private-home.ts";
import {
  errorLines,
  PERSON_BROWSER,
  removeHome,
  runCli,
  runMain,
  startCli,
  tempHome,
} from "../cli/helpers.ts";
import {
  type AuthorizationServer,
  startAuthorizationServer,
} from "../fixtures/authorization-server.ts";
import { type McpTestServer, startMcpServer } from "../fixtures/mcp-server.ts";

/** Every entry under `dir` (itself included) as "path mode", folders with a trailing "/". */
async function modes(dir: string, root = dir): Promise<string[]> {
  const out = [`${dir.slice(root.length)}/ ${octal((await stat(dir)).mode)}`];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...await modes(path, root));
    else out.push(`${path.slice(root.length)} ${octal((await stat(path)).mode)}`);
  }
  return out.sort();
}

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;

/** The entries of {@link modes} that are not 0700 (folders) or 0600 (files). */
async function tooOpen(home: string): Promise<string[]> {
  return (await modes(home)).filter((l) => !/(\/ 0700|[^/] 0600)$/.test(l));
}

describe("attacks: what other local users could read or write in the home (issue 10)", () => {
  let as: AuthorizationServer;
  let mcp: McpTestServer;
  const homes: string[] = [];

  before(async () => {
    as = await startAuthorizationServer();
    mcp = await startMcpServer({ issuer: as.issuer, introspect: as.introspect });
    as.allowResource(mcp.url);
  });

  after(async () => {
    await mcp?.close();
    await as?.close();
    for (const h of homes) await removeHome(h);
  });

  async function freshBase(): Promise<string> {
    const base = await tempHome("mcp-oauth-attacks-perm-");
    homes.push(base);
    return base;
  }

  for (const umask of ["022", "000"]) {
    it(
      `umask ${umask}: after add, authorize and proxy-key every folder is 0700 and every file 0600`,
      {
        timeout: 60_000,
      },
      async () => {
        // A home that does not exist yet, two levels down: mcp-oauth makes both folders.
        const home = join(await freshBase(), "made", "home");
        // In-process under the tests' own umask (022); as a subprocess under 000.
        const cli = async (args: string[]) => {
          if (umask !== "000") {
            const r = await runMain(args, { home });
            return { code: r.code, stderr: r.err.join("\n") };
          }
          return await runCli(args, { home, umask });
        };
        assert.equal((await cli(["add", "demo", mcp.url])).code, 0);
        const signIn = await cli(["authorize", "demo", "--browser", PERSON_BROWSER]);
        assert.equal(signIn.code, 0, signIn.stderr);
        assert.equal((await cli(["proxy-key"])).code, 0);
        const all = await modes(home);
        for (
          const name of [
            "/credentials.json",
            "/config.json",
            "/proxy-key.json",
            "/locks/",
            "/sign-ins/",
          ]
        ) {
          assert.ok(all.some((l) => l.startsWith(`${name} `)), `${name} exists: ${all.join(", ")}`);
        }
        assert.deepEqual(await tooOpen(home), [], all.join("\n"));
        assert.equal(octal((await stat(join(home, ".."))).mode), "0700", "the parent it made too");
        assert.deepEqual(
          all.filter((l) => /\.(tmp|lock|takeover) /.test(l)),
          [],
          "no temp file, lock or guard left behind",
        );
      },
    );
  }

  it("while a sign-in waits, its marker is 0600 in a 0700 folder; a held lock file is 0600", {
    timeout: 30_000,
  }, async () => {
    const home = await freshBase();
    assert.equal((await runCli(["add", "demo", mcp.url], { home })).code, 0);
    const cli = startCli(["authorize", "demo", "--browser", "none", "--timeout", "2"], { home });
    await cli.waitForStderr(/paste the address/);
    const markers = await readdir(join(home, "sign-ins"));
    assert.ok(markers.some((m) => m.endsWith(".json")), markers.join());
    for (const m of markers) {
      assert.equal(octal((await stat(join(home, "sign-ins", m))).mode), "0600", m);
    }
    assert.equal(octal((await stat(join(home, "sign-ins"))).mode), "0700");
    await cli.done;
    assert.deepEqual(
      await readdir(join(home, "sign-ins")),
      [],
      "the marker is gone with the sign-in",
    );

    const lock = new FileLock(join(home, "locks"));
    const held = await lock.withLock(
      "attack",
      async () => octal((await stat(lock.pathFor("attack"))).mode),
    );
    assert.equal(held, "0600");
    assert.deepEqual(await tooOpen(home), []);
  });

  it("a home found too open is tightened by the next command, each change reported once", async () => {
    const home = join(await freshBase(), "h");
    assert.equal(
      (await runCli([
        "add",
        "demo",
        mcp.url,
        "--client-id",
        "c",
        "--client-secret",
        "static-secret-0123456789",
      ], { home })).code,
      0,
    );
    assert.equal((await runCli(["proxy-key"], { home })).code, 0);
    await mkdir(join(home, "sign-ins"));
    // As a restore from backup, a `cp -r`, or a umask of 000 before mcp-oauth ran would leave it.
    await chmod(home, 0o777);
    await chmod(join(home, "locks"), 0o777);
    await chmod(join(home, "sign-ins"), 0o775);
    await chmod(join(home, "credentials.json"), 0o644);
    await chmod(join(home, "proxy-key.json"), 0o640);
    await chmod(join(home, "config.json"), 0o666);

    const ls = await runCli(["ls"], { home });
    assert.equal(ls.code, 0, ls.stderr);
    const warnings = errorLines(ls.stderr).lines.filter((l) => l.startsWith("warning: "));
    assert.equal(warnings.length, 6, ls.stderr);
    for (
      const [name, was, now] of [
        ["", "0777", "0700"],
        ["/locks", "0777", "0700"],
        ["/sign-ins", "0775", "0700"],
        ["/credentials.json", "0644", "0600"],
        ["/proxy-key.json", "0640", "0600"],
        ["/config.json", "0666", "0600"],
      ]
    ) {
      assert.ok(
        warnings.some((w) =>
          w.startsWith(`warning: ${home}${name} was `) &&
          w.includes(`(mode ${was}); mcp-oauth made it ${now}.`)
        ),
        `${name}: ${warnings.join("\n")}`,
      );
    }
    assert.match(
      warnings.find((w) => w.includes("credentials.json"))!,
      /secrets may have been read/,
    );
    assert.deepEqual(await tooOpen(home), []);
    const again = await runCli(["ls"], { home });
    assert.doesNotMatch(again.stderr, /warning/, "reported once");

    // Readable by others but not writable: the folders hold only 0600 files, the config no
    // secret. Left as the person set it.
    await chmod(home, 0o755);
    await chmod(join(home, "config.json"), 0o644);
    const quiet = await runCli(["ls"], { home });
    assert.doesNotMatch(quiet.stderr, /warning/);
    assert.equal(octal((await stat(home)).mode), "0755");
  });

  it("a too-open entry that belongs to another user is refused with what to do, never used", async () => {
    const home = join(await freshBase(), "h");
    assert.equal((await runCli(["add", "demo", mcp.url], { home })).code, 0);
    await chmod(join(home, "config.json"), 0o666);
    const someoneElse = (process.getuid?.() ?? 0) + 4242;
    await assert.rejects(tightenHome(home, someoneElse), (err: unknown) => {
      assert.ok(err instanceof McpOAuthError);
      assert.equal(err.code, ErrorCode.STORE_FAILED);
      assert.match(
        err.message,
        /config\.json is writable by other users \(mode 0666\) and belongs to another user; choose another --home/,
      );
      return true;
    });
    assert.equal(octal((await stat(join(home, "config.json"))).mode), "0666", "not touched");
    assert.deepEqual(await tightenHome(home, undefined, "win32"), [], "Windows has no mode bits");
  });
});
