/**
 * Requests per second with wrk (Debian: apt-get install wrk) of the relay on the edge runtimes
 * (issue 20), each beside a bare fetch handler making the same redirect on the same runtime
 * (relay-bare.ts): in workerd, the bundle `wrangler deploy` would upload with the deployer's
 * wrangler.jsonc served by the workerd binary alone (`wrangler dev` puts a proxy of its own in
 * front, about ten times slower here, which would hide the relay's cost), and under
 * `deno serve` with the Deno Deploy entry. All four servers run at once; every round runs them
 * in turn, the order reversed every other round, so machine drift cancels. wrk shares the
 * machine's cores.
 *
 *   node_modules/.bin/bun scripts/bench/relay-edge.ts [rounds] [seconds]
 */
import { spawnSync } from "node:child_process";
import { type EdgeRuntime, type EdgeServer, startEdge } from "../../test/http/relay-edge.ts";
import { fmtRange, median } from "./stats.ts";

const rounds = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 5);
const BARE = "scripts/bench/relay-bare.ts";
const q =
  "/callback?code=SplxlOBeZQQYbYS6WxSbIA&state=mcp-oauth%3A49152%3Ak3hK3FK6ggOY6YuZCK_hkpadDp0GoYZA7NObe8sMtMs&iss=https%3A%2F%2Fas.example.com";

if (spawnSync("wrk", ["--version"]).error) {
  console.error("relay-edge.ts: needs wrk (apt-get install wrk)");
  process.exit(1);
}
const cases: { name: string; runtime: EdgeRuntime; entry?: string }[] = [
  { name: "workerd: relay", runtime: "workerd" },
  { name: "workerd: bare handler, same redirect", runtime: "workerd", entry: BARE },
  { name: "deno serve: relay", runtime: "deno-serve" },
  { name: "deno serve: bare handler, same redirect", runtime: "deno-serve", entry: BARE },
];
const servers: EdgeServer[] = [];
try {
  // One at a time: workerd's start is heavy, and the two runtimes' starts would compete.
  for (const c of cases) servers.push(await startEdge(c.runtime, c.entry));
  const rps = cases.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    const order = [...cases.keys()];
    if (r % 2) order.reverse();
    for (const i of order) {
      const out = spawnSync("wrk", ["-t2", "-c32", `-d${seconds}s`, `${servers[i]!.url}${q}`], {
        encoding: "utf8",
      }).stdout;
      if (/Socket errors/.test(out)) throw new Error(`${cases[i]!.name}: errors\n${out}`);
      const m = /Requests\/sec:\s+([\d.]+)/.exec(out);
      if (!m) throw new Error(`${cases[i]!.name}: no wrk result\n${out}`);
      rps[i]!.push(Number(m[1]));
    }
  }
  console.log(
    `| wrk -t2 -c32, ${rounds} × ${seconds} s interleaved | median req/s | min–max | × bare handler |`,
  );
  console.log("|---|---|---|---|");
  // Each relay row is followed by its bare handler; the ratio is relay / bare, same runtime.
  cases.forEach((c, i) => {
    const ratio = c.entry ? "" : (median(rps[i]!) / median(rps[i + 1]!)).toFixed(2);
    console.log(
      `| ${c.name} | ${median(rps[i]!).toFixed(0)} | ${fmtRange(rps[i]!, 0)} | ${ratio} |`,
    );
  });
} finally {
  await Promise.all(servers.map((s) => s.close()));
}
process.exit(0);
