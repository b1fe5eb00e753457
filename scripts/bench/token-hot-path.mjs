#!/usr/bin/env node
/**
 * `mcp-oauth token` on a valid token, beside the floor of its store, measured side by side:
 * commands run interleaved (A B C D, A B C D, …) so machine drift cancels; medians and min–max
 * are printed, and each case's ratio to its floor (the runtime or binary starting and doing
 * nothing; for pass, `docker-credential-pass get` alone). Needs a server already authorized in
 * the given home; scripts/bench/token-bench.ts makes one (and a pass store) and calls this.
 *
 *   node scripts/bench/token-hot-path.mjs --home DIR --server NAME [--runs 15]
 *        [--pass-home DIR] [--binary dist/bin/mcp-oauth]
 *
 * --pass-home names an mcp-oauth home whose server NAME was authorized with --store helper:pass
 * (GNUPGHOME and PASSWORD_STORE_DIR come from the environment).
 */
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    home: { type: "string" },
    server: { type: "string" },
    runs: { type: "string", default: "15" },
    "pass-home": { type: "string" },
    binary: { type: "string" },
  },
});
if (!values.home || !values.server) {
  console.error(
    "usage: token-hot-path.mjs --home DIR --server NAME [--runs N] [--pass-home DIR] [--binary PATH]",
  );
  process.exit(2);
}
const root = new URL("../../", import.meta.url).pathname;
const env = { ...process.env, MCP_OAUTH_HOME: values.home };
const cli = `${root}scripts/mcp-oauth`;
const bun = `${root}node_modules/.bin/bun`;
const deno = `${root}node_modules/.bin/deno`;
const server = values.server;
const bin = values.binary;
/** [name, argv, extra env, stdin, floor name] */
const cases = [
  ["bun -e 0 (floor)", [bun, "-e", "0"], {}],
  ["deno eval 0 (floor)", [deno, "eval", "0"], {}],
  ["node -e 0 (floor)", ["node", "-e", "0"], {}],
  ["token, file, bun", [cli, "token", server], { MCP_OAUTH_RUNTIME: "bun" }, , "bun -e 0 (floor)"],
  [
    "token, file, deno",
    [cli, "token", server],
    { MCP_OAUTH_RUNTIME: "deno" },
    ,
    "deno eval 0 (floor)",
  ],
  [
    "token, file, node",
    [cli, "token", server],
    { MCP_OAUTH_RUNTIME: "node" },
    ,
    "node -e 0 (floor)",
  ],
];
if (bin) {
  cases.push(["binary --version (floor)", [bin, "--version"], {}]);
  cases.push(["token, file, binary", [bin, "token", server], {}, , "binary --version (floor)"]);
}
if (values["pass-home"]) {
  const passHome = { MCP_OAUTH_HOME: values["pass-home"] };
  const list = spawnSync("docker-credential-pass", ["list"], { env, encoding: "utf8" }).stdout;
  const key = Object.keys(JSON.parse(list || "{}")).find((k) => k.includes("/.mcp-oauth/token/"));
  if (!key) throw new Error("no mcp-oauth token in the pass store");
  const floor = "docker-credential-pass get (floor)";
  cases.push([floor, ["docker-credential-pass", "get"], {}, key]);
  const pass = ["--store", "helper:pass"];
  cases.push([
    "token, pass, bun",
    [cli, "token", server, ...pass],
    {
      MCP_OAUTH_RUNTIME: "bun",
      ...passHome,
    },
    ,
    floor,
  ]);
  cases.push([
    "token, pass, deno",
    [cli, "token", server, ...pass],
    {
      MCP_OAUTH_RUNTIME: "deno",
      ...passHome,
    },
    ,
    floor,
  ]);
  if (bin) cases.push(["token, pass, binary", [bin, "token", server, ...pass], passHome, , floor]);
}
const times = cases.map(() => []);
for (let r = 0; r < Number(values.runs) + 1; r++) {
  cases.forEach(([name, argv, extra, input], i) => {
    const t0 = performance.now();
    const res = spawnSync(argv[0], argv.slice(1), {
      env: { ...env, ...extra },
      input,
      encoding: "utf8",
    });
    const ms = performance.now() - t0;
    if (res.status !== 0) throw new Error(`${name} exited ${res.status}: ${res.stderr}`);
    if (r > 0) times[i].push(ms); // the first round warms caches (and builds dist/node)
  });
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const byName = new Map(cases.map(([name], i) => [name, median(times[i])]));
console.log(`| command (${values.runs} interleaved runs) | median ms | min–max ms | × its floor |`);
console.log(`|---|---|---|---|`);
cases.forEach(([name, , , , floor], i) => {
  const m = median(times[i]);
  console.log(
    `| ${name} | ${m.toFixed(1)} | ${Math.min(...times[i]).toFixed(1)}–${
      Math.max(...times[i]).toFixed(1)
    } | ${
      floor ? `${(m / byName.get(floor)).toFixed(2)} × ${floor.replace(" (floor)", "")}` : ""
    } |`,
  );
});
