/**
 * mcp-oauth as a library: the OAuth engine for remote MCP servers, the credential
 * stores, and the catalog of well-known servers. The engine does discovery (RFC 9728,
 * RFC 8414), client registration (RFC 7591), PKCE sign-in, refresh under a lock,
 * `authFetch` (bearer, refresh on 401, step-up on 403) and revocation (RFC 7009); the
 * caller owns the browser and the loopback listener.
 *
 * ```ts
 * import { ConfigFile, createEngine, FileLock, FileStore } from "mcp-oauth";
 *
 * const home = "/home/me/.config/mcp-oauth"; // the CLI's home: it sees the same servers and tokens
 * const engine = createEngine({
 *   store: new FileStore(home),
 *   servers: new ConfigFile(home),
 *   lock: new FileLock(`${home}/locks`), // the lock directory the CLI uses
 * });
 * const notion = await engine.resolve("notion"); // a configured name, or a URL
 *
 * // Sign in: send the person to `url`, then hand the callback URL back.
 * const discovery = await engine.discover(notion);
 * const { url } = await engine.beginAuthorization(notion, discovery, {
 *   redirectUri: "http://127.0.0.1:8765/callback",
 * });
 * // ... the browser comes back to http://127.0.0.1:8765/callback?code=…&state=…
 * await engine.completeAuthorization(callbackUrl);
 *
 * const token = await engine.getAccessToken(notion); // refreshed ahead of expiry
 * const res = await engine.authFetch(notion)(notion.url, { method: "POST", body });
 * await engine.revoke(notion);
 * ```
 *
 * @module
 */
export { createEngine, Engine } from "./core/engine.ts";
export type {
  Authorized,
  BeginOptions,
  EngineOptions,
  Revoked,
  ServerStatus,
} from "./core/engine.ts";
export { discover } from "./core/discover.ts";
export type { Discovery } from "./core/discover.ts";
export { ErrorCode, McpOAuthError } from "./core/errors.ts";
export type { Remedy } from "./core/errors.ts";
export { SignInService } from "./core/sign-in-service.ts";
export type { SignInCapabilities, SignInRequest } from "./core/sign-in-service.ts";
export type { Lock } from "./core/lock.ts";
export type { Credential, CredentialStore } from "./store/credential-store.ts";
export { MemoryStore } from "./store/memory-store.ts";
export { HelperStore } from "./store/helper-store.ts";
export type { HelperStoreOptions, RunProcess } from "./store/helper-store.ts";
export { FileStore } from "./store/file-store.ts";
export { ConfigFile } from "./store/config-file.ts";
export { FileLock } from "./store/file-lock.ts";
export { SignInMarkers } from "./store/sign-in-marker.ts";
export { dockerMirror } from "./store/docker-mirror.ts";
export { MemoryRegistry } from "./store/server-registry.ts";
export type { ServerDefinition, ServerRegistry } from "./store/server-registry.ts";
export { builtInCatalog, CATALOG, catalogEntry } from "./catalog/catalog.ts";
export type { CatalogEntry } from "./catalog/catalog.ts";
