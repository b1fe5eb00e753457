/**
 * The remote OAuth servers of a Docker MCP catalog file, for `mcp-oauth import
 * docker-catalog FILE`.
 *
 * Accepted shapes (YAML in the subset of {@link parseYamlSubset}, or JSON):
 * - a catalog: `{version, name, displayName, registry: {NAME: SERVER, ...}}`, as in
 *   `~/.docker/mcp/catalogs/*.yaml` and `docker mcp catalog show NAME --format json`;
 * - a bare map `{NAME: SERVER, ...}`;
 * - one server file of docker/mcp-registry (`servers/NAME/server.yaml`): a SERVER with
 *   its own `name`.
 *
 * A SERVER counts when it has `type: remote`, a `remote.url`, and `oauth` (a list of
 * providers, or `{providers: [...]}`) that is not empty.
 *
 * @see https://github.com/docker/mcp-registry
 * @module
 */
import { ErrorCode, McpOAuthError, oneLine } from "../core/errors.ts";
import { SERVER_NAME } from "../core/server-input.ts";
import { parseYamlSubset, YamlSubsetError } from "./yaml-subset.ts";

/** One remote OAuth server of a catalog. */
export interface DockerCatalogServer {
  name: string;
  url: string;
  title?: string;
  /** "streamable-http" or "sse", as the catalog says. */
  transport?: string;
  /** The catalog's OAuth provider names. */
  providers: string[];
}

/** What a catalog holds for mcp-oauth. */
export interface DockerCatalog {
  servers: DockerCatalogServer[];
  /** Entries left out, with why (local servers, no OAuth, bad names…). */
  skipped: { name: string; reason: string }[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Read a catalog file's text (JSON when it starts with `{`, else YAML).
 * @throws McpOAuthError USAGE when the text is neither, or holds no catalog
 */
export function parseDockerCatalog(text: string): DockerCatalog {
  let doc: unknown;
  try {
    doc = /^\s*[{[]/.test(text) ? JSON.parse(text) : parseYamlSubset(text);
  } catch (err) {
    const why = err instanceof YamlSubsetError
      ? `${err.message} (convert the file to JSON, e.g. with "docker mcp catalog show NAME --format json")`
      : (err as Error).message;
    throw new McpOAuthError(ErrorCode.USAGE, `cannot read the catalog: ${why}`);
  }
  if (!isObj(doc)) {
    throw new McpOAuthError(ErrorCode.USAGE, "the catalog is not a mapping of servers");
  }
  let entries: [string, unknown][];
  if (isObj(doc.registry)) entries = Object.entries(doc.registry);
  else if (typeof doc.name === "string" && typeof doc.type === "string") {
    entries = [[doc.name, doc]];
  } else entries = Object.entries(doc).filter(([, v]) => isObj(v) && "type" in v);
  if (!entries.length) {
    throw new McpOAuthError(
      ErrorCode.USAGE,
      'no servers found: expected a Docker MCP catalog ("registry: {NAME: {type, remote, oauth}}") or a server.yaml',
    );
  }
  const out: DockerCatalog = { servers: [], skipped: [] };
  for (const [name, server] of entries) {
    const skip = (reason: string) => out.skipped.push({ name, reason });
    if (!isObj(server)) {
      skip("not a server entry");
      continue;
    }
    if (server.type !== "remote") {
      // JSON.stringify, not String(): {"toString": 1} would throw, and text stays on one line.
      skip(`not a remote server (type: ${oneLine(JSON.stringify(server.type ?? "none"), 60)})`);
      continue;
    }
    const remote = isObj(server.remote) ? server.remote : {};
    const url = typeof remote.url === "string" ? remote.url.trim() : "";
    const oauth = Array.isArray(server.oauth)
      ? server.oauth
      : isObj(server.oauth) && Array.isArray(server.oauth.providers)
      ? server.oauth.providers
      : [];
    if (!url) {
      skip("no remote.url");
      continue;
    }
    if (!oauth.length) {
      skip("does not use OAuth");
      continue;
    }
    if (!SERVER_NAME.test(name)) {
      skip(`"${oneLine(name, 60)}" is not a usable server name`);
      continue;
    }
    const about = isObj(server.about) ? server.about : server;
    const title = typeof about.title === "string" ? about.title : undefined;
    out.servers.push({
      name,
      url,
      ...(title ? { title } : {}),
      ...(typeof remote.transport_type === "string" ? { transport: remote.transport_type } : {}),
      providers: oauth.map((p) => (isObj(p) && typeof p.provider === "string" ? p.provider : ""))
        .filter(Boolean),
    });
  }
  return out;
}
