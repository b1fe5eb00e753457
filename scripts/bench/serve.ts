/**
 * `mcp-oauth serve`: start time (spawn to the dashboard URL printed, i.e. listening) and
 * resident memory when idle (2 s after one page load through the key link), under Bun and Deno
 * from source and the compiled binary when dist/bin/mcp-oauth exists; runs interleaved. Then
 * the binary's size.
 *
 *   node_modules/.bin/bun scripts/bench/serve.ts [runs]
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanEnv, CLI, ROOT } from "./setup.ts";
import { fmtRange, median } from "./stats.ts";

const runs = Number(process.argv[2] ?? 5);
const binary = `${ROOT}dist/bin/mcp-oauth`;
const launchers: [string, string, Record<string, string>][] = [
  ["bun (from source)", CLI, { MCP_OAUTH_RUNTIME: "bun" }],
  ["deno (from source)", CLI, { MCP_OAUTH_RUNTIME: "deno" }],
];
if (existsSync(binary)) launchers.push(["binary", binary, {}]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function once(cmd: string, extra: Record<string, string>) {
  const home = mkdtempSync(join(tmpdir(), "mcp-oauth-bench-serve-"));
  const t0 = performance.now();
  const child = spawn(cmd, ["serve", "--port", "0"], {
    env: cleanEnv({ ...extra, MCP_OAUTH_HOME: home }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    let out = "";
    const url = await new Promise<string>((resolve, reject) => {
      const seen = (d: string) => {
        out += d;
        const m = /http:\/\/127\.0\.0\.1:\d+\/\?k=\S+/.exec(out);
        if (m) resolve(m[0]);
      };
      child.stdout.setEncoding("utf8").on("data", seen);
      child.stderr.setEncoding("utf8").on("data", seen);
      child.on("exit", (code) => reject(new Error(`serve exited ${code}: ${out}`)));
    });
    const startMs = performance.now() - t0;
    const page = spawnSync("curl", [
      "-s",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      "-L",
      "-c",
      join(home, "jar"),
      url,
    ], {
      encoding: "utf8",
    });
    if (page.stdout !== "200") throw new Error(`page load: ${page.stdout}`);
    await sleep(2000);
    // scripts/mcp-oauth execs the runtime, so the child's pid is the server's.
    const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
    const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)![1]);
    return { startMs, rssMiB: rssKiB / 1024 };
  } finally {
    child.kill();
    await new Promise((r) => child.once("close", r));
    rmSync(home, { recursive: true, force: true });
  }
}

const res = launchers.map(() => ({ start: [] as number[], rss: [] as number[] }));
for (let r = 0; r < runs + 1; r++) {
  const order = [...launchers.keys()];
  if (r % 2) order.reverse();
  for (const i of order) {
    const x = await once(launchers[i]![1], launchers[i]![2]);
    if (r === 0) continue; // warm-up round
    res[i]!.start.push(x.startMs);
    res[i]!.rss.push(x.rssMiB);
  }
}
console.log(
  `| serve, ${runs} interleaved runs | start ms (median) | min–max | idle RSS MiB (median) | min–max |`,
);
console.log("|---|---|---|---|---|");
launchers.forEach(([name], i) => {
  const { start, rss } = res[i]!;
  console.log(
    `| ${name} | ${median(start).toFixed(0)} | ${fmtRange(start, 0)} | ${
      median(rss).toFixed(1)
    } | ${fmtRange(rss, 1)} |`,
  );
});
if (existsSync(binary)) {
  const size = statSync(binary).size;
  console.log(`\nbinary dist/bin/mcp-oauth: ${(size / 1e6).toFixed(1)} MB (${size} bytes)`);
}
process.exit(0);
