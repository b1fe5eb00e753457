/**
 * The package as people get it, not the repo: `npm pack` (which builds dist/ in prepack), the
 * tarball installed into an empty project without the network (only the npm cache), then the CLI
 * through `npx` (Node), `bunx --bun` (Bun) and `deno run -A npm:mcp-oauth` (Deno): --version,
 * ls --json, and a real sign-in (add → authorize → token → tools) against the fixture servers. The
 * library entry is imported under each runtime and type-checked as a Node user would. Then the
 * single binary (scripts/build), copied alone into an empty directory: the same sign-in, and the
 * dashboard with its embedded assets.
 *
 * @module
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, it } from "node:test";
import {
  type AuthorizationServer,
  startAuthorizationServer,
} from "../fixtures/authorization-server.ts";
import { type McpTestServer, startMcpServer } from "../fixtures/mcp-server.ts";
import { PERSON_BROWSER, ROOT } from "../cli/helpers.ts";

const BIN = join(ROOT, "node_modules", ".bin");
/** A registry address nothing listens on: any registry request from bunx or Deno fails. */
const NO_REGISTRY = "http://127.0.0.1:9/";
const SLOW = { timeout: 120_000 };

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Environment without anything that could steer mcp-oauth, plus `extra`. */
function env(extra: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith("MCP_OAUTH_") || k.startsWith("PERSON_")) continue;
    if (k === "BROWSER" || k === "DOCKER_CONFIG" || k.startsWith("npm_")) continue;
    out[k] = v;
  }
  return { ...out, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", ...extra };
}

/** Run `cmd args` in `cwd`; resolves with its exit code and output. */
function run(
  cmd: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: options.cwd,
      env: env(options.env ?? {}),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code: number | null) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128, stdout, stderr });
    });
  });
}

function ok(r: Result, what: string): Result {
  assert.equal(r.code, 0, `${what} exited ${r.code}:\n${(r.stdout + r.stderr).slice(-2000)}`);
  return r;
}

/** How one way of running the installed package starts `mcp-oauth ARGS`. */
interface Runner {
  name: string;
  runtime: "node" | "bun" | "deno";
  cmd: string;
  prefix: string[];
  env: Record<string, string>;
}

