/**
 * An MCP client session over Streamable HTTP, through authFetch: the
 * official SDK speaks the protocol (initialize first, 2025-11-25); our fetch
 * adds the token, refreshes, and signs in when the server asks for it.
 *
 * @module
 */
// The SDK's exports map types "./*" as "*.d.ts"; Deno needs the hint.
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ErrorCode, McpOAuthError, oneLine } from "../core/errors.ts";
import type { AuthFetchOptions } from "../core/auth-fetch.ts";
import type { Engine } from "../core/engine.ts";
import type { ServerDefinition } from "../store/server-registry.ts";
import type { CliContext } from "./context.ts";
import { VERSION } from "./version.ts";
import { signIn } from "./sign-in.ts";
import type { SignInOptions } from "./sign-in-options.ts";

/** Connect to `server`, run `use`, close. Sign-ins use `options`. */
export function withMcpClient<T>(
  ctx: CliContext,
  server: ServerDefinition,
  options: SignInOptions,
  use: (client: Client, requestOptions: { timeout: number }) => Promise<T>,
): Promise<T> {
  // A request may wait for up to three sign-ins (S22): the SDK's 60 s default is too short.
  const timeout = (options.timeoutS * 3 + 60) * 1000;
  return withMcpSession(
    ctx.engine,
    server,
    async (def, scopes, reason) => {
      ctx.io.err(`Signing in to ${def.name}: ${reason}.`);
      await signIn(ctx, def, scopes ? { ...options, scopes, stepUp: true } : options);
    },
    use,
    timeout,
  );
}

/**
 * An MCP session through the engine's authFetch. Without `authorize`, a
 * needed sign-in is an error (REAUTHORIZATION_NEEDED) instead.
 */
export async function withMcpSession<T>(
  engine: Engine,
  server: ServerDefinition,
  authorize: AuthFetchOptions["authorize"],
  use: (client: Client, requestOptions: { timeout: number }) => Promise<T>,
  timeout = 60_000,
): Promise<T> {
  const fetch = engine.authFetch(server, { authorize });
  const client = new Client({ name: "mcp-oauth", version: VERSION });
  const transport = new StreamableHTTPClientTransport(new URL(server.url), { fetch });
  try {
    await client.connect(transport, { timeout });
    return await use(client, { timeout });
  } catch (err) {
    throw unwrap(err, server);
  } finally {
    await client.close().catch(() => {});
  }
}

/** The names of a server's tools (all pages). */
export async function listToolNames(
  client: Client,
  requestOptions?: { timeout: number },
): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor ? { cursor } : {}, requestOptions);
    names.push(...page.tools.map((t) => t.name));
    cursor = page.nextCursor;
  } while (cursor);
  return names;
}

/** The SDK wraps our errors; find ours, or describe the SDK's in one line. */
function unwrap(err: unknown, server: ServerDefinition): unknown {
  for (let e = err, i = 0; e instanceof Error && i < 5; e = e.cause, i++) {
    if (e instanceof McpOAuthError) return e;
  }
  const message = err instanceof Error ? err.message : String(err);
  return new McpOAuthError(
    ErrorCode.NETWORK,
    `The MCP server ${server.url} failed: ${oneLine(message, 200)}`,
    { cause: err },
  );
}
