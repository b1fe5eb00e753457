/**
 * Shared set-up of the token and refresh benchmarks: the oidc-provider fixture, the MCP test
 * server, and an mcp-oauth home (temp dir) with server "demo" authorized through the scripted
 * person (test/helpers/person.mjs), with the file store or a given store.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type AuthorizationServer,
  startAuthorizationServer,
} from "../../test/fixtures/authorization-server.ts";
import { type McpTestServer, startMcpServer } from "../../test/fixtures/mcp-server.ts";
import { neutralEnv } from "../../test/helpers/child-env.ts";

/** The repository root, with a trailing slash. */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));
/** The from-source launcher. */
export const CLI: string = join(ROOT, "scripts", "mcp-oauth");

/** Our environment minus anything that could steer mcp-oauth, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  // An empty Docker config: the file store is the default unless a test names a helper.
  const docker = mkdtempSync(join(tmpdir(), "mcp-oauth-bench-docker-"));
  return { ...neutralEnv(), DOCKER_CONFIG: docker, ...extra };
}

/** Run the CLI; resolves with exit code and output. */
export function cli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(CLI, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on(
      "close",
      (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }),
    );
  });
}

/** The fixture servers. */
export interface Servers {
  as: AuthorizationServer;
  mcp: McpTestServer;
  close(): Promise<void>;
}

/** Start the AS (access tokens living `ttl` seconds) and an MCP server trusting it. */
export async function startServers(ttl: number): Promise<Servers> {
  const as = await startAuthorizationServer({ accessTokenTTL: ttl });
  const mcp = await startMcpServer({ issuer: as.issuer, introspect: (t) => as.introspect(t) });
  as.allowResource(mcp.url);
  return {
    as,
    mcp,
    close: async () => {
      await mcp.close();
      await as.close();
    },
  };
}

/** A new home with "demo" added and authorized; `store` args (e.g. --store helper:pass). */
export async function authorizedHome(
  servers: Servers,
  env: Record<string, string>,
  store: string[] = [],
): Promise<string> {
  const home = mkdtempSync(join(tmpdir(), "mcp-oauth-bench-home-"));
  const e = { ...env, MCP_OAUTH_HOME: home };
  let r = await cli(["add", "demo", servers.mcp.url, ...store], e);
  if (r.code !== 0) throw new Error(`add failed: ${r.stderr}`);
  r = await cli([
    "authorize",
    "demo",
    "--browser",
    `node ${ROOT}test/helpers/person.mjs`,
    "--timeout",
    "60",
    ...store,
  ], e);
  if (r.code !== 0) throw new Error(`authorize failed: ${r.stderr}`);
  return home;
}
