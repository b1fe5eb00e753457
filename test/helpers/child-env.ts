/**
 * The environment for an mcp-oauth subprocess in tests and benchmarks: ours minus anything that
 * could steer it (its own MCP_OAUTH_* settings, the scripted person's PERSON_*, a $BROWSER, a
 * Docker config).
 *
 * @module
 */
import process from "node:process";

/** `process.env` without the variables that would change what mcp-oauth does. */
export function neutralEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith("MCP_OAUTH_") || k.startsWith("PERSON_")) continue;
    if (k === "BROWSER" || k === "DOCKER_CONFIG") continue;
    env[k] = v;
  }
  return env;
}
