/**
 * Concurrent refresh: N (20) `mcp-oauth token demo` processes started at once on an expired
 * access token (oidc-provider fixture, access tokens living 2 s, rotating refresh tokens)
 * versus one process doing the same single refresh; wall time from spawn to the last exit,
 * and the refreshes the AS saw. Beside each, the same process count on a valid token (the floor:
 * the same starts and reads, no lock wait, no refresh). All interleaved; every expired round
 * starts after the token expired.
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
  // Per launcher: 1 and N processes, on the expired token (a refresh) and on a valid one (the
  // floor: the same starts and store reads, no lock wait, no refresh), all interleaved.
  const kinds = launchers.flatMap(([name, argv]) =>
    [1, N].flatMap((n) =>
      (["expired", "valid"] as const).map((token) => ({
        key: `${name}:${n}:${token}`,
        n,
        argv,
        token,
      }))
    )
  );
  for (const k of kinds) rows.set(k.key, { ms: [], refreshes: [], tokens: [] });
  const validEnv = { ...env, MCP_OAUTH_HOME: validHome };
  for (let r = 0; r < runs; r++) {
    for (const k of r % 2 ? [...kinds].reverse() : kinds) {
      if (k.token === "expired") await sleep(Math.max(0, expiresAt() - Date.now() + 100));
      const before = expiring.as.counts.refresh;
      const b = await burst(k.n, k.argv, k.token === "expired" ? homeEnv : validEnv);
      const row = rows.get(k.key)!;
      row.ms.push(b.ms);
      row.refreshes.push(expiring.as.counts.refresh - before);
      row.tokens.push(new Set(b.outs).size);
    }
  }
  console.log(
    `| ${runs} interleaved rounds | median wall ms | min–max ms | × one refresh (1 process, expired) | refreshes at the AS per round | distinct tokens printed |`,
  );
  console.log("|---|---|---|---|---|---|");
  const line = (name: string, ms: number[], single: number, refreshes = "", tokens = "") =>
    console.log(
      `| ${name} | ${median(ms).toFixed(0)} | ${fmtRange(ms, 0)} | ${
        (median(ms) / single).toFixed(2)
      } | ${refreshes} | ${tokens} |`,
    );
  const summary: string[] = [];
  for (const [name] of launchers) {
    const get = (n: number, t: string) => rows.get(`${name}:${n}:${t}`)!;
    const single = median(get(1, "expired").ms);
    line(
      `${name}: 1 process, expired (one refresh)`,
      get(1, "expired").ms,
      single,
      get(1, "expired").refreshes.join(", "),
    );
    line(`${name}: 1 process, valid token`, get(1, "valid").ms, single);
    line(
      `${name}: ${N} processes at once, expired`,
      get(N, "expired").ms,
      single,
      get(N, "expired").refreshes.join(", "),
      get(N, "expired").tokens.join(", "),
    );
    line(`${name}: ${N} processes at once, valid token (floor)`, get(N, "valid").ms, single);
    // What the refresh adds when N wait for it, against what it adds to one process.
    const refreshCost = single - median(get(1, "valid").ms);
    const burstCost = median(get(N, "expired").ms) - median(get(N, "valid").ms);
    summary.push(
      `- ${name}: the refresh adds ${refreshCost.toFixed(0)} ms to one process and ${
        burstCost.toFixed(0)
      } ms to ${N} at once (${(burstCost / refreshCost).toFixed(2)}× a single refresh's own cost).`,
    );
  }
  console.log(`\n${summary.join("\n")}`);
} finally {
  await expiring.close();
  await lasting.close();
}
process.exit(0);
