/**
 * Signed-in servers without a sign-in: token records written straight into a
 * store, for tests and benchmarks that need "authorized" rows.
 *
 * @module
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tokenKey, type TokenRecord } from "../../src/core/records.ts";
import { ConfigFile } from "../../src/store/config-file.ts";
import type { CredentialStore } from "../../src/store/credential-store.ts";
import { FileStore } from "../../src/store/file-store.ts";
import { recordSecret } from "./secret-ledger.ts";

/** Store a token record for (issuer, url); fields not given get plausible values. */
export async function seedToken(
  store: CredentialStore,
  o: { issuer: string; url: string } & Partial<TokenRecord>,
): Promise<void> {
  const { issuer, url, ...over } = o;
  const record: TokenRecord = {
    v: 1,
    resource: url,
    issuer,
    token_endpoint: `${issuer}/token`,
    client_id: "c",
    auth_method: "none",
    send_resource: true,
    access_token: "at",
    token_type: "bearer",
    expires_at: Date.now() + 3_600_000,
    obtained_at: Date.now(),
    ...over,
  };
  recordSecret("access_token", record.access_token);
  recordSecret("refresh_token", record.refresh_token);
  await store.store({
    ServerURL: tokenKey(issuer, url),
    Username: "mcp-oauth-token",
    Secret: JSON.stringify(record),
  });
}

/** A fresh home (file store and config) with `n` servers, each with a valid token. */
export async function seedHome(
  n: number,
  prefix = "mcp-oauth-seed-",
): Promise<{ home: string; store: FileStore; servers: ConfigFile }> {
  const home = mkdtempSync(join(tmpdir(), prefix));
  const store = new FileStore(home);
  const servers = new ConfigFile(home);
  const issuer = "https://as.example.com";
  for (let i = 0; i < n; i++) {
    const url = `https://mcp${i}.example.com/mcp`;
    await servers.put({ name: `server-${i}`, url, issuer, scopes: ["mcp:read"] });
    await seedToken(store, {
      issuer,
      url,
      access_token: `at-${i}`,
      refresh_token: `rt-${i}`,
      scope: "mcp:read",
    });
  }
  return { home, store, servers };
}
