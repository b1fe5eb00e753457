/**
 * The `token` hot path benchmark with its set-up: the fixture AS and MCP server, a home with
 * "demo" authorized in the file store and (when pass, gpg and docker-credential-pass are
 * installed) one authorized with --store helper:pass in a throwaway password store (a new GPG
 * key, as test/store/pass-env.ts makes), then scripts/bench/token-hot-path.mjs on both, with
 * the compiled binary when dist/bin/mcp-oauth exists.
 *
 *   node_modules/.bin/bun scripts/bench/token-bench.ts [runs]
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { makePassStore, type PassStore, which } from "../../test/store/pass-env.ts";
import { authorizedHome, cleanEnv, ROOT, startServers } from "./setup.ts";

const runs = process.argv[2] ?? "15";
const servers = await startServers(3600);
let pass: PassStore | undefined;
try {
  const env = cleanEnv({ MCP_OAUTH_RUNTIME: "bun" });
  const home = await authorizedHome(servers, env);
  const args = [`${ROOT}scripts/bench/token-hot-path.mjs`, "--home", home, "--server", "demo"];
  args.push("--runs", runs);
  let childEnv = env;
  if (await which("docker-credential-pass") && await which("pass") && await which("gpg")) {
    pass = await makePassStore();
    childEnv = { ...env, ...pass.env };
    args.push("--pass-home", await authorizedHome(servers, childEnv, ["--store", "helper:pass"]));
  } else console.error("token-bench: pass not installed; skipping helper:pass");
  const binary = `${ROOT}dist/bin/mcp-oauth`;
  if (existsSync(binary)) args.push("--binary", binary);
  const r = spawnSync("node", args, { env: childEnv, stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) throw new Error(`token-hot-path.mjs exited ${r.status}`);
} finally {
  await pass?.remove();
  await servers.close();
}
process.exit(0);
