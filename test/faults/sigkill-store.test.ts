/**
 * Issue 10: "a process killed with SIGKILL at random moments during 500 write cycles never
 * leaves an unreadable store". Writer processes (sigkill-writer.ts, on the runtime running this
 * test) write tokens, clients and server definitions through the real FileStore and ConfigFile,
 * two at a time on one home (so they also take each other's locks), and each is killed with
 * SIGKILL at a random moment 0–25 ms after its first write began: 500 kills, each inside one of
 * its write cycles (about 3–15 ms each), at a random point of it. After every kill a reader opens the credentials file and the config, raw and
 * through FileStore/ConfigFile: both must parse, and every record must be whole (its filler as
 * long as its check says). A lock file a killed writer left must not block the next writer.
 *
 * @module
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { isClientRecord, isTokenRecord } from "../../src/core/records.ts";
import { ConfigFile } from "../../src/store/config-file.ts";
import { FileStore } from "../../src/store/file-store.ts";
import { ROOT } from "../cli/helpers.ts";

const KILLS = 500;
const LANES = 2;
const MAX_DELAY_MS = 25;
const WRITER = fileURLToPath(new URL("./sigkill-writer.ts", import.meta.url));
const DENO = (globalThis as { Deno?: unknown }).Deno !== undefined;

/** The writer as a child of the runtime running this test. */
function writerArgv(home: string, seed: number, limit?: number): string[] {
  const args = [WRITER, home, String(seed), ...(limit ? [String(limit)] : [])];
  return DENO
    ? ["run", "-A", "--no-check", "--quiet", "--config", join(ROOT, "deno.json"), ...args]
    : ["--no-env-file", ...args];
}

interface Writer {
  pid: number;
  /** Resolves once the writer printed "ready" (loaded, waiting for go()). */
  ready: Promise<void>;
  /** Start writing. */
  go(): void;
  /** Resolves when the first write begins. */
  writing: Promise<void>;
  /** Resolves at the first completed write. */
  firstWrite: Promise<void>;
  /** Resolves when it exited: its completed writes and whether it died inside a write. */
  exited: Promise<{ writes: number; midWrite: boolean; code: number | null; stderr: string }>;
  kill(): void;
}

/** Writers not yet exited: killed after the test whatever happened, so none outlives it. */
const live = new Set<{ kill(): void }>();

