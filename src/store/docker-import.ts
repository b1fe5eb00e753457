/**
 * `import docker`: adopt the servers Docker's MCP gateway (CE mode) authorized in the same
 * credential store. The gateway's client entry names no issuer (it never sets
 * `authorizationServer`) and its `resourceUrl` is the PRM's `resource` or the bare origin, not
 * the MCP URL: the server's URL comes from mcp-oauth's own definition of that name, else the
 * built-in catalog, else `resourceUrl`; the issuer is found by discovery from that URL, and the
 * discovered endpoints must be Docker's. Every endpoint that enters from Docker's entries passes
 * the same URL policy as discovered ones before any token is kept.
 *
 * @module
 */
import type { CredentialStore, ServerDefinition, ServerRegistry } from "../core/ports.ts";
import type { Discovery } from "../core/discover.ts";
import { type DockerServer, fromDockerEntries, readDockerServers } from "./docker-compat.ts";
import type { Engine } from "../core/engine.ts";
import { oneLine } from "../core/errors.ts";
import type { HttpContext } from "../core/http-context.ts";
import { assertRecordEndpoints } from "../core/record-policy.ts";
import {
  importedClientKey,
  isTokenRecord,
  readRecord,
  tokenKey,
  type TokenRecord,
  writeRecord,
} from "../core/records.ts";
import { canonicalResource } from "../core/urls.ts";

/** What the import needs from the engine. */
export interface DockerImportContext {
  store: CredentialStore;
  servers: ServerRegistry;
  http: HttpContext;
  now: number;
  discover(server: ServerDefinition): Promise<Discovery>;
  /** The AS's revocation endpoint, from its metadata (Docker keeps none). */
  revocationEndpoint(issuer: string): Promise<string | undefined>;
  /** The URL a catalog knows for a server name (Docker's names are its catalog's). */
  knownUrl?(name: string): string | undefined;
}

/** A Docker server left out, and why (one line). */
export interface DockerSkip {
  name: string;
  reason: string;
}

/** Outcome of {@link importDockerServers}. */
export interface DockerImport {
  imported: string[];
  skipped: DockerSkip[];
}

/**
 * Copy each of Docker's servers into a server definition (compat "docker", so refreshes keep
 * Docker's copy fresh) and a token record of our own. A token of our own for the same server
 * wins: Docker's copy is then the mirror, not the source.
 */
export async function importDockerServers(
  ctx: DockerImportContext,
  found: DockerServer[],
): Promise<DockerImport> {
  const result: DockerImport = { imported: [], skipped: [] };
  for (const docker of found) {
    const name = docker.client.serverName;
    try {
      const outcome = await importOne(ctx, docker);
      if (typeof outcome === "string") result.skipped.push({ name, reason: outcome });
      else result.imported.push(name);
    } catch (err) {
      result.skipped.push({
        name,
        reason: oneLine(err instanceof Error ? err.message : String(err), 300),
      });
    }
  }
  return result;
}

/** Import one server: true, or the reason it was skipped. */
async function importOne(ctx: DockerImportContext, docker: DockerServer): Promise<true | string> {
  const { client, token } = docker;
  const name = client.serverName;
  if (!token) return "Docker registered a client for it but holds no token (never authorized)";
  const existing = await ctx.servers.get(name);
  const url = existing?.url ?? ctx.knownUrl?.(name) ?? client.resourceUrl;
  if (!url) {
    return `Docker's entry names no server URL; add it with "mcp-oauth add ${name} URL", then import again`;
  }
  const resource = canonicalResource(url);
  // Docker's resourceUrl is the PRM's resource or the origin: it must belong to this server.
  if (client.resourceUrl && new URL(client.resourceUrl).origin !== new URL(url).origin) {
    return `Docker's entry is for ${
      oneLine(client.resourceUrl, 100)
    }, but ${name} is ${url} here; rename one of them`;
  }
  let issuer = client.authorizationServer;
  let revocation: string | undefined;
  if (!issuer) {
    // The gateway keeps no issuer: ask the server, and accept only the AS Docker signed in at.
    const found = await ctx.discover({ ...existing, name, url });
    if (
      found.as.authorization_endpoint !== client.authorizationEndpoint ||
      found.as.token_endpoint !== client.tokenEndpoint
    ) {
      return `${url} now names ${found.issuer}, whose endpoints are not the ones in Docker's entry; sign in with "mcp-oauth authorize ${name}"`;
    }
    issuer = found.issuer;
    revocation = found.as.revocation_endpoint;
  }
  const record = fromDockerEntries(client, token, ctx.now, { issuer, resource });
  assertRecordEndpoints(record, ctx.http, "Docker entry");
  const key = tokenKey(issuer, resource);
  const ours = await readRecord<TokenRecord>(ctx.store, key, "token", isTokenRecord)
    .catch(() => undefined);
  if (!ours || ours.client_source === "docker") {
    record.revocation_endpoint = revocation ?? await ctx.revocationEndpoint(issuer);
    if (client.clientSecret) {
      // Only in entries an older mcp-oauth wrote; the gateway registers public clients.
      const secretKey = importedClientKey(issuer, name);
      record.secret_key = secretKey;
      await writeRecord(ctx.store, secretKey, "mcp-oauth-imported-client", {
        v: 1,
        source: "static",
        issuer,
        client_id: client.clientId,
        client_secret: client.clientSecret,
        token_endpoint_auth_method: "client_secret_basic",
        redirect_uris: client.redirectUri ? [client.redirectUri] : [],
        registered_at: ctx.now,
      });
    }
    await writeRecord(ctx.store, key, "mcp-oauth-token", record);
  }
  await ctx.servers.put({ ...existing, name, url, issuer, compat: "docker" });
  return true;
}

/**
 * {@link importDockerServers} for the servers Docker's gateway authorized in
 * `engine`'s store, with the engine's discovery; `knownUrl` names a catalog's
 * URL for a server name.
 */
export async function importFromDocker(
  engine: Engine,
  knownUrl?: (name: string) => string | undefined,
): Promise<DockerImport> {
  return await importDockerServers({
    store: engine.store,
    servers: engine.servers,
    http: engine.http,
    now: Date.now(),
    discover: (server) => engine.discover(server),
    revocationEndpoint: (issuer) => engine.revocationEndpoint(issuer),
    knownUrl,
  }, await readDockerServers(engine.store));
}
