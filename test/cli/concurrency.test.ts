/**
 * S20 across processes: 20 `mcp-oauth token demo` processes at once on an expired access token
 * (the AS rotates refresh tokens and revokes the grant when a consumed one is reused) refresh
 * exactly once and all print that one new token; and a lock file left by a killed process is
 * taken over without a deadlock and still with exactly one refresh.
 *
 * To make the 20 processes meet inside the refresh, not be spread out by their start-up (20
 * runtimes starting on a small machine take longer than the 1.5 s the refreshed 2-second token
 * stays "valid", after which another refresh would be right), the token's lock is held while
 * they start: each reads the expired token and waits for the lock; once all of them are idle
 * (waiting), the holder lets go (case 1: the lock file is removed; case 2: the holder process is
 * SIGKILLed, so they must take over a lock whose pid is dead).
 *
 * @module
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, open, readFile, rm, stat } from "node:fs/promises";
import { cpus } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { tokenKey } from "../../src/core/records.ts";
import { FileLock } from "../../src/store/file-lock.ts";
import {
  type AuthorizationServer,
  startAuthorizationServer,
} from "../fixtures/authorization-server.ts";
import { type McpTestServer, startMcpServer } from "../fixtures/mcp-server.ts";
import {
  CLI,
  CLI_RUNTIME,
  PERSON_BROWSER,
  readHomeFile,
  removeHome,
  ROOT,
  runCli,
  sleep,
  tempHome,
} from "./helpers.ts";

const N = 20;
const TTL_S = 2;
const SLOW = { timeout: 180_000 };

interface Finished {
  code: number;
  stdout: string;
  stderr: string;
  /** ms from the release of the lock to the exit. */
  afterRelease: number;
}

/** `mcp-oauth token demo` as a subprocess we know the pid of. */
function startToken(
  home: string,
): { child: ChildProcess; done: Promise<Omit<Finished, "afterRelease">> } {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith("MCP_OAUTH_") || k.startsWith("PERSON_")) continue;
    if (k === "BROWSER" || k === "DOCKER_CONFIG") continue;
    env[k] = v;
  }
  const child = spawn(CLI, ["token", "demo"], {
    cwd: ROOT,
    env: { ...env, MCP_OAUTH_HOME: home, MCP_OAUTH_RUNTIME: CLI_RUNTIME },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const done = new Promise<Omit<Finished, "afterRelease">>((resolve, reject) => {
    child.on("error", reject);
    child.on(
      "close",
      (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }),
    );
  });
  return { child, done };
}

/** CPU time (clock ticks) a process has used, or undefined when /proc cannot tell. */
async function cpuTicks(pid: number): Promise<number | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return undefined;
  }
}

/**
 * Wait until every child has started and sits idle (waiting for the lock): two 250 ms windows
 * in a row in which none used more than a tick of CPU. Without /proc, wait a time scaled to
 * the machine instead.
 */
async function allWaiting(children: ChildProcess[], exited: Set<number>): Promise<void> {
  if ((await cpuTicks(process.pid)) === undefined) {
    await sleep(Math.max(3000, (N * 600) / Math.max(1, cpus().length)));
    return;
  }
  const deadline = Date.now() + 60_000;
  let last = await Promise.all(children.map((c) => cpuTicks(c.pid!)));
  let quiet = 0;
  while (quiet < 2 && Date.now() < deadline) {
    await sleep(250);
    const now = await Promise.all(children.map((c) => cpuTicks(c.pid!)));
    const busy = now.some((t, i) =>
      !exited.has(i) && (t === undefined || last[i] === undefined || t - last[i]! > 1)
    );
    quiet = busy ? 0 : quiet + 1;
    last = now;
  }
}

/** Write the lock file for `key` exactly as FileLock does: "<pid> <ms>\n", mode 0600, dir 0700. */
async function holdLock(home: string, key: string, pid: number): Promise<string> {
  const dir = join(home, "locks");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = new FileLock(dir).pathFor(key);
  const fh = await open(path, "wx", 0o600);
  await fh.writeFile(`${pid} ${Date.now()}\n`);
  await fh.close();
  return path;
}

