/**
 * mcp-oauth as a library: the engine and the stores.
 *
 * ```ts
 * import { createEngine, FileStore, ConfigFile } from "mcp-oauth";
 * const engine = createEngine({ store: new FileStore(home), servers: new ConfigFile(home) });
 * const token = await engine.getAccessToken(await engine.resolve("notion"));
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
export type { Lock } from "./core/lock.ts";
export type { Credential, CredentialStore } from "./store/credential-store.ts";
export { MemoryStore } from "./store/memory-store.ts";
export { FileStore } from "./store/file-store.ts";
export { ConfigFile } from "./store/config-file.ts";
export { FileLock } from "./store/file-lock.ts";
export { MemoryRegistry } from "./store/server-registry.ts";
export type { ServerDefinition, ServerRegistry } from "./store/server-registry.ts";
