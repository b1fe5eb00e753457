#!/usr/bin/env node
/**
 * `mcp-oauth token` on a valid token, beside its floors, measured side by side:
 * commands run interleaved (A B C D, A B C D, …) so machine drift cancels; medians
 * and min–max are printed. Needs a server already authorized in the given home.
 *
 *   node scripts/bench/token-hot-path.mjs --home DIR --server NAME [--runs 15] [--pass-home DIR]
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
  },
});
if (!values.home || !values.server) {
  console.error("usage: token-hot-path.mjs --home DIR --server NAME [--runs N] [--pass-home DIR]");
  process.exit(2);
}
const root = new URL("../../", import.meta.url).pathname;
const env = { ...process.env, MCP_OAUTH_HOME: values.home };
const cli = `${root}scripts/mcp-oauth`;
const cases = [
  ["bun -e '' (runtime floor)", [`${root}node_modules/.bin/bun`, "-e", ""], {}],
  ["token, file store, bun", [cli, "token", values.server], { MCP_OAUTH_RUNTIME: "bun" }],
  ["token, file store, deno", [cli, "token", values.server], { MCP_OAUTH_RUNTIME: "deno" }],
  ["token, file store, node", [cli, "token", values.server], { MCP_OAUTH_RUNTIME: "node" }],
];
if (values["pass-home"]) {
  const key = spawnSync("docker-credential-pass", ["list"], { env, encoding: "utf8" }).stdout;
  const first = Object.keys(JSON.parse(key || "{}")).find((k) => k.includes("/.mcp-oauth/token/"));
  cases.push(["docker-credential-pass get (floor)", ["docker-credential-pass", "get"], {}, first]);
  const passHome = { MCP_OAUTH_HOME: values["pass-home"] };
  cases.push(["token, helper:pass, bun", [cli, "token", values.server, "--store", "helper:pass"], {
    MCP_OAUTH_RUNTIME: "bun",
    ...passHome,
  }]);
  cases.push(["token, helper:pass, deno", [cli, "token", values.server, "--store", "helper:pass"], {
    MCP_OAUTH_RUNTIME: "deno",
    ...passHome,
  }]);
}
const times = cases.map(() => []);
for (let r = 0; r < Number(values.runs); r++) {
  cases.forEach(([name, argv, extra, input], i) => {
    const t0 = performance.now();
    const res = spawnSync(argv[0], argv.slice(1), {
      env: { ...env, ...extra },
      input,
      encoding: "utf8",
    });
    const ms = performance.now() - t0;
    if (res.status !== 0) throw new Error(`${name} exited ${res.status}: ${res.stderr}`);
    times[i].push(ms);
  });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(times[0]);
console.log(`| command | median ms | min–max ms | × bun -e '' |`);
console.log(`|---|---|---|---|`);
cases.forEach(([name], i) => {
  const m = median(times[i]);
  console.log(
    `| ${name} | ${m.toFixed(1)} | ${Math.min(...times[i]).toFixed(1)}–${
      Math.max(...times[i]).toFixed(1)
    } | ${(m / base).toFixed(2)} |`,
  );
});
