/**
 * Shared helpers of the CLI tests: run `mcp-oauth` as a subprocess (scripts/mcp-oauth, on the
 * runtime that runs the tests) or in-process through `main()`, and inspect its home directory.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { fileURLToPath } from "node:url";
import { main } from "../../src/cli/main.ts";
import type { Io } from "../../src/cli/context.ts";
import { detectRuntime } from "../../src/runtime/detect.ts";
import type { Runtime } from "../../src/runtime/runtime.ts";
import { neutralEnv } from "../helpers/child-env.ts";
import { PERSON_SCRIPT } from "../helpers/person.ts";
import { OUTPUT_LOG, recordCommand, SECRET_LEDGER } from "../helpers/secret-ledger.ts";
import {
  type AuthorizationServer,
  type AuthorizationServerOptions,
  startAuthorizationServer,
} from "../fixtures/authorization-server.ts";
import {
  type McpServerOptions,
  type McpTestServer,
  startMcpServer,
} from "../fixtures/mcp-server.ts";

/** The repository root. */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

/** The from-source launcher of the CLI. */
export const CLI: string = join(ROOT, "scripts", "mcp-oauth");

/** The runtime the CLI subprocess uses: the one running the tests. */
export const CLI_RUNTIME: "bun" | "deno" = (globalThis as { Deno?: unknown }).Deno !== undefined
  ? "deno"
  : "bun";

/** `--browser` value that makes the scripted person (test/helpers/person.mjs) the browser. */
export const PERSON_BROWSER = `node ${PERSON_SCRIPT}`;

/** What a finished command printed. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The process id the command ran as (scripts/mcp-oauth execs the runtime), when known. */
  pid?: number;
}

/**
 * Environment of a CLI subprocess: ours minus anything that could steer mcp-oauth. The secret
 * ledger is kept (mcp-oauth never reads it) so that helpers the CLI starts can record theirs.
 */
function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env = neutralEnv();
  if (SECRET_LEDGER) env.MCP_OAUTH_SECRET_LEDGER = SECRET_LEDGER;
  return { ...env, MCP_OAUTH_RUNTIME: CLI_RUNTIME, ...extra };
}

/**
 * Run `scripts/mcp-oauth ARGS` with MCP_OAUTH_HOME=`home` (under `umask`, e.g. "000", when
 * given). Every result is also appended to `transcript` (when given) so tests can scan all
 * output for secrets (S26), and to the run's output log (see test/helpers/secret-ledger.ts).
 */
export function runCli(
  args: string[],
  options: {
    home: string;
    env?: Record<string, string>;
    transcript?: CliRecord[];
    umask?: string;
  },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const [program, argv] = options.umask === undefined
      ? [CLI, args]
      : ["sh", ["-c", 'umask "$0" && exec "$@"', options.umask, CLI, ...args]];
    const child = spawn(program, argv, {
      cwd: ROOT,
      env: cleanEnv({ MCP_OAUTH_HOME: options.home, ...options.env }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code: number | null, signal: string | null) => {
      const result = { code: code ?? (signal ? 128 : 1), stdout, stderr, pid: child.pid };
      options.transcript?.push({ args, ...result });
      recordCommand(args, stdout, stderr);
      resolve(result);
    });
  });
}

/** A CLI subprocess with stdin piped, to talk to while it runs. */
export interface InteractiveCli {
  /** Resolves with the first match of `pattern` in stderr so far or to come. */
  waitForStderr(pattern: RegExp): Promise<RegExpExecArray>;
  /** Types a line on its stdin. */
  writeLine(line: string): void;
  /** Resolves when it exits. */
  done: Promise<CliResult>;
}

/** Start `scripts/mcp-oauth ARGS` with stdin piped (e.g. `authorize --browser none`). */
export function startCli(
  args: string[],
  options: { home: string; env?: Record<string, string> },
): InteractiveCli {
  const child = spawn(CLI, args, {
    cwd: ROOT,
    env: cleanEnv({ MCP_OAUTH_HOME: options.home, ...options.env }),
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const waiters: { pattern: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      const m = w.pattern.exec(stderr);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
    check();
  });
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code: number | null, signal: string | null) => {
      child.stdin!.destroy();
      recordCommand(args, stdout, stderr);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
  return {
    waitForStderr(pattern) {
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        check();
        done.then((r) =>
          reject(new Error(`exited (${r.code}) before stderr matched ${pattern}:\n${r.stderr}`))
        );
      });
    },
    writeLine(line) {
      child.stdin!.write(`${line}\n`);
    },
    done,
  };
}