function startWriter(home: string, seed: number, limit?: number): Writer {
  const child = spawn(process.execPath, writerArgv(home, seed, limit), {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  let stderr = "";
  let writes = 0;
  let last = "";
  let onReady!: () => void;
  let onWrite!: () => void;
  let onStart!: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  const writing = new Promise<void>((r) => (onStart = r));
  const firstWrite = new Promise<void>((r) => (onWrite = r));
  child.stdout!.setEncoding("utf8").on("data", (d: string) => {
    out += d;
    const lines = out.split("\n");
    out = lines.pop()!;
    for (const line of lines) {
      if (line === "ready") onReady();
      if (line === "s") onStart();
      if (line === "w") {
        writes++;
        onWrite();
      }
      last = line;
    }
  });
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const handle = { kill: () => child.kill("SIGKILL") };
  live.add(handle);
  const exited = new Promise<
    { writes: number; midWrite: boolean; code: number | null; stderr: string }
  >(
    (resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code) => {
        live.delete(handle);
        resolve({ writes, midWrite: last === "s", code, stderr });
      });
    },
  );
  return {
    pid: child.pid!,
    ready,
    go: () => child.stdin!.end("go\n"),
    writing,
    firstWrite,
    exited,
    kill: handle.kill,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** A token record written by the writer is whole: valid, and its filler as long as its check. */
function wholeToken(key: string, secret: string): void {
  const r = JSON.parse(secret);
  assert.ok(isTokenRecord(r), `${key}: not a token record`);
  assert.equal(typeof r.check, "number", key);
  assert.equal(r.filler, "x".repeat(r.check), `${key}: torn record`);
  assert.match(r.access_token, /^at-\d+-\d+$/);
}

/**
 * Read the home as a new process would, while the other lane's writer goes on: the raw files
 * must parse and every record in them be whole; FileStore and ConfigFile must read them without
 * an error, and whatever entry they return must be whole too (one may be gone by the time it is
 * asked for: the other writer erased it). Returns how many records were checked.
 */
async function verify(home: string): Promise<number> {
  let checked = 0;
  const entry = (key: string, secret: string) => {
    if (key.includes("/.mcp-oauth/token/")) wholeToken(key, secret);
    else assert.ok(isClientRecord(JSON.parse(secret)), `${key}: not a client record`);
  };
  const credentials = await readFile(join(home, "credentials.json"), "utf8").catch(() => undefined);
  if (credentials !== undefined) {
    const data = JSON.parse(credentials);
    assert.equal(data.version, 1);
    for (const [key, value] of Object.entries(data.credentials)) {
      entry(key, (value as { Secret: string }).Secret);
      checked++;
    }
    assert.equal((await stat(join(home, "credentials.json"))).mode & 0o777, 0o600);
    const store = new FileStore(home);
    for (const key of Object.keys(await store.list())) {
      const got = await store.get(key);
      if (got) entry(key, got.Secret);
    }
  }
  const definition = (def: { name: string; url: string; scopes?: string[] }) => {
    assert.match(def.name, /^server-\d$/);
    assert.match(def.url, /^https:\/\/mcp\d\.example\/mcp$/);
    const scopes = def.scopes ?? [];
    assert.ok(scopes.length >= 1, def.name);
    assert.deepEqual(scopes, scopes.map((_, k) => `scope-${k}`), `${def.name}: torn scopes`);
  };
  const config = await readFile(join(home, "config.json"), "utf8").catch(() => undefined);
  if (config !== undefined) {
    for (const [name, def] of Object.entries(JSON.parse(config).servers)) {
      definition({ name, ...(def as { url: string }) });
      checked++;
    }
    for (const def of await new ConfigFile(home).list()) definition(def);
  }
  return checked;
}

/** Lock files in the home's lock folder and the pids they name. */
async function locks(home: string): Promise<{ name: string; pid: number }[]> {
  const dir = join(home, "locks");
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: { name: string; pid: number }[] = [];
  for (const name of names.filter((n) => n.endsWith(".lock"))) {
    const text = await readFile(join(dir, name), "utf8").catch(() => "");
    out.push({ name, pid: Number(text.split(" ")[0]) });
  }
  return out;
}

describe("SIGKILL during store and config writes (issue 10)", () => {
  let home: string;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), "mcp-oauth-sigkill-"));
  });
  after(async () => {
    for (const w of live) w.kill();
    await new Promise((r) => setTimeout(r, 100));
    await rm(home, { recursive: true, force: true });
  });

  it(
    `Storage: ${KILLS} SIGKILLs at random moments of write cycles, ${LANES} writers at a time: the store and config always read whole`,
    { timeout: 120_000 },
    async () => {
      const stats = {
        kills: 0,
        midWrite: 0,
        writes: 0,
        records: 0,
        lockLeft: 0,
        slowestAfterLock: 0,
      };
      let seed = 1;
      const lane = async () => {
        // A lock left by the writer this lane killed last; the next writer must get past it.
        let leftBy: number | undefined;
        // The next writer starts while this one writes: the runtime's start-up is not on the clock.
        let next = startWriter(home, seed++);
        while (stats.kills < KILLS) {
          const w = next;
          await within(w.ready, 20_000, `writer ${w.pid} start`);
          next = startWriter(home, seed++);
          const started = Date.now();
          w.go();
          if (leftBy !== undefined) {
            await within(w.firstWrite, 10_000, `first write after a lock left by pid ${leftBy}`);
            stats.slowestAfterLock = Math.max(stats.slowestAfterLock, Date.now() - started);
            leftBy = undefined;
          }
          // The kill lands 0–25 ms into the writing: in a random write cycle, at a random point.
          await within(w.writing, 10_000, `writer ${w.pid} writing`);
          await sleep(Math.random() * MAX_DELAY_MS);
          w.kill();
          const done = await w.exited;
          assert.equal(done.code, null, `killed, not exited: ${done.stderr}`);
          stats.kills++;
          stats.writes += done.writes;
          if (done.midWrite) stats.midWrite++;
          if ((await locks(home)).some((l) => l.pid === w.pid)) {
            stats.lockLeft++;
            leftBy = w.pid;
          }
          stats.records += await verify(home);
        }
        return next;
      };
      const standby = await Promise.all(Array.from({ length: LANES }, lane));
      for (const w of standby) {
        w.kill();
        await w.exited;
      }

      // A writer that is not killed finishes its writes and leaves no lock behind.
      const last = startWriter(home, seed++, 40);
      await within(last.ready, 20_000, "the last writer's start");
      last.go();
      const done = await within(last.exited, 30_000, "the last writer");
      assert.equal(done.code, 0, done.stderr);
      assert.equal(done.writes, 40);
      stats.writes += done.writes;
      assert.deepEqual(await locks(home), [], "no lock file left");
      await verify(home);

      // Killed writers' temp files hold whole copies of the secrets: the next write sweeps them.
      const leftovers = (await readdir(home)).filter((n) => n.endsWith(".tmp"));
      assert.deepEqual(leftovers, [], "no temp file of a killed writer is left");
      console.log(
        `sigkill: ${stats.kills} kills (${stats.midWrite} inside a write), ${stats.writes} completed writes, ` +
          `${stats.records} records checked, ${stats.lockLeft} locks left by killed writers ` +
          `(next writer's first write within ${stats.slowestAfterLock} ms), ` +
          `${leftovers.length} temp files left`,
      );
      assert.ok(stats.kills >= KILLS);
      assert.ok(
        stats.midWrite >= KILLS * 0.9,
        `most kills landed inside a write: ${stats.midWrite}`,
      );
      assert.ok(
        stats.lockLeft > 0,
        "some kills left a lock behind (and the next writer got past it)",
      );
    },
  );
});
