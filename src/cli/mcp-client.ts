/**
 * An MCP client over Streamable HTTP, through authFetch: the official client
 * (@modelcontextprotocol/client 2.x) speaks the protocol and finds the
 * server's era (2026-07-28 without a handshake, else `initialize` with
 * 2025-11-25, 2025-06-18 or 2025-03-26); our fetch adds the token, refreshes,
 * and signs in when the server asks for it.
 *
 * @module
 */
import {
  Client,
  type PriorDiscovery,
  ProtocolError,
  StreamableHTTPClientTransport,
  type Tool,
} from "@modelcontextprotocol/client";
import { ErrorCode, McpOAuthError, oneLine } from "../core/errors.ts";
import type { AuthFetchOptions } from "../core/auth-fetch.ts";
import type { Engine } from "../core/engine.ts";
import type { ServerDefinition } from "../store/server-registry.ts";
import type { CliContext } from "./context.ts";
import { redactStored } from "./redact.ts";
import { VERSION } from "./version.ts";
import { signIn } from "./sign-in.ts";
import type { SignInOptions } from "./sign-in-options.ts";

/** Per-request options passed to the client's calls. */
export interface McpRequestOptions {
  timeout: number;
}

/** Connect to `server`, run `use`, close. Sign-ins use `options`. */
export function withMcpClient<T>(
  ctx: CliContext,
  server: ServerDefinition,
  options: SignInOptions,
  use: (client: Client, requestOptions: McpRequestOptions) => Promise<T>,
): Promise<T> {
  // A request may wait for up to three sign-ins (RFC 6750 §3.1): the client's 60 s default is too short.
  const timeout = (options.timeoutS * 3 + 60) * 1000;
  return withMcpSession(
    ctx.engine,
    server,
    async (def, scopes, reason) => {
      // A machine grant (client credentials, workload JWT, enterprise IdP) involves no person:
      // nothing to announce, and a failure is its own one line.
      if (!def.grant) ctx.io.err(`Signing in to ${def.name}: ${reason}.`);
      await signIn(ctx, def, scopes ? { ...options, scopes, stepUp: true } : options);
    },
    use,
    timeout,
  );
}

/**
 * What each server's era turned out to be, for this process: the dashboard
 * lists tools often, and a known era saves the `server/discover` probe.
 */
const eras = new Map<string, PriorDiscovery>();

/**
 * An MCP connection through the engine's authFetch. Without `authorize`, a
 * needed sign-in is an error (REAUTHORIZATION_NEEDED) instead.
 *
 * The client probes with `server/discover` (2026-07-28) and falls back to the
 * `initialize` handshake on any answer that is not a modern one.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/versioning#backward-compatibility-with-initialization-based-versions
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http#backward-compatibility
 */
export async function withMcpSession<T>(
  engine: Engine,
  server: ServerDefinition,
  authorize: AuthFetchOptions["authorize"],
  use: (client: Client, requestOptions: McpRequestOptions) => Promise<T>,
  timeout = 60_000,
): Promise<T> {
  const fetch = engine.authFetch(server, { authorize });
  const client = new Client(
    { name: "mcp-oauth", version: VERSION },
    { versionNegotiation: { mode: "auto" } },
  );
  const transport = new StreamableHTTPClientTransport(new URL(server.url), { fetch });
  const prior = eras.get(server.url);
  try {
    await client.connect(transport, { timeout, ...(prior ? { prior } : {}) });
    const result = await use(client, { timeout });
    remember(server.url, client);
    return result;
  } catch (err) {
    // A server may change eras (an upgrade): the next connection probes again.
    eras.delete(server.url);
    throw await mcpFailure(err, engine, server);
  } finally {
    await client.close().catch(() => {});
  }
}

function remember(url: string, client: Client): void {
  const discover = client.getDiscoverResult();
  if (client.getProtocolEra() === "modern" && discover) eras.set(url, { kind: "modern", discover });
  else if (client.getProtocolEra() === "legacy") eras.set(url, { kind: "legacy" });
}

/**
 * A server's tools (all pages); none when it does not offer tools.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/server/tools#listing-tools
 */
