/**
 * Concurrent refresh: N (20) `mcp-oauth token demo` processes started at once on an expired
 * access token (oidc-provider fixture, access tokens living 2 s, rotating refresh tokens)
 * versus one process doing the same single refresh; wall time from spawn to the last exit,
 * and the refreshes the AS saw. Rounds are interleaved (1, N, N, 1, …), each after the token
 * expired. Beside them, the floors: N `bun -e 0` at once, and N `token` on a valid token.
 *
 *   node_modules/.bin/bun scripts/bench/concurrent-refresh.ts [runs] [N]
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { authorizedHome, cleanEnv, CLI, ROOT, startServers } from "./setup.ts";
import { fmtRange, median } from "./stats.ts";

const runs = Number(process.argv[2] ?? 3);
const N = Number(process.argv[3] ?? 20);
const TTL = 2;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function run(argv: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`${argv.join(" ")} exited ${code}: ${err}`));
      else resolve({ code: code ?? 1, out: out.trim() });
    });
  });
}

/** Start `n` copies at once; ms until the last exits, and their outputs. */
async function burst(
  n: number,
  argv: string[],
  env: Record<string, string>,
): Promise<{ ms: number; outs: string[] }> {
  const t0 = performance.now();
  const results = await Promise.all(Array.from({ length: n }, () => run(argv, env)));
  return { ms: performance.now() - t0, outs: results.map((r) => r.out) };
}

const expiring = await startServers(TTL);
const lasting = await startServers(3600);
try {
  const env = cleanEnv({ MCP_OAUTH_RUNTIME: "bun" });
  const home = await authorizedHome(expiring, env);
  const validHome = await authorizedHome(lasting, env);
  const homeEnv = { ...env, MCP_OAUTH_HOME: home };
  const token = [CLI, "token", "demo"];
  const expiresAt = () => {
    const creds = JSON.parse(readFileSync(join(home, "credentials.json"), "utf8"));
    const rec = Object.values(creds.credentials as Record<string, { Secret: string }>)
      .map((c) => JSON.parse(c.Secret))
      .find((s) => typeof s.access_token === "string");
    return rec.expires_at as number;
  };
  const launchers: [string, string[]][] = [["bun", token]];
  const binary = `${ROOT}dist/bin/mcp-oauth`;
  if (existsSync(binary)) launchers.push(["binary", [binary, "token", "demo"]]);
  type Row = { ms: number[]; refreshes: number[]; tokens: number[] };
  const rows = new Map<string, Row>();
  const kinds = launchers.flatMap(([name, argv]) =>
    [1, N].map((n) => ({ name: `${name}: ${n}`, n, argv }))
  );
  for (const k of kinds) rows.set(k.name, { ms: [], refreshes: [], tokens: [] });
  for (let r = 0; r < runs; r++) {
    for (const k of r % 2 ? [...kinds].reverse() : kinds) {
      await sleep(Math.max(0, expiresAt() - Date.now() + 100));
      const before = expiring.as.counts.refresh;
      const b = await burst(k.n, k.argv, homeEnv);
      const row = rows.get(k.name)!;
      row.ms.push(b.ms);
      row.refreshes.push(expiring.as.counts.refresh - before);
      row.tokens.push(new Set(b.outs).size);
    }
  }
  const floor: Record<string, number[]> = { bun: [], valid: [], binary: [] };
  for (let r = 0; r < runs; r++) {
    floor.bun!.push((await burst(N, [`${ROOT}node_modules/.bin/bun`, "-e", "0"], env)).ms);
    floor.valid!.push((await burst(N, token, { ...env, MCP_OAUTH_HOME: validHome })).ms);
    if (existsSync(binary)) floor.binary!.push((await burst(N, [binary, "--version"], env)).ms);
  }
  console.log(
    `| ${runs} interleaved rounds, expired token | median wall ms | min–max ms | × one refresh (same launcher) | refreshes at the AS per round | distinct tokens printed |`,
  );
  console.log("|---|---|---|---|---|---|");
  const line = (name: string, ms: number[], single: number, refreshes = "", tokens = "") =>
    console.log(
      `| ${name} | ${median(ms).toFixed(0)} | ${fmtRange(ms, 0)} | ${
        (median(ms) / single).toFixed(2)
      } | ${refreshes} | ${tokens} |`,
    );
  for (const [name] of launchers) {
    const one = rows.get(`${name}: 1`)!;
    const many = rows.get(`${name}: ${N}`)!;
    const single = median(one.ms);
    line(`${name}: 1 process (one refresh)`, one.ms, single, one.refreshes.join(", "));
    line(
      `${name}: ${N} processes at once`,
      many.ms,
      single,
      many.refreshes.join(", "),
      many.tokens.join(", "),
    );
  }
  const single = median(rows.get("bun: 1")!.ms);
  line(`floor: ${N} × bun token at once, valid token`, floor.valid!, single);
  line(`floor: ${N} × bun -e 0 at once`, floor.bun!, single);
  if (floor.binary!.length) {
    line(
      `floor: ${N} × binary --version at once`,
      floor.binary!,
      median(rows.get("binary: 1")!.ms),
    );
  }
} finally {
  await expiring.close();
  await lasting.close();
}
process.exit(0);
