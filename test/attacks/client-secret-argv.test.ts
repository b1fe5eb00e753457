/**
 * A pre-registered client's secret in the command line (issue 15, item 8): `--client-secret S`
 * is readable by every local user in /proc/PID/cmdline or `ps` while the command runs. The
 * secret must be able to arrive without argv: `--client-secret-file PATH` (`-`: stdin) and
 * MCP_OAUTH_CLIENT_SECRET, the variable only with `--client-id` in the same command, so a value
 * left in the environment never reaches another server. Each run is a real subprocess; the test
 * reads the secret back from the credential store and checks it was not in the argv it used.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseCommandArgs } from "../../src/cli/args.ts";
import { resolveClientSecret } from "../../src/cli/client-secret.ts";
import { SIGN_IN_OPTIONS } from "../../src/cli/sign-in-options.ts";
import { CLI, removeHome, ROOT, runCli, storedRecords, tempHome } from "../cli/helpers.ts";
import { neutralEnv } from "../helpers/child-env.ts";
import { recordCommand, recordSecret } from "../helpers/secret-ledger.ts";

const URL_ = "https://mcp.example.com/mcp";

/** Every client secret kept in the home's credential store. */
async function storedSecrets(home: string): Promise<string[]> {
  return Object.values(await storedRecords(home)).flatMap((r) =>
    r && typeof r === "object" && typeof (r as { client_secret?: unknown }).client_secret ===
        "string"
      ? [(r as { client_secret: string }).client_secret]
      : []
  );
}

/** `scripts/mcp-oauth ARGS` with `stdin` written to its standard input. */
function runWithStdin(args: string[], home: string, stdin: string) {
  return new Promise<{ code: number; stderr: string }>((resolve, reject) => {
    const child = spawn(CLI, args, {
      cwd: ROOT,
      env: {
        ...neutralEnv(),
        MCP_OAUTH_HOME: home,
        MCP_OAUTH_RUNTIME: (globalThis as { Deno?: unknown }).Deno ? "deno" : "bun",
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code: number | null) => {
      recordCommand(args, stdout, stderr);
      resolve({ code: code ?? 1, stderr });
    });
    child.stdin!.end(stdin);
  });
}

describe("attacks: the client secret in the command line (issue 15, item 8)", () => {
  const homes: string[] = [];
  let n = 0;
  const secret = () => {
    const s = `cs-argv-${++n}-${crypto.randomUUID()}`;
    recordSecret("client_secret", s);
    return s;
  };
  let dir: string;

  before(async () => {
    dir = await tempHome("mcp-oauth-attacks-secret-files-");
    homes.push(dir);
  });

  after(async () => {
    for (const h of homes) await removeHome(h);
  });

  async function home() {
    const h = await tempHome("mcp-oauth-attacks-secret-");
    homes.push(h);
    return h;
  }

  it("add takes the secret from MCP_OAUTH_CLIENT_SECRET with --client-id, not from argv", async () => {
    const h = await home();
    const s = secret();
    const args = ["add", "gh", URL_, "--client-id", "Ov23li"];
    const r = await runCli(args, { home: h, env: { MCP_OAUTH_CLIENT_SECRET: s } });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!args.join(" ").includes(s));
    assert.deepEqual(await storedSecrets(h), [s]);
    assert.ok(!r.stdout.includes(s) && !r.stderr.includes(s), "the secret was printed");
  });

  it("add takes the secret from --client-secret-file PATH (one trailing newline dropped)", async () => {
    const h = await home();
    const s = secret();
    const file = join(dir, `secret-${n}`);
    await writeFile(file, `${s}\n`, { mode: 0o600 });
    const r = await runCli(
      ["add", "gh", URL_, "--client-id", "Ov23li", "--client-secret-file", file],
      { home: h },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await storedSecrets(h), [s]);
  });

  it("add takes the secret from --client-secret-file - (the first line of stdin)", async () => {
    const h = await home();
    const s = secret();
    const r = await runWithStdin(
      ["add", "gh", URL_, "--client-id", "Ov23li", "--client-secret-file", "-"],
      h,
      `${s}\n`,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await storedSecrets(h), [s]);
  });

  it("a stray MCP_OAUTH_CLIENT_SECRET is ignored without --client-id in the same command", async () => {
    const h = await home();
    const s = secret();
    const r = await runCli(["add", "other", URL_], {
      home: h,
      env: { MCP_OAUTH_CLIENT_SECRET: s },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await storedSecrets(h), [], "the stray secret was stored for another server");
    // Every command that may sign in: the variable becomes the secret only beside --client-id.
    const io = { out() {}, err() {}, stderrIsTTY: false, env: { MCP_OAUTH_CLIENT_SECRET: s } };
    for (const command of ["authorize", "tools", "stdio"]) {
      const without = parseCommandArgs(command, ["x"], SIGN_IN_OPTIONS, {
        min: 1,
        max: 1,
        names: "x",
      });
      await resolveClientSecret(command, without, io);
      assert.equal(without.values["client-secret"], undefined, `${command} without --client-id`);
      const withId = parseCommandArgs(command, ["x", "--client-id", "c"], SIGN_IN_OPTIONS, {
        min: 1,
        max: 1,
        names: "x",
      });
      await resolveClientSecret(command, withId, io);
      assert.equal(withId.values["client-secret"], s, `${command} with --client-id`);
    }
  });

  it("bad sources are one-line usage errors that never quote the secret", async () => {
    const h = await home();
    const s = secret();
    const two = join(dir, "two-lines");
    await writeFile(two, `${s}\nsecond\n`, { mode: 0o600 });
    const empty = join(dir, "empty");
    await writeFile(empty, "\n", { mode: 0o600 });
    const cases: [string[], RegExp][] = [
      [["--client-secret", s, "--client-secret-file", two], /not both/],
      [["--client-secret-file", two], /more than one line/],
      [["--client-secret-file", empty], /holds no secret/],
      [["--client-secret-file", join(dir, "missing")], /cannot be read \(ENOENT\)/],
    ];
    for (const [extra, pattern] of cases) {
      const r = await runCli(["add", "gh", URL_, "--client-id", "Ov23li", ...extra], { home: h });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, pattern);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.ok(!r.stderr.includes(s) && !r.stderr.includes("second"), "the secret was quoted");
    }
    assert.deepEqual(await storedSecrets(h), []);
  });

  it("help of add and of every sign-in command names both ways and the --client-id rule", async () => {
    const h = await home();
    for (const command of ["add", "authorize", "tools", "call", "stdio"]) {
      const r = await runCli(["help", command], { home: h });
      assert.equal(r.code, 0);
      assert.match(r.stdout, /--client-secret-file PATH/, command);
      assert.match(r.stdout, /MCP_OAUTH_CLIENT_SECRET/, command);
      assert.match(r.stdout, /only (when|with) --client-id/, command);
    }
  });
});
