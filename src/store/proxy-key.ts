/**
 * The proxy key: a random bearer token of mcp-oauth's own that local MCP
 * clients present to the proxy (never the upstream token). Kept in the
 * mcp-oauth home with mode 0600, stable across restarts, rotatable.
 *
 * @module
 */
import { join } from "node:path";
import { ErrorCode, McpOAuthError } from "../core/errors.ts";
import { readJsonFile, writeJsonFile } from "./atomic-file.ts";

/** Read, create on first use, and rotate `<home>/proxy-key.json`. */
export class ProxyKeyFile {
  readonly path: string;
  constructor(home: string) {
    this.path = join(home, "proxy-key.json");
  }

  /** The current key, created if there is none. */
  async get(): Promise<string> {
    const raw = await readJsonFile(this.path, { fresh: true }) as { key?: unknown } | undefined;
    if (raw === undefined) return await this.rotate();
    if (typeof raw?.key !== "string" || raw.key.length < 32) {
      throw new McpOAuthError(
        ErrorCode.STORE_FAILED,
        `${this.path} holds no valid proxy key; run "mcp-oauth proxy-key --rotate" to make a new one.`,
      );
    }
    return raw.key;
  }

  /** Replace the key with a new random one; clients must be given the new one. */
  async rotate(): Promise<string> {
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    const key = `mcpo_${
      btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")
    }`;
    await writeJsonFile(this.path, { key, created: new Date().toISOString() });
    return key;
  }
}
