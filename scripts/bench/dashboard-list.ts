/**
 * Server-side time of the dashboard's list page with 1 and with 200 servers
 * (file store and config file in a temp home, each server authorized with a
 * stored token), measured interleaved; and nothing else running.
 *
 *   node_modules/.bin/bun scripts/bench/dashboard-list.ts [runs]
 */

import { seedHome } from "../../test/helpers/seed.ts";
import { offlineDashboard } from "../../test/helpers/offline-dashboard.ts";

const runs = Number(process.argv[2] ?? 30);
const KEY = "bench-key";

async function setup(n: number) {
  const { home, store, servers } = await seedHome(n, `mcp-oauth-bench-${n}-`);
  const app = offlineDashboard({ home, store, servers, secret: KEY });
  return () =>
    app.request("http://127.0.0.1:7777/", {
      headers: { host: "127.0.0.1:7777", "mcp-oauth-key": KEY },
    });
}

const cases: [string, () => Response | Promise<Response>][] = [["1 server", await setup(1)], [
  "200 servers",
  await setup(200),
]];
const times: number[][] = cases.map(() => []);
for (let r = 0; r < runs + 3; r++) {
  for (const [i, [, get]] of cases.entries()) {
    const t0 = performance.now();
    const res = await get();
    const body = await res.text();
    const ms = performance.now() - t0;
    if (res.status !== 200 || !body.includes("server-0")) {
      throw new Error(`bad response ${res.status}`);
    }
    if (r >= 3) times[i]!.push(ms); // the first runs warm up the JIT
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `| list page (${typeof Deno === "undefined" ? "bun" : "deno"}) | median ms | min–max ms |`,
);
console.log("|---|---|---|");
for (const [i, [name]] of cases.entries()) {
  const t = times[i]!;
  console.log(
    `| ${name} | ${median(t).toFixed(2)} | ${Math.min(...t).toFixed(2)}–${
      Math.max(...t).toFixed(2)
    } |`,
  );
}
