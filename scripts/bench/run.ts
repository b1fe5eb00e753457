/**
 * `npm run bench`: every benchmark of issue 9 in turn, each printing its table, then all of
 * them written to docs/BENCHMARKS.md with the machine (nproc, memory, CPU model), the runtime
 * versions and the date. Never part of the tests.
 *
 *   node_modules/.bin/bun scripts/bench/run.ts [--quick]
 *
 * --quick: fewer runs and shorter wrk rounds (a smoke test of the suite, not numbers to keep).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { ROOT } from "./setup.ts";

const quick = process.argv.includes("--quick");
const bun = `${ROOT}node_modules/.bin/bun`;
const deno = `${ROOT}node_modules/.bin/deno`;
const sh = (cmd: string, args: string[]) =>
  spawnSync(cmd, args, { encoding: "utf8" }).stdout?.trim() ?? "";

const cpuModel = /model name\s*:\s*(.+)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ??
  cpus()[0]?.model ?? "unknown";
const machine = [
  `- date: ${new Date().toISOString()}`,
  `- CPU: ${cpuModel}; nproc ${sh("nproc", [])}`,
  `- memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
  `- kernel: ${sh("uname", ["-sr"])}`,
  `- bun ${sh(bun, ["--version"])}; ${sh(deno, ["--version"]).split("\n")[0]}; node ${
    sh("node", ["--version"])
  }; ${sh("wrk", ["--version"]).split("\n")[0]?.split(" [")[0]}; ${
    sh(`${ROOT}node_modules/@cloudflare/workerd-linux-64/bin/workerd`, ["--version"])
  }`,
  `- commit: ${sh("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"])}`,
  `- binary dist/bin/mcp-oauth: ${existsSync(`${ROOT}dist/bin/mcp-oauth`) ? "present" : "absent"}`,
].join("\n");

const pieces: { title: string; about: string; argv: string[] }[] = [
  {
    title: "1. Discovery + registration to a ready authorization URL",
    about:
      "Loopback servers delaying every response by 100 ms; time from the first request the server sees to the end of the last response, in delay units (≈ sequential round trips). mcp-oauth: `discover` + `ensureClient` (MemoryStore) + `authorizationUrl`. SDK: the MCP request's 401, then `discoverOAuthServerInfo` (PRM, AS metadata), `registerClient`, `startAuthorization`. Target: ≤ 4 rounds everywhere, ≤ 0.7× the SDK where it probes in sequence.",
    argv: [bun, "scripts/bench/discovery-vs-sdk.ts", "100", quick ? "2" : "7"],
  },
  {
    title: "2. `token` on a valid token",
    about:
      "Each case beside the floor of its store: the runtime or binary starting and doing nothing; for pass, `docker-credential-pass get` alone. From source, `scripts/mcp-oauth` (a bash launcher that execs the runtime). Target: ≤ 1.3× the floor of its store.",
    argv: [bun, "scripts/bench/token-bench.ts", quick ? "3" : "15"],
  },
  {
    title: "3. Concurrent refresh",
    about:
      "20 `mcp-oauth token demo` processes started at once on an expired token (oidc-provider, access tokens of 2 s, rotating refresh tokens) versus one process doing the same refresh. Target: exactly one refresh; wall ≤ 2× a single refresh.",
    argv: [bun, "scripts/bench/concurrent-refresh.ts", quick ? "1" : "5"],
  },
  {
    title: "4a. Relay and dashboard throughput (Bun)",
    about:
      "wrk -t2 -c32 against each server (separate processes, all started before the first round). Target: ≥ 0.85× the bare Hono app.",
    argv: [bun, "scripts/bench/rps.ts", "bun", quick ? "1" : "3", quick ? "2" : "5"],
  },
  {
    title: "4b. Relay and dashboard throughput (Deno)",
    about: "The same on Deno.",
    argv: [bun, "scripts/bench/rps.ts", "deno", quick ? "1" : "3", quick ? "2" : "5"],
  },
  {
    title: "4c. The relay on the edge: workerd and `deno serve` (issue 20)",
    about:
      "wrk -t2 -c32; the relay beside a bare fetch handler making the same redirect (no checks, no headers) on the same runtime. workerd: the bundle `wrangler deploy` would upload (deploy/cloudflare/wrangler.jsonc), served by the workerd binary alone. deno serve: the Deno Deploy entry (deploy/deno/main.ts). Four servers at once, interleaved rounds.",
    argv: [bun, "scripts/bench/relay-edge.ts", quick ? "1" : "3", quick ? "2" : "5"],
  },
  {
    title: "5. `serve`: start time, idle memory; binary size",
    about:
      "Start: spawn to the dashboard URL printed (listening). Idle: VmRSS 2 s after one page load.",
    argv: [bun, "scripts/bench/serve.ts", quick ? "2" : "5"],
  },
];

console.log(machine + "\n");
const sections: string[] = [];
for (const p of pieces) {
  console.log(`## ${p.title}\n`);
  const t0 = performance.now();
  const r = spawnSync(p.argv[0]!, p.argv.slice(1), {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 1 << 24,
  });
  const out = r.status === 0 ? r.stdout.trim() : `failed (exit ${r.status}):\n\n${r.stdout}`;
  console.log(out + `\n\n(${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
  sections.push(`## ${p.title}\n\n${p.about}\n\n${out}\n`);
}

const notesPath = `${ROOT}scripts/bench/NOTES.md`;
const notes = existsSync(notesPath) ? readFileSync(notesPath, "utf8").trim() + "\n" : "";
const doc = `# Benchmarks

Written by \`npm run bench\` (scripts/bench/run.ts); every table is a median of interleaved
runs with min–max beside it. Benchmarks are never part of the tests.

${machine}

${sections.join("\n")}
${notes}`;
if (!quick) writeFileSync(`${ROOT}docs/BENCHMARKS.md`, doc);
console.log(quick ? "(--quick: docs/BENCHMARKS.md left as it is)" : "wrote docs/BENCHMARKS.md");
