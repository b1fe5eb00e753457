/**
 * The stdio bridge: the MCP SDK's stdio server transport on one side, its
 * Streamable HTTP client transport (with our authFetch) on the other, and
 * every message passed through unchanged.
 *
 * @module
 */
// @ts-types="@modelcontextprotocol/sdk/server/stdio"
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
// @ts-types="@modelcontextprotocol/sdk/types"
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import process from "node:process";
import { McpOAuthError } from "../core/errors.ts";
import type { ServerDefinition } from "../store/server-registry.ts";
import type { CliContext } from "./context.ts";
import { signIn } from "./sign-in.ts";
import type { SignInOptions } from "./sign-in-options.ts";

/** Run until stdin closes. */
export async function bridgeStdio(
  ctx: CliContext,
  server: ServerDefinition,
  options: SignInOptions,
): Promise<void> {
  const log = (line: string) => ctx.io.err(`mcp-oauth stdio: ${line}`);
  const fetch = ctx.engine.authFetch(server, {
    authorize: async (def, scopes, reason) => {
      log(`signing in to ${def.name}: ${reason}`);
      await signIn(ctx, def, scopes ? { ...options, scopes, stepUp: true } : options);
    },
  });
  const local = new StdioServerTransport();
  const remote = new StreamableHTTPClientTransport(new URL(server.url), { fetch });
  const initializeIds = new Set<string | number>();
  const done = new Promise<void>((resolve) => {
    local.onclose = () => resolve();
    // The SDK's transport does not notice its stdin ending: a client that quits must end the
    // bridge, or each one leaves an orphan process behind.
    process.stdin.once("end", () => resolve());
    process.stdin.once("close", () => resolve());
  });

  remote.onmessage = (message: JSONRPCMessage) => {
    // The transport needs the negotiated protocol version for its later requests.
    if (
      "id" in message && initializeIds.has(message.id as string | number) && "result" in message
    ) {
      initializeIds.delete(message.id as string | number);
      const version = (message.result as { protocolVersion?: unknown }).protocolVersion;
      if (typeof version === "string") remote.setProtocolVersion(version);
    }
    local.send(message).catch((err) => log(`cannot write to stdout: ${(err as Error).message}`));
  };
  remote.onerror = (err: Error) => log(describe(err));
  local.onerror = (err: Error) => log(describe(err));
  local.onmessage = (message: JSONRPCMessage) => {
    if ("method" in message && message.method === "initialize" && "id" in message) {
      initializeIds.add(message.id as string | number);
    }
    remote.send(message).catch(async (err: unknown) => {
      log(describe(err));
      // A request that cannot be delivered still gets an answer, so the client does not hang.
      if ("id" in message && "method" in message) {
        await local.send(
          {
            jsonrpc: "2.0",
            id: message.id,
            error: { code: -32001, message: describe(err) },
          } as JSONRPCMessage,
        )
          .catch(() => {});
      }
    });
  };

  await remote.start();
  await local.start();
  log(`forwarding to ${server.url}`);
  await done;
  await remote.close().catch(() => {});
}

function describe(err: unknown): string {
  for (let e = err, i = 0; e instanceof Error && i < 5; e = e.cause, i++) {
    if (e instanceof McpOAuthError) return e.message;
  }
  return err instanceof Error ? err.message : String(err);
}
