/**
 * Helpers of the browser end-to-end tests: run `mcp-oauth serve` as a subprocess (on the
 * runtime that runs the tests), launch the system Chromium through playwright-core, take
 * screenshots, and read tokens from the file store.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { neutralEnv } from "../helpers/child-env.ts";
import { OUTPUT_LOG, recordOutput } from "../helpers/secret-ledger.ts";

/** The repository root. */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

/** The from-source launcher of the CLI. */
export const CLI: string = join(ROOT, "scripts", "mcp-oauth");

/** Where screenshots go (gitignored). */
export const ARTIFACTS: string = join(ROOT, "test-artifacts", "dashboard");

/** The runtime `serve` runs on: the one running the tests. */
export const RUNTIME: "bun" | "deno" = (globalThis as { Deno?: unknown }).Deno !== undefined
  ? "deno"
  : "bun";

/** The browser the tests drive: Debian's chromium package. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
];

/**
 * Launches the system Chromium. A missing browser is a failure, never a skip: the message says
 * how to install it.
 */
export async function launchChromium(executablePath = CHROMIUM_PATH): Promise<Browser> {
  if (!existsSync(executablePath)) {
    throw new Error(
      `${executablePath} is missing: the dashboard e2e test needs Chromium. ` +
        "Install it with `apt-get install chromium` (Debian/Ubuntu).",
    );
  }
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  if (OUTPUT_LOG) recordPages(browser);
  return browser;
}

/**
 * Append every HTML page and fragment the browser receives to the run's output log (see
 * test/helpers/secret-ledger.ts), labelled without the query (a callback's carries the code).
 */
function recordPages(browser: Browser): void {
  const watch = (context: BrowserContext) =>
    context.on("response", (res) => {
      if (!/html/.test(res.headers()["content-type"] ?? "")) return;
      const u = new URL(res.url());
      void res.text().then(
        (text) => recordOutput(`chromium ${res.status()} ${u.origin}${u.pathname}`, text),
        () => {},
      );
    });
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (...args) => {
    const context = await newContext(...args);
    watch(context);
    return context;
  };
  const newPage = browser.newPage.bind(browser);
  browser.newPage = async (...args) => {
    const page = await newPage(...args);
    watch(page.context());
    return page;
  };
}

/** A fresh MCP_OAUTH_HOME. */
export function tempHome(): Promise<string> {
  return mkdtemp(join(tmpdir(), "mcp-oauth-e2e-"));
}

/** Removes a home made by {@link tempHome}. */
export async function removeHome(home: string | undefined): Promise<void> {
  if (home) await rm(home, { recursive: true, force: true });
}

/** A running `mcp-oauth serve`. */
export interface Dashboard {
  /** The printed address, with the access key. */
  url: string;
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  /** The access key. */
  key: string;
  /** Everything it printed on stderr so far. */
  stderr(): string;
  /**
   * SIGTERM, then SIGKILL after `graceMs`. Resolves with the exit code or signal name, and
   * whether SIGKILL was needed. Under Deno, node:child_process reports a child killed with
   * SIGTERM as signal "SIGTERM" even when it handled the signal and exited 0.
   */
  stop(graceMs?: number): Promise<{ code: number | string | null; forced: boolean }>;
}

/** Environment of the subprocess: ours minus anything that could steer mcp-oauth. */
function cleanEnv(extra: Record<string, string>): Record<string, string> {
  return { ...neutralEnv(), NO_COLOR: "1", ...extra };
}

/**
 * Starts `scripts/mcp-oauth serve --port 0` (and `extra.args`) with MCP_OAUTH_HOME=`home` (and
 * `extra.env`) and resolves once it printed its address (at most `timeoutMs`).
 */
export function startServe(
  home: string,
  timeoutMs = 30_000,
  extra: { args?: string[]; env?: Record<string, string> } = {},
): Promise<Dashboard> {
  const child: ChildProcess = spawn(CLI, ["serve", "--port", "0", ...extra.args ?? []], {
    cwd: ROOT,
    env: cleanEnv({ MCP_OAUTH_HOME: home, MCP_OAUTH_RUNTIME: RUNTIME, ...extra.env }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  let stdout = "";
  const exited = new Promise<number | string | null>((resolve) => {
    child.on("exit", (code, signal) => resolve(code ?? signal));
    child.on("error", () => resolve(null));
  });
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));

  let stopping: Promise<{ code: number | string | null; forced: boolean }> | undefined;
  const stop = (graceMs = 5_000) =>
    stopping ??= (async () => {
      let forced = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        timer = setTimeout(() => {
          forced = true;
          child.kill("SIGKILL");
        }, graceMs);
      }
      const code = await exited;
      clearTimeout(timer);
      recordOutput("mcp-oauth serve (stderr)", stderr);
      recordOutput("mcp-oauth serve (stdout)", stdout);
      return { code, forced };
    })();

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop(1_000);
      reject(new Error(`serve printed no address within ${timeoutMs} ms; stderr:\n${stderr}`));
    }, timeoutMs);
    child.stderr!.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
      const m = /mcp-oauth dashboard: (http:\/\/(127\.0\.0\.1:\d+)\/\?k=([A-Za-z0-9_-]+))/.exec(
        stderr,
      );
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1]!,
          origin: `http://${m[2]}`,
          key: m[3]!,
          stderr: () => stderr,
          stop,
        });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(
        new Error(`serve exited (${code}) before printing its address:\n${stderr}\n${stdout}`),
      );
    });
  });
}

/** Saves a full-page screenshot as test-artifacts/dashboard/`name`.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Every access and refresh token in `home`/credentials.json (file store). */
export async function storedTokens(
  home: string,
): Promise<{ access: string[]; refresh: string[] }> {
  const text = await readFile(join(home, "credentials.json"), "utf8").catch(() => "");
  const access: string[] = [];
  const refresh: string[] = [];
  if (!text) return { access, refresh };
  const data = JSON.parse(text) as { credentials?: Record<string, { Secret?: string }> };
  for (const entry of Object.values(data.credentials ?? {})) {
    let secret: { access_token?: unknown; refresh_token?: unknown };
    try {
      secret = JSON.parse(entry.Secret ?? "");
    } catch {
      continue;
    }
    if (typeof secret?.access_token === "string") access.push(secret.access_token);
    if (typeof secret?.refresh_token === "string") refresh.push(secret.refresh_token);
  }
  return { access, refresh };
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
