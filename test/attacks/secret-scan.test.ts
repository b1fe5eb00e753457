/**
 * The secret scan of the test run (issue 10, S26): scripts/scan-secrets.mjs finds a planted
 * leak in any log it is given, shows only the first 4 characters of the secret, ignores
 * placeholders shorter than 8 characters, and refuses to scan with a broken ledger. Also: the
 * fixtures' ledger hooks really record what the authorization server issues, and what a CLI
 * run prints reaches the output log except `token`'s stdout.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { commandOf, PRINTS_SECRETS } from "../helpers/secret-ledger.ts";

const SCANNER = fileURLToPath(new URL("../../scripts/scan-secrets.mjs", import.meta.url));
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Run `node script args` (with `env` added); its exit code and output. */
function node(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("node", args, {
      cwd: ROOT,
      env: { ...process.env as Record<string, string>, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code: number | null) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

const TOKEN = "Vx3fN0tAR3alT0k3n_only-for-this-test";
const VERIFIER = "Kq9~0123456789.abcdefghijklmnopqrstuvwxyzABCDEFG_-";
const SHORT = "at-1";
const LOGS = {
  "clean.log": `ok 1 at-1 passed\nlooks like a token: Vx3fN0tAR3al\n`,
  "leak.log": `line one\nAuthorization: Bearer ${TOKEN}\nagain ${TOKEN}.\n`,
  "leak2.log": `{"code_verifier":"${VERIFIER}"}`,
};
const bytes = (...names: (keyof typeof LOGS)[]) =>
  names.reduce((n, k) => n + new TextEncoder().encode(LOGS[k]).length, 0);

describe("secret scan of the test output (issue 10, S26)", () => {
  let dir: string;
  let ledger: string;
  const scan = (...logs: string[]) => node([SCANNER, "--ledger", ledger, ...logs]);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "mcp-oauth-scan-"));
    ledger = join(dir, "secrets.jsonl");
    await writeFile(
      ledger,
      [
        { kind: "access_token", value: TOKEN },
        { kind: "code_verifier", value: VERIFIER },
        { kind: "access_token", value: SHORT },
        { kind: "refresh_token", value: TOKEN }, // the same value twice counts once
      ].map((e) => JSON.stringify(e)).join("\n") + "\n",
    );
    for (const [name, text] of Object.entries(LOGS)) await writeFile(join(dir, name), text);
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("no leak: exit 0 and the summary counts secrets (short ones ignored) and bytes", async () => {
    const r = await scan(join(dir, "clean.log"));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      `secret scan: 2 secrets, ${bytes("clean.log")} bytes of output, 0 hits\n`,
    );
  });

  it("a planted leak in any log fails the scan, one line per secret and file, 4 characters shown", async () => {
    const r = await scan(join(dir, "clean.log"), join(dir, "leak.log"), join(dir, "leak2.log"));
    assert.equal(r.code, 1);
    const lines = r.stdout.trim().split("\n");
    assert.deepEqual(lines, [
      `secret scan: ${join(dir, "leak.log")}:2: access_token/refresh_token Vx3f… (2 times)`,
      `secret scan: ${join(dir, "leak2.log")}:1: code_verifier Kq9~… (1 time)`,
      `secret scan: 2 secrets, ${
        bytes("clean.log", "leak.log", "leak2.log")
      } bytes of output, 2 hits`,
    ]);
    assert.ok(!r.stdout.includes(TOKEN.slice(0, 5)) && !r.stdout.includes(VERIFIER.slice(0, 5)));
  });

  it("cannot scan: no ledger, a malformed ledger line or an unreadable log is exit 2, not a pass", async () => {
    const missing = await node([
      SCANNER,
      "--ledger",
      join(dir, "nope.jsonl"),
      join(dir, "clean.log"),
    ]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read the ledger/);
    const bad = join(dir, "bad.jsonl");
    await writeFile(bad, `{"kind":"access_token","value":"${TOKEN}"}\n{"kind":"x","value":\n`);
    const malformed = await node([SCANNER, "--ledger", bad, join(dir, "leak.log")]);
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /bad\.jsonl:2 is not JSON/);
    const unreadable = await scan(join(dir, "no-such.log"));
    assert.equal(unreadable.code, 2);
    assert.match(unreadable.stderr, /cannot read .*no-such\.log/);
  });

  it(
    "the ledger hooks record what the AS issues and receives, and the output log what a command printed",
    {
      timeout: 60_000,
    },
    async () => {
      // A child test process with the ledger on: a real sign-in through the CLI, then `token`.
      const childLedger = join(dir, "child-secrets.jsonl");
      const output = join(dir, "child-output.log");
      await writeFile(childLedger, "");
      await writeFile(output, "");
      const script = join(dir, "child.test.ts");
      await writeFile(
        script,
        `import { runCli, tempHome, removeHome, PERSON_BROWSER } from ${
          JSON.stringify(join(ROOT, "test/cli/helpers.ts"))
        };
import { startAuthorizationServer } from ${
          JSON.stringify(join(ROOT, "test/fixtures/authorization-server.ts"))
        };
import { startMcpServer } from ${JSON.stringify(join(ROOT, "test/fixtures/mcp-server.ts"))};
const as = await startAuthorizationServer();
const mcp = await startMcpServer({ issuer: as.issuer, introspect: as.introspect });
as.allowResource(mcp.url);
const home = await tempHome();
for (const args of [["add", "demo", mcp.url], ["authorize", "demo", "--browser", PERSON_BROWSER], ["token", "demo"], ["ls"]]) {
  const r = await runCli(args, { home });
  if (r.code !== 0) throw new Error(args.join(" ") + ": " + r.stderr);
}
await mcp.close();
await as.close();
await removeHome(home);
`,
      );
      const runtime = (globalThis as { Deno?: unknown }).Deno !== undefined
        ? ["deno", "run", "-A", "--config", join(ROOT, "deno.json"), script]
        : ["bun", script];
      const bin = join(ROOT, "node_modules", ".bin", runtime[0]!);
      const r = await new Promise<{ code: number; stderr: string }>((resolve, reject) => {
        const child = spawn(bin, runtime.slice(1), {
          cwd: ROOT,
          env: {
            ...process.env as Record<string, string>,
            MCP_OAUTH_SECRET_LEDGER: childLedger,
            MCP_OAUTH_OUTPUT_LOG: output,
          },
          stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code: number | null) => resolve({ code: code ?? 1, stderr }));
      });
      assert.equal(r.code, 0, r.stderr);
      const entries = (await readFile(childLedger, "utf8")).trim().split("\n").map((l) =>
        JSON.parse(l) as { kind: string; value: string }
      );
      const kinds = new Set(entries.map((e) => e.kind));
      for (
        const k of [
          "access_token",
          "refresh_token",
          "authorization_code",
          "code_verifier",
          "client_secret",
        ]
      ) {
        assert.ok(kinds.has(k), `the ledger has a ${k}: ${[...kinds].join(", ")}`);
      }
      const log = await readFile(output, "utf8");
      assert.match(
        log,
        /=== mcp-oauth authorize demo --browser .* \(stderr\)\nOpen this URL to sign in/,
      );
      assert.match(log, /=== mcp-oauth ls \(stdout\)/);
      assert.doesNotMatch(
        log,
        /=== mcp-oauth token demo \(stdout\)/,
        "token's stdout is the token",
      );
      // And the scan of that run finds nothing.
      const s = await node([SCANNER, "--ledger", childLedger, output]);
      assert.equal(s.code, 0, s.stdout);
      assert.match(s.stdout, /secret scan: \d+ secrets, \d+ bytes of output, 0 hits/);
    },
  );

  it("the list of commands whose stdout is a secret is explicit, and commandOf finds the command", () => {
    assert.deepEqual(Object.keys(PRINTS_SECRETS), ["token"]);
    assert.equal(commandOf(["--home", "/h", "token", "demo"]), "token");
    assert.equal(commandOf(["--store", "file", "--insecure-http", "ls"]), "ls");
    assert.equal(commandOf(["--help"]), undefined);
  });
});