describe("the package and the binary, from an empty directory", () => {
  let as: AuthorizationServer;
  let mcp: McpTestServer;
  let work: string;
  let project: string;
  let tarball: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), "mcp-oauth-pack-"));
    as = await startAuthorizationServer();
    mcp = await startMcpServer({ issuer: as.issuer, introspect: (t) => as.introspect(t) });
    as.allowResource(mcp.url);

    // npm pack runs prepack (scripts/build dist).
    const pack = ok(
      await run("npm", ["pack", "--json", "--pack-destination", work], {
        cwd: ROOT,
        timeoutMs: 110_000,
      }),
      "npm pack",
    );
    const [info] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf("["))) as {
      filename: string;
      files: { path: string }[];
    }[];
    tarball = join(work, info!.filename);
    const paths = info!.files.map((f) => f.path);
    for (const p of ["dist/cli.mjs", "dist/mod.mjs", "dist/types/mod.d.ts", "src/mod.ts"]) {
      assert.ok(paths.includes(p), `the tarball has ${p}`);
    }
    for (const p of paths) {
      assert.ok(!/^(test|scripts|dist\/bin|dist\/node)\//.test(p), `the tarball leaves out ${p}`);
    }

    project = join(work, "project");
    await mkdir(project);
    await writeFile(
      join(project, "package.json"),
      '{"name": "user-project", "private": true, "type": "module"}\n',
    );
    const install = ["install", "--no-audit", "--no-fund", tarball];
    let r = await run("npm", [...install, "--offline"], { cwd: project, timeoutMs: 110_000 });
    // A machine whose npm cache lacks the one dependency (oauth4webapi) asks the registry.
    if (r.code !== 0) {
      r = await run("npm", [...install, "--prefer-offline"], { cwd: project, timeoutMs: 110_000 });
    }
    ok(r, "npm install <tarball>");
  }, SLOW);

  after(async () => {
    await mcp?.close();
    await as?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** --version, ls --json, then add → authorize (the scripted person) → token → tools. */
  async function signInWith(r: Runner, cwd: string): Promise<void> {
    const home = await mkdtemp(join(work, `home-${r.name}-`));
    const cli = (...args: string[]) =>
      run(r.cmd, [...r.prefix, ...args], { cwd, env: { ...r.env, MCP_OAUTH_HOME: home } });

    const v = ok(await cli("--version"), "--version");
    assert.match(
      v.stdout,
      new RegExp(`^mcp-oauth \\d+\\.\\d+\\.\\d+ \\(${r.runtime} \\S+, build \\S+\\)\\n$`),
    );
    const ls = ok(await cli("ls", "--json"), "ls --json");
    assert.deepEqual(JSON.parse(ls.stdout), { store: "file", servers: [], docker: [] });

    ok(await cli("add", "demo", mcp.url), "add");
    const auth = ok(await cli("authorize", "demo", "--browser", PERSON_BROWSER), "authorize");
    assert.match(auth.stdout, new RegExp(`^Authorized demo at ${as.issuer}`));
    const token = ok(await cli("token", "demo"), "token").stdout.trim();
    assert.ok(token.length > 20, "token printed");
    const introspected = await as.introspect(token);
    assert.equal(introspected.active, true, "the printed token is live at the AS");
    const tools = JSON.parse(ok(await cli("tools", "demo", "--json"), "tools").stdout) as {
      tools: { name: string }[];
    };
    assert.ok(tools.tools.some((t) => t.name === "echo"), "tools lists echo");
    const listed = JSON.parse(ok(await cli("ls", "--json"), "ls --json").stdout) as {
      servers: { name: string; status: string }[];
    };
    assert.deepEqual(listed.servers.map((s) => [s.name, s.status]), [["demo", "authorized"]]);
  }

  const runners: Runner[] = [
    {
      name: "npx",
      runtime: "node",
      cmd: "npx",
      prefix: ["--offline", "mcp-oauth"],
      env: {},
    },
    {
      name: "bunx",
      runtime: "bun",
      cmd: join(BIN, "bun"),
      // --bun: run under Bun although the bin's shebang names node.
      prefix: ["x", "--bun", "mcp-oauth"],
      env: { BUN_CONFIG_REGISTRY: NO_REGISTRY },
    },
    {
      name: "deno",
      runtime: "deno",
      cmd: join(BIN, "deno"),
      prefix: ["run", "-A", "npm:mcp-oauth"],
      env: { NPM_CONFIG_REGISTRY: NO_REGISTRY },
    },
  ];
  for (const r of runners) {
    it(`${r.name}: --version, ls --json, add → authorize → token → tools`, SLOW, async () => {
      await signInWith(r, project);
    });
  }

  it(
    "the library entry imports under Node, Bun and Deno, and type-checks for Node users",
    SLOW,
    async () => {
      const probe = 'import("mcp-oauth").then((m) => console.log(Object.keys(m).sort().join(" ")))';
      const expected = [
        "ConfigFile",
        "Engine",
        "FileStore",
        "MemoryStore",
        "createEngine",
        "discover",
      ];
      for (
        const [cmd, args, extra] of [
          ["node", ["--input-type=module", "-e", probe], {}],
          [join(BIN, "bun"), ["-e", probe], {}],
          [join(BIN, "deno"), ["eval", probe], { NPM_CONFIG_REGISTRY: NO_REGISTRY }],
        ] as const
      ) {
        const r = ok(await run(cmd, [...args], { cwd: project, env: extra }), `${cmd} import`);
        const names = r.stdout.trim().split(" ");
        for (const name of expected) assert.ok(names.includes(name), `${cmd}: exports ${name}`);
      }
      await writeFile(
        join(project, "use.ts"),
        `import { createEngine, FileStore, ConfigFile, McpOAuthError } from "mcp-oauth";
const home = "/tmp/x";
const engine = createEngine({ store: new FileStore(home), servers: new ConfigFile(home) });
const token: Promise<string> = engine.getAccessToken(await engine.resolve("notion"));
const fetched: Response = await engine.authFetch(await engine.resolve("notion"))("https://x/");
export { token, fetched, McpOAuthError };
`,
      );
      ok(
        await run(join(BIN, "tsc"), [
          "--noEmit",
          "--strict",
          "--module",
          "nodenext",
          "--target",
          "es2022",
          "--types",
          "node",
          "--typeRoots",
          join(ROOT, "node_modules", "@types"),
          "use.ts",
        ], { cwd: project }),
        "tsc on a Node user's file",
      );
    },
  );

  describe("the compiled binary", () => {
    let binary: string;
    let empty: string;

    before(async () => {
      ok(
        await run("bash", [join(ROOT, "scripts", "build")], { cwd: ROOT, timeoutMs: 110_000 }),
        "scripts/build",
      );
      const alone = join(work, "alone");
      await mkdir(alone);
      binary = join(alone, "mcp-oauth");
      await copyFile(join(ROOT, "dist", "bin", "mcp-oauth"), binary);
      await run("chmod", ["+x", binary], { cwd: alone });
      assert.deepEqual(await readdir(alone), ["mcp-oauth"]);
      // Run it from a directory whose .env and bunfig.toml would break it if it read them.
      empty = join(work, "cwd");
      await mkdir(empty);
      await writeFile(join(empty, ".env"), "MCP_OAUTH_STORE=helper:does-not-exist\n");
      await writeFile(join(empty, "bunfig.toml"), 'preload = ["./missing.ts"]\n');
    }, SLOW);

    it("--version, ls --json, add → authorize → token → tools", SLOW, async () => {
      await signInWith({ name: "binary", runtime: "bun", cmd: binary, prefix: [], env: {} }, empty);
    });

    it("serves the dashboard and its embedded assets", SLOW, async () => {
      const home = await mkdtemp(join(work, "home-serve-"));
      const child = spawn(binary, ["serve", "--port", "0"], {
        cwd: empty,
        env: env({ MCP_OAUTH_HOME: home }),
        stdio: ["ignore", "ignore", "pipe"],
      });
      try {
        const url = await new Promise<string>((resolve, reject) => {
          let err = "";
          child.stderr!.setEncoding("utf8").on("data", (d: string) => {
            err += d;
            const m = /(http:\/\/127\.0\.0\.1:\d+\/\?k=\S+)/.exec(err);
            if (m) resolve(m[1]!);
          });
          child.on("close", (code) => reject(new Error(`serve exited ${code}: ${err}`)));
        });
        const origin = new URL(url).origin;
        const key = { "mcp-oauth-key": new URL(url).searchParams.get("k")! };
        const page = await fetch(url, { redirect: "manual" });
        assert.equal(page.status, 200);
        assert.equal(page.headers.get("set-cookie"), null, "the key is never a cookie");
        const html = await page.text();
        assert.match(html, /<title>mcp-oauth<\/title>/);
        assert.match(html, /Add a server/);
        for (
          const [path, type, marker] of [
            ["/assets/htmx.min.js", "text/javascript", "htmx"],
            ["/assets/app.css", "text/css", "body"],
            ["/assets/app.js", "text/javascript", "addEventListener"],
          ] as const
        ) {
          const r = await fetch(`${origin}${path}`, { headers: key });
          assert.equal(r.status, 200, path);
          assert.ok(r.headers.get("content-type")?.startsWith(type), path);
          const body = await r.text();
          assert.ok(body.length > 100 && body.includes(marker), `${path} is the real file`);
        }
      } finally {
        child.kill("SIGTERM");
      }
    });
  });
});