/** One command and what it printed. */
export interface CliRecord extends CliResult {
  args: string[];
}

/** Output of an in-process run. */
export interface MainResult {
  code: number;
  /** Each `io.out` call. */
  out: string[];
  /** Each `io.err` call. */
  err: string[];
}

let runtime: Promise<Runtime> | undefined;

/**
 * Run the CLI in-process: `main(runtime, argv, io)` with MCP_OAUTH_HOME=`home`. `onErr` sees
 * each stderr write as it happens (e.g. to learn the redirect URI).
 */
export async function runMain(
  argv: string[],
  options: {
    home: string;
    env?: Record<string, string>;
    stdinLines?: () => AsyncIterable<string>;
    onErr?: (text: string) => void;
  },
): Promise<MainResult> {
  runtime ??= detectRuntime();
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    out: (t) => out.push(t),
    err: (t) => {
      err.push(t);
      options.onErr?.(t);
    },
    stderrIsTTY: false,
    env: { MCP_OAUTH_HOME: options.home, ...options.env },
    ...(options.stdinLines ? { stdinLines: options.stdinLines } : {}),
  };
  try {
    const code = await main(await runtime, argv, io);
    return { code, out, err };
  } finally {
    if (OUTPUT_LOG) recordCommand(argv, out.join("\n"), err.join("\n"));
  }
}

/**
 * Assert-friendly view of stderr: the lines that start with "mcp-oauth: " (the error line) and
 * all non-empty lines.
 */
export function errorLines(stderr: string | string[]): { errors: string[]; lines: string[] } {
  const text = Array.isArray(stderr) ? stderr.join("\n") : stderr;
  const lines = text.split("\n").map((l) => l.trimEnd()).filter(Boolean);
  return { errors: lines.filter((l) => l.startsWith("mcp-oauth: ")), lines };
}

/** A fresh, empty mcp-oauth home. */
export function tempHome(prefix = "mcp-oauth-cli-"): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Remove a home made by {@link tempHome}. */
export async function removeHome(home: string | undefined): Promise<void> {
  if (home) await rm(home, { recursive: true, force: true });
}

/** Contents of a file under the home, or undefined when it does not exist. */
export async function readHomeFile(home: string, name: string): Promise<string | undefined> {
  try {
    return await readFile(join(home, name), "utf8");
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return undefined;
    throw err;
  }
}

/** Permission bits of a file under the home. */
export async function modeOf(home: string, name: string): Promise<number> {
  return (await stat(join(home, name))).mode & 0o777;
}

