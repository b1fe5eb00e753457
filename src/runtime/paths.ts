/**
 * Where mcp-oauth keeps its files: $MCP_OAUTH_HOME, else the platform's
 * config directory + /mcp-oauth.
 *
 * @module
 */
import { homedir } from "node:os";
import { join } from "node:path";

/** The platform's per-user config directory. */
export function configDir(
  env: Record<string, string | undefined> = process.env,
  platform: string = process.platform,
): string {
  if (platform === "win32") return env.APPDATA ?? join(homedir(), "AppData", "Roaming");
  if (platform === "darwin") return join(homedir(), "Library", "Application Support");
  return env.XDG_CONFIG_HOME || join(homedir(), ".config");
}

/** The mcp-oauth home: `override`, else $MCP_OAUTH_HOME, else configDir()/mcp-oauth. */
export function mcpOAuthHome(
  override?: string,
  env: Record<string, string | undefined> = process.env,
): string {
  return override || env.MCP_OAUTH_HOME || join(configDir(env), "mcp-oauth");
}
