#!/usr/bin/env node
/**
 * Start time of `mcp-oauth --version` the four ways people run it, side by side: the compiled
 * binary, `bunx --bun mcp-oauth`, `npx mcp-oauth` and `deno run -A npm:mcp-oauth` (from the
 * packed tarball installed into a temp project, without the network), plus plain `bunx`
 * (which runs Node: the bin's shebang) and each runtime running dist/cli.mjs directly (the floor
 * without the package runner). Commands run interleaved (A B C …, A B C …) so machine drift
 * cancels; medians and min–max are printed, and the binary's size.
 *
 *   node scripts/bench/start-time.mjs [--runs 15] [--reuse]
 *
 * Builds first (npm pack, scripts/build); --reuse keeps an existing dist/bin/mcp-oauth.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "15" }, reuse: { type: "boolean" } },
});
const runs = Number(values.runs);
const root = new URL("../../", import.meta.url).pathname;
const bin = join(root, "node_modules", ".bin");
const work = mkdtempSync(join(tmpdir(), "mcp-oauth-start-"));
const quiet = { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" };

try {
  const binary = join(root, "dist", "bin", "mcp-oauth");
  if (!values.reuse || !existsSync(binary)) {
    execFileSync("bash", [join(root, "scripts/build")], quiet);
  }
  const packed = execFileSync("npm", ["pack", "--json", "--pack-destination", work], {
    ...quiet,
    cwd: root,
  });
  // npm prints the prepack script's output before the JSON.
  const pack = JSON.parse(packed.slice(packed.search(/^\[/m)));
  const project = join(work, "project");
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), '{"name": "bench", "private": true}\n');
  execFileSync(
    "npm",
    ["install", "--offline", "--no-audit", "--no-fund", join(work, pack[0].filename)],
    { ...quiet, cwd: project },
  );
  const home = join(work, "home");
  const noRegistry = "http://127.0.0.1:9/";
  const env = {
    ...process.env,
    MCP_OAUTH_HOME: home,
    NO_COLOR: "1",
    DENO_NO_UPDATE_CHECK: "1",
    BUN_CONFIG_REGISTRY: noRegistry,
    NPM_CONFIG_REGISTRY: noRegistry,
  };
  const cli = join(project, "node_modules", "mcp-oauth", "dist", "cli.mjs");
  const cases = [
    ["binary (dist/bin/mcp-oauth)", binary, ["--version"]],
    ["bunx --bun mcp-oauth", join(bin, "bun"), ["x", "--bun", "mcp-oauth", "--version"]],
    ["npx mcp-oauth", "npx", ["--offline", "mcp-oauth", "--version"]],
    ["deno run -A npm:mcp-oauth", join(bin, "deno"), ["run", "-A", "npm:mcp-oauth", "--version"]],
    ["bunx mcp-oauth (runs node)", join(bin, "bun"), ["x", "mcp-oauth", "--version"]],
    ["node dist/cli.mjs (floor)", "node", [cli, "--version"]],
    ["bun dist/cli.mjs (floor)", join(bin, "bun"), [cli, "--version"]],
    ["deno run -A dist/cli.mjs (floor)", join(bin, "deno"), ["run", "-A", cli, "--version"]],
  ];
  const times = cases.map(() => []);
  for (let r = 0; r < runs + 1; r++) {
    cases.forEach(([name, cmd, args], i) => {
      const t0 = process.hrtime.bigint();
      const p = spawnSync(cmd, args, { cwd: project, env, encoding: "utf8" });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (p.status !== 0 || !/^mcp-oauth \d/.test(p.stdout)) {
        throw new Error(`${name} failed (${p.status}): ${p.stderr || p.stdout}`);
      }
      if (r > 0) times[i].push(ms); // the first round warms caches
    });
  }
  const median = (a) => {
    const s = [...a].sort((x, y) => x - y);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  console.log(`mcp-oauth --version, ${runs} interleaved runs each (after one warm-up round)\n`);
  console.log(`${"how".padEnd(36)} ${"median".padStart(8)}   min–max`);
  cases.forEach(([name], i) => {
    const t = times[i];
    console.log(
      `${name.padEnd(36)} ${median(t).toFixed(0).padStart(6)} ms   ${Math.min(...t).toFixed(0)}–${
        Math.max(...t).toFixed(0)
      } ms`,
    );
  });
  const size = statSync(binary).size;
  console.log(
    `\nbinary: ${(size / 1e6).toFixed(1)} MB (${size} bytes); dist/cli.mjs: ${
      (statSync(cli).size / 1e3).toFixed(0)
    } kB; tarball: ${(statSync(join(work, pack[0].filename)).size / 1e3).toFixed(0)} kB`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