export async function listTools(
  client: Client,
  requestOptions?: McpRequestOptions,
  onLeftOut?: (tool: LeftOutTool) => void,
): Promise<Tool[]> {
  // The client itself would say so with console.debug, on stdout, which is for our output only.
  if (!client.getServerCapabilities()?.tools) return [];
  // Without a cursor the client walks every page itself. Over 2026-07-28 it leaves out the tools
  // whose x-mcp-header declarations are invalid (SEP-2243), saying so with console.warn.
  const listed = () => client.listTools(undefined, requestOptions);
  return (await withLeftOutTools(listed, onLeftOut ?? warnLeftOut)).tools;
}

/** A tool the client left out of a list, and why (SEP-2243: an invalid x-mcp-header). */
export interface LeftOutTool {
  name: string;
  reason: string;
}

/** Without a listener: the client's warning, on stderr, in one terminal-safe line. */
function warnLeftOut(tool: LeftOutTool): void {
  plainWarn(`mcp-oauth: ${leftOutLine(tool)}`);
}

/** One line for a left-out tool; the names and reason are the server's text. */
export function leftOutLine(tool: LeftOutTool): string {
  return `left out the tool "${oneLine(tool.name, 80)}", its x-mcp-header declaration is invalid (${
    oneLine(tool.reason, 300)
  })`;
}

// The client says which tools it leaves out only with console.warn:
// "[mcp-sdk] excluding tool 'NAME' from tools/list: invalid x-mcp-header declaration — WHY".
const LEFT_OUT =
  /^\[mcp-sdk\] excluding tool '(.*)' from tools\/list: (?:invalid x-mcp-header declaration — )?(.*)$/s;
const listeners = new Set<(tool: LeftOutTool) => void>();
let plainWarn: typeof console.warn = console.warn;

/**
 * Run `work` with the client's left-out-tool warnings going to `listener` rather than the
 * console (where they would quote server text raw). console.warn is global: lists running at
 * the same time in one process (the dashboard) each hear all of them; other warnings pass.
 */
async function withLeftOutTools<T>(
  work: () => Promise<T>,
  listener: (tool: LeftOutTool) => void,
): Promise<T> {
  if (listeners.size === 0) {
    plainWarn = console.warn;
    console.warn = (...parts: unknown[]) => {
      const m = typeof parts[0] === "string" ? LEFT_OUT.exec(parts[0]) : null;
      if (!m) return plainWarn(...parts);
      for (const l of listeners) l({ name: m[1]!, reason: m[2]! });
    };
  }
  const own = (tool: LeftOutTool) => listener(tool);
  listeners.add(own);
  try {
    return await work();
  } finally {
    listeners.delete(own);
    if (listeners.size === 0) console.warn = plainWarn;
  }
}

/** The names of a server's tools (all pages). */
export async function listToolNames(
  client: Client,
  requestOptions?: McpRequestOptions,
): Promise<string[]> {
  return (await listTools(client, requestOptions)).map((t) => t.name);
}

/**
 * The client wraps our errors; find ours, or describe the client's in one line naming what
 * failed (`doing`, such as `tools/call "echo"`) and, for a JSON-RPC error, its code. The
 * client's message quotes the server (an HTTP error body, a JSON-RPC error), which may echo a
 * token: stored secrets are redacted before the line is cut to length.
 * @see https://www.jsonrpc.org/specification#error_object
 */
export async function mcpFailure(
  err: unknown,
  engine: Engine,
  server: ServerDefinition,
  doing?: string,
): Promise<McpOAuthError> {
  for (let e = err, i = 0; e instanceof Error && i < 5; e = e.cause, i++) {
    if (e instanceof McpOAuthError) return e;
  }
  const message = oneLine(
    await redactStored(engine, server, err instanceof Error ? err.message : String(err)),
    200,
  );
  const code = err instanceof ProtocolError ? ` (JSON-RPC error ${err.code})` : "";
  return new McpOAuthError(
    ErrorCode.NETWORK,
    doing
      ? `The MCP server ${server.url} refused ${doing}: ${message}${code}`
      : `The MCP server ${server.url} failed: ${message}${code}`,
    { cause: err },
  );
}
