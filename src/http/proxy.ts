/**
 * The authenticating proxy: `/mcp/<name>` forwards MCP Streamable HTTP to the
 * server through authFetch, streaming responses (SSE included) and passing
 * the MCP session and protocol headers both ways. Clients present mcp-oauth's
 * own proxy key, never the upstream token. When a sign-in is needed the
 * client gets a JSON-RPC error naming the dashboard, where it is finished.
 * Upstream redirects are never followed: the client gets an error naming them.
 *
 * @module
 */
import type { Context } from "hono";
import { timingSafeEqual } from "hono/utils/buffer";
import type { Engine } from "../core/engine.ts";
import { ErrorCode, McpOAuthError, oneLine } from "../core/errors.ts";
import type { ServerDefinition } from "../store/server-registry.ts";

/** What the proxy needs. */
export interface ProxyOptions {
  engine: Engine;
  /** The proxy key clients must present as `Authorization: Bearer …`. */
  proxyKey: () => Promise<string>;
  /** Where a person finishes a sign-in (the dashboard). */
  dashboardUrl: string;
  /** Tell the dashboard that a client waits for a sign-in to `server`. */
  signInNeeded: (server: ServerDefinition, reason: string) => void;
}

/**
 * Request headers passed upstream, and every `Mcp-Param-*` (2026-07-28 servers check them
 * against the body); everything else (cookies, our key) stays here.
 */
const UP = [
  "accept",
  "content-type",
  "mcp-session-id",
  "mcp-protocol-version",
  "mcp-method",
  "mcp-name",
  "last-event-id",
];
/** Response headers passed back to the client. */
const DOWN = ["content-type", "mcp-session-id", "mcp-protocol-version", "cache-control"];

/**
 * The handler of `/mcp/:name`.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http#request-metadata
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#streamable-http
 */
export function proxyHandler(o: ProxyOptions): (c: Context) => Promise<Response> {
  return async (c) => {
    const auth = c.req.header("authorization") ?? "";
    const presented = auth.startsWith("Bearer ") ? auth.slice(7).trim() : "";
    const key = await o.proxyKey();
    if (!(presented.length === key.length && await timingSafeEqual(presented, key))) {
      return c.json(
        {
          error:
            "mcp-oauth proxy: missing or wrong proxy key; use the key shown by `mcp-oauth config NAME --client …`.",
        },
        401,
        { "www-authenticate": 'Bearer realm="mcp-oauth proxy"' },
      );
    }
    const name = c.req.param("name") ?? "";
    const def = await o.engine.servers.get(name);
    if (!def) {
      return c.json({
        error:
          `mcp-oauth proxy: no server named "${name}"; add it first (mcp-oauth add ${name} URL).`,
      }, 404);
    }

    // The body is read once so a JSON-RPC error can answer the request's id; MCP messages are small.
    const body = c.req.method === "POST" ? await c.req.arrayBuffer() : undefined;
    const headers = new Headers();
    for (const h of UP) {
      const v = c.req.header(h);
      if (v) headers.set(h, v);
    }
    for (const [h, v] of c.req.raw.headers) {
      if (h.startsWith("mcp-param-")) headers.set(h, v);
    }
    const fetchUpstream = o.engine.authFetch(def, {
      authorize: (server, scopes, reason) => {
        o.signInNeeded(server, scopes ? `${reason} (${scopes.join(" ")})` : reason);
        throw new McpOAuthError(
          ErrorCode.REAUTHORIZATION_NEEDED,
          `mcp-oauth: ${server.name} needs a sign-in (${reason}); open ${o.dashboardUrl} and press Authorize on "${server.name}", then retry.`,
        );
      },
      maxAuthorizations: 1,
    });
    let upstream: Response;
    try {
      upstream = await fetchUpstream(def.url, {
        method: c.req.method,
        headers,
        body,
        signal: c.req.raw.signal,
        // A redirect could send the request (a 307 re-sends its body) to any host this machine
        // reaches, private and link-local ones included, and hand the answer to the client.
        redirect: "manual",
      });
    } catch (err) {
      return jsonRpcError(
        body,
        err instanceof McpOAuthError ? err.message : `mcp-oauth proxy: ${String(err)}`,
        err,
      );
    }
    if (upstream.status >= 300 && upstream.status < 400 && upstream.status !== 304) {
      await upstream.body?.cancel();
      return jsonRpcError(body, redirectRefused(def, upstream), undefined);
    }
    const out = new Headers();
    for (const h of DOWN) {
      const v = upstream.headers.get(h);
      if (v) out.set(h, v);
    }
    return new Response(upstream.body, { status: upstream.status, headers: out });
  };
}

/** The one line that names a redirect the proxy did not follow, and what to do. */
function redirectRefused(def: ServerDefinition, res: Response): string {
  const location = res.headers.get("location");
  let target = "no Location";
  if (location !== null) {
    target = URL.canParse(location, def.url)
      ? new URL(location, def.url).href.slice(0, 200)
      : "an unusable Location";
  }
  return oneLine(
    `mcp-oauth proxy: ${def.name} (${def.url}) answered HTTP ${res.status}, a redirect to ${target}; redirects are not followed. If the server moved, change its URL (mcp-oauth add ${def.name} NEW-URL).`,
    600,
  );
}

/**
 * Answer a JSON-RPC request with an error the client shows to its user. The
 * HTTP status stays 200 for a request with an id, so MCP clients read the
 * message instead of starting an OAuth flow of their own.
 */
function jsonRpcError(body: ArrayBuffer | undefined, message: string, err: unknown): Response {
  let id: unknown = null;
  try {
    const parsed = body ? JSON.parse(new TextDecoder().decode(body)) : undefined;
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed) && "id" in parsed) {
      id = parsed.id;
    }
  } catch { /* not JSON: answer with id null */ }
  const signIn = err instanceof McpOAuthError &&
    (err.code === ErrorCode.REAUTHORIZATION_NEEDED || err.code === ErrorCode.INSUFFICIENT_SCOPE);
  return Response.json(
    { jsonrpc: "2.0", id, error: { code: signIn ? -32001 : -32603, message } },
    { status: id === null ? (signIn ? 401 : 502) : 200 },
  );
}