/** The raw bytes of every regular file directly under the home (sorted by name). */
export async function snapshotHome(home: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (
    const entry of (await readdir(home, { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : 1
    )
  ) {
    if (entry.isFile()) {
      files[entry.name] = (await readFile(join(home, entry.name))).toString("base64");
    }
  }
  return files;
}

/** The decoded records of credentials.json: key → parsed Secret (or the raw string). */
export async function storedRecords(home: string): Promise<Record<string, unknown>> {
  const text = await readHomeFile(home, "credentials.json");
  if (!text) return {};
  const data = JSON.parse(text) as { credentials: Record<string, { Secret: string }> };
  const out: Record<string, unknown> = {};
  for (const [key, { Secret }] of Object.entries(data.credentials)) {
    try {
      out[key] = JSON.parse(Secret);
    } catch {
      out[key] = Secret;
    }
  }
  return out;
}

/** The stored token record of the (only) server in the home, if any. */
export async function storedToken(
  home: string,
): Promise<{ access_token: string; refresh_token?: string } | undefined> {
  const records = await storedRecords(home);
  const keys = Object.keys(records).filter((k) => k.includes("/.mcp-oauth/token/"));
  if (keys.length > 1) throw new Error(`more than one token stored: ${keys.join(", ")}`);
  return keys.length
    ? records[keys[0]!] as { access_token: string; refresh_token?: string }
    : undefined;
}

/** Sleep. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One line of PERSON_LOG: one launch of the scripted browser (test/helpers/person.mjs). */
export interface BrowserOpen {
  /** The URL the sign-in started at (after mcp-oauth's one-time local link, if given one). */
  authorizationUrl: string;
  /** mcp-oauth's one-time local link the browser was given, else null. */
  openedUrl?: string | null;
  callbackUrl: string | null;
  callbackStatus: number | null;
  action?: string;
  error?: string;
}

/**
 * The browser launches logged in PERSON_LOG `path`. The person logs after the callback answered,
 * possibly after the CLI exited: wait (at most ~5 s) until there are `atLeast` lines, then a
 * little more so that a late extra launch is counted too.
 */
export async function browserOpens(path: string, atLeast = 0): Promise<BrowserOpen[]> {
  const read = async () =>
    (await readFile(path, "utf8").catch(() => "")).split("\n").filter(Boolean).map((l) =>
      JSON.parse(l) as BrowserOpen
    );
  for (let i = 0; i < 100 && (await read()).length < atLeast; i++) await sleep(50);
  await sleep(150);
  return await read();
}

/** The stored DCR client registration (key `…/.mcp-oauth/client`) of the (only) AS, if any. */
export async function storedClient(home: string): Promise<
  {
    source: string;
    issuer: string;
    client_id: string;
    client_secret?: string;
    token_endpoint_auth_method: string;
    redirect_uris: string[];
  } | undefined
> {
  const records = await storedRecords(home);
  const keys = Object.keys(records).filter((k) => k.endsWith("/.mcp-oauth/client"));
  if (keys.length > 1) throw new Error(`more than one client stored: ${keys.join(", ")}`);
  return keys.length ? records[keys[0]!] as Awaited<ReturnType<typeof storedClient>> : undefined;
}

/** The stored token record of the (only) server in the home, with every field. */
export async function storedTokenRecord(home: string): Promise<
  {
    access_token: string;
    refresh_token?: string;
    scope?: string;
    client_id: string;
    client_source?: string;
    auth_method: string;
    expires_at?: number;
    obtained_at: number;
  } | undefined
> {
  return await storedToken(home) as Awaited<ReturnType<typeof storedTokenRecord>>;
}

/** The server definitions of config.json (name → definition), or {} without the file. */
export async function configServers(
  home: string,
): Promise<Record<string, { url: string; scopes?: string[]; clientId?: string; issuer?: string }>> {
  const text = await readHomeFile(home, "config.json");
  return text ? (JSON.parse(text) as { servers: Record<string, never> }).servers : {};
}

/** What {@link useServers} sets up before the tests of a describe block. */
export interface TestServers {
  as: AuthorizationServer;
  mcp: McpTestServer;
  home: string;
  /** PERSON_LOG of every run of {@link TestServers.cli}. */
  personLog: string;
  /** Every command run through {@link TestServers.cli}. */
  transcript: CliRecord[];
  /** `mcp-oauth ARGS` in `home`, with PERSON_LOG (and `env`) set. */
  cli(args: string[], env?: Record<string, string>): Promise<CliResult>;
}

/**
 * In the enclosing describe: before its tests, a fresh home, an authorization server and an MCP
 * server of that AS (allowed as a resource), and `add demo <mcp url>` unless `add` is false;
 * after them, everything is closed and removed.
 */
export function useServers(
  asOptions: AuthorizationServerOptions = {},
  mcpOptions: Partial<McpServerOptions> = {},
  options: { add?: boolean } = {},
): TestServers {
  const s = { transcript: [] as CliRecord[] } as TestServers;
  before(async () => {
    s.home = await tempHome();
    s.personLog = `${s.home}-person.jsonl`;
    s.cli = (args, env) =>
      runCli(args, {
        home: s.home,
        env: { PERSON_LOG: s.personLog, ...env },
        transcript: s.transcript,
      });
    s.as = await startAuthorizationServer(asOptions);
    s.mcp = await startMcpServer({
      issuer: s.as.issuer,
      introspect: (t) => s.as.introspect(t),
      ...mcpOptions,
    });
    s.as.allowResource(s.mcp.url);
    if (options.add !== false) {
      const add = await runCli(["add", "demo", s.mcp.url], { home: s.home });
      if (add.code !== 0) throw new Error(`add demo failed: ${add.stderr}`);
    }
  }, { timeout: 30_000 });
  after(async () => {
    await s.mcp?.close();
    await s.as?.close();
    await removeHome(s.home);
    await removeHome(s.personLog);
  });
  return s;
}