describe("S20: one refresh for 20 processes at once (file store, cross-process lock)", () => {
  let as: AuthorizationServer;
  let mcp: McpTestServer;
  let home: string;
  let key: string;

  before(async () => {
    home = await tempHome("mcp-oauth-concurrency-");
    as = await startAuthorizationServer({ accessTokenTTL: TTL_S });
    mcp = await startMcpServer({ issuer: as.issuer, introspect: (t) => as.introspect(t) });
    as.allowResource(mcp.url);
    key = tokenKey(as.issuer, mcp.url);
    let r = await runCli(["add", "demo", mcp.url], { home });
    assert.equal(r.code, 0, r.stderr);
    r = await runCli(["authorize", "demo", "--browser", PERSON_BROWSER, "--timeout", "60"], {
      home,
    });
    assert.equal(r.code, 0, r.stderr);
  }, SLOW);
  after(async () => {
    await mcp?.close();
    await as?.close();
    await removeHome(home);
  });

  /** The stored token record. */
  async function stored(): Promise<
    { access_token: string; refresh_token: string; expires_at: number }
  > {
    const data = JSON.parse((await readHomeFile(home, "credentials.json"))!);
    return JSON.parse(data.credentials[key].Secret);
  }

  /** Wait until the stored access token has expired. */
  async function expire(): Promise<void> {
    const { expires_at } = await stored();
    await sleep(Math.max(0, expires_at - Date.now() + 100));
  }

  /** Start N `token demo`, wait until all wait for the lock, `release()` it, collect results. */
  async function race(release: () => Promise<void>): Promise<Finished[]> {
    const runs = Array.from({ length: N }, () => startToken(home));
    const exited = new Set<number>();
    runs.forEach((r, i) => r.done.then(() => exited.add(i)));
    await allWaiting(runs.map((r) => r.child), exited);
    assert.equal(exited.size, 0, "nobody finished while the lock was held");
    const released = Date.now();
    await release();
    return await Promise.all(
      runs.map(async (r) => ({ ...(await r.done), afterRelease: Date.now() - released })),
    );
  }

  function assertOneToken(results: Finished[], old: string): string {
    for (const r of results) assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
    const tokens = new Set(results.map((r) => r.stdout));
    assert.equal(tokens.size, 1, `one token for all: ${[...tokens].join(" | ")}`);
    const token = results[0]!.stdout.trim();
    assert.match(results[0]!.stdout, /^\S+\n$/);
    assert.notEqual(token, old, "a new token");
    return token;
  }

  it(
    `20 processes on an expired token: all exit 0 with the same token, 1 refresh (${CLI_RUNTIME})`,
    SLOW,
    async () => {
      await expire();
      const old = await stored();
      const refreshes = as.counts.refresh;
      const path = await holdLock(home, key, process.pid);
      const results = await race(() => rm(path));
      const token = assertOneToken(results, old.access_token);
      assert.equal(as.counts.refresh, refreshes + 1, "exactly one refresh at the AS");
      assert.equal((await as.introspect(token)).active, true, "the grant survived (no reuse)");
      const now = await stored();
      assert.equal(now.access_token, token);
      assert.notEqual(now.refresh_token, old.refresh_token, "the rotated refresh token was saved");
      const slowest = Math.max(...results.map((r) => r.afterRelease));
      assert.ok(slowest < 10_000, `all done ${slowest} ms after the lock was released`);
    },
  );

  it(
    `a lock whose holder was SIGKILLed is taken over: no deadlock, same token, 1 refresh (${CLI_RUNTIME})`,
    SLOW,
    async () => {
      await expire();
      const old = await stored();
      const refreshes = as.counts.refresh;
      const holder = spawn("sleep", ["1000"], { stdio: "ignore" });
      const holderExit = new Promise((r) => holder.once("exit", r));
      const path = await holdLock(home, key, holder.pid!);
      const results = await race(async () => {
        holder.kill("SIGKILL");
        await holderExit; // reaped: its pid is gone, not a zombie
        assert.throws(() => process.kill(holder.pid!, 0), /ESRCH/);
      });
      const token = assertOneToken(results, old.access_token);
      assert.equal(as.counts.refresh, refreshes + 1, "exactly one refresh at the AS");
      assert.equal((await as.introspect(token)).active, true, "the grant survived (no reuse)");
      assert.equal((await stored()).access_token, token);
      const slowest = Math.max(...results.map((r) => r.afterRelease));
      assert.ok(slowest < 10_000, `all done ${slowest} ms after the holder died (no deadlock)`);
      await assert.rejects(stat(path), /ENOENT/, "the lock file is gone");
    },
  );
});
