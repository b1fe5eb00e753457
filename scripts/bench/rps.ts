/**
 * Requests per second with wrk (Debian: apt-get install wrk) of the relay and of the dashboard's
 * list page, each beside a bare Hono app on the same runtime doing the least the same answer
 * needs (relay: one fixed 302; list page: the same HTML bytes after the same key check).
 * All four servers run at once as separate processes; every round runs them in turn, the order
 * reversed every other round, so machine drift cancels. wrk shares the machine's cores.
 *
 *   node_modules/.bin/bun scripts/bench/rps.ts [bun|deno] [rounds] [seconds] [servers]
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { ROOT } from "./setup.ts";
import { fmtRange, median } from "./stats.ts";

const runtime = process.argv[2] ?? "bun";
const rounds = Number(process.argv[3] ?? 3);
const seconds = Number(process.argv[4] ?? 5);
const n = process.argv[5] ?? "20";
const KEY = "bench-key";
const base = 18_800 + (runtime === "deno" ? 10 : 0);
const launch = (script: string, ...args: string[]): ChildProcess => {
  const argv = runtime === "deno"
    ? [`${ROOT}node_modules/.bin/deno`, "run", "-A", "--config", `${ROOT}deno.json`]
    : [`${ROOT}node_modules/.bin/bun`];
  return spawn(argv[0]!, [...argv.slice(1), `${ROOT}scripts/bench/${script}`, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
};
const q =
  "/callback?code=SplxlOBeZQQYbYS6WxSbIA&state=mcp-oauth%3A49152%3Ak3hK3FK6ggOY6YuZCK_hkpadDp0GoYZA7NObe8sMtMs&iss=https%3A%2F%2Fas.example.com";
const cases = [
  {
    name: "relay (302)",
    port: base,
    child: launch("relay-server.ts", "relay", `${base}`),
    path: q,
  },
  {
    name: "bare Hono 302",
    port: base + 1,
    child: launch("relay-server.ts", "bare", `${base + 1}`),
    path: q,
  },
  {
    name: "bare Hono relay (same redirect, no checks)",
    port: base + 4,
    child: launch("relay-server.ts", "bare-relay", `${base + 4}`),
    path: q,
  },
  {
    name: `dashboard list page, ${n} servers`,
    port: base + 2,
    child: launch("dashboard-server.ts", "dashboard", n, `${base + 2}`),
    path: "/",
  },
  {
    name: "bare Hono page, same bytes",
    port: base + 3,
    child: launch("dashboard-server.ts", "bare", n, `${base + 3}`),
    path: "/",
  },
  {
    name: "bare Hono page, same bytes and security headers",
    port: base + 5,
    child: launch("dashboard-server.ts", "bare-secure", n, `${base + 5}`),
    path: "/",
  },
];
try {
  await Promise.all(cases.map((c) =>
    new Promise<void>((resolve, reject) => {
      c.child.stdout!.setEncoding("utf8").on("data", () => resolve());
      c.child.on("exit", (code) => reject(new Error(`${c.name} exited ${code}`)));
    })
  ));
  const rps = cases.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    const order = [...cases.keys()];
    if (r % 2) order.reverse();
    for (const i of order) {
      const c = cases[i]!;
      const out = spawnSync("wrk", [
        "-t2",
        "-c32",
        `-d${seconds}s`,
        "-H",
        `Mcp-OAuth-Key: ${KEY}`,
        `http://127.0.0.1:${c.port}${c.path}`,
      ], { encoding: "utf8" }).stdout;
      if (/Non-2xx|Socket errors/.test(out)) throw new Error(`${c.name}: errors\n${out}`);
      const m = /Requests\/sec:\s+([\d.]+)/.exec(out);
      if (!m) throw new Error(`${c.name}: no wrk result\n${out}`);
      rps[i]!.push(Number(m[1]));
    }
  }
  console.log(
    `| ${runtime}, wrk -t2 -c32, ${rounds} × ${seconds} s interleaved | median req/s | min–max | × bare Hono |`,
  );
  console.log("|---|---|---|---|");
  // Each real server is followed by its bare Hono app(s); the ratio is against the first.
  const real = new Set(["relay (302)", `dashboard list page, ${n} servers`]);
  cases.forEach((c, i) => {
    const bare = real.has(c.name)
      ? (median(rps[i]!) / median(rps[i + 1]!)).toFixed(2) +
        `; ${(median(rps[i]!) / median(rps[i + 2]!)).toFixed(2)} × the ${
          c.name === "relay (302)" ? "bare relay" : "page with security headers"
        }`
      : "";
    console.log(
      `| ${c.name} | ${median(rps[i]!).toFixed(0)} | ${fmtRange(rps[i]!, 0)} | ${bare} |`,
    );
  });
} finally {
  for (const c of cases) c.child.kill();
}
process.exit(0);
