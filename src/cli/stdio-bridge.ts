/**
 * The stdio bridge: MCP's line framing on stdin/stdout on one side, the
 * official client's Streamable HTTP transport (with our authFetch) on the
 * other, and every message passed through unchanged, in whatever protocol
 * version the local client speaks: a 2026-07-28 request gets its version,
 * method and name headers from its own `_meta`; an older client's
 * `initialize` goes as it is, and the version the server answers is sent on
 * the requests after it. A 2026-07-28 `tools/call` also gets the `Mcp-Param-*`
 * headers its tool's `x-mcp-header` declarations name (SEP-2243), from the
 * server's `tools/list` answers the bridge passed on: stdio has no headers, so
 * the bridge, the HTTP client here, adds them.
 *
 * @module
 */
import {
  type JSONRPCMessage,
  type RequestId,
  SdkHttpError,
  StreamableHTTPClientTransport,
} from "@modelcontextprotocol/client";
import process from "node:process";
import { McpOAuthError, oneLine } from "../core/errors.ts";
import type { ServerDefinition } from "../store/server-registry.ts";
import type { CliContext } from "./context.ts";
import { readJsonLines, writeJsonLine } from "./json-lines.ts";
import { type ParamDeclaration, paramDeclarations, paramHeaders } from "./mcp-param-headers.ts";
import { redactStored } from "./redact.ts";
import { signIn } from "./sign-in.ts";
import type { SignInOptions } from "./sign-in-options.ts";

const PROTOCOL_VERSION_META = "io.modelcontextprotocol/protocolVersion";

/**
 * Run until stdin closes.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#streamable-http
 */
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
  const remote = new StreamableHTTPClientTransport(new URL(server.url), { fetch });
  /** Writes to stdout not yet done: the bridge ends only after the last one. */
  const writes = new Set<Promise<void>>();
  const toLocal = (message: unknown) => {
    const write = writeJsonLine(process.stdout, message).catch((err) =>
      log(`cannot write to stdout: ${(err as Error).message}`)
    );
    writes.add(write);
    void write.finally(() => writes.delete(write));
    return write;
  };
  const initializeIds = new Set<RequestId>();
  /** `tools/list` requests in flight (2026-07-28 ones: true), and each listed tool's x-mcp-header declarations. */
  const listIds = new Map<RequestId, boolean>();
  const declarations = new Map<string, ParamDeclaration[] | undefined>();
  /** 2026-07-28 requests in flight: over HTTP, closing a request's stream cancels it. */
  const streams = new Map<RequestId, AbortController>();
  /**
   * Every request sent and not yet answered. A client that writes its requests and closes
   * stdin (`printf … | mcp-oauth stdio NAME`) still gets every answer: stdin's end waits for them.
   */
  const unanswered = new Pending<RequestId>();

  remote.onmessage = (message: JSONRPCMessage) => {
    if ("id" in message && message.id !== undefined && !("method" in message)) {
      unanswered.delete(message.id);
      streams.delete(message.id);
      // The transport sends the version the server chose on every later request.
      if (initializeIds.delete(message.id) && "result" in message) {
        const version = (message.result as { protocolVersion?: unknown }).protocolVersion;
        if (typeof version === "string") remote.setProtocolVersion(version);
      }
      const listedModern = listIds.get(message.id);
      if (listIds.delete(message.id) && "result" in message) {
        const result = message.result as { tools?: unknown };
        const tools = Array.isArray(result.tools) ? result.tools : [];
        const kept = tools.filter((t) => {
          const tool = t as { name?: unknown; inputSchema?: unknown } | null;
          if (typeof tool?.name !== "string") return true;
          const declared = paramDeclarations(tool.inputSchema);
          declarations.set(tool.name, declared);
          // SEP-2243: a client rejects a tool whose x-mcp-header declaration is invalid. The
          // bridge is the HTTP client here; the local client cannot tell, so the bridge leaves
          // the tool out (as `tools` does) and says so on stderr.
          if (declared || !listedModern) return true;
          log(
            `left out the tool ${
              JSON.stringify(oneLine(tool.name, 80))
            }: its x-mcp-header declaration is invalid`,
          );
          return false;
        });
        if (kept.length !== tools.length) result.tools = kept;
      }
    }
    void toLocal(message);
  };
  // The server's text may echo a token: stored secrets are redacted from what is logged or sent.
  const redacted = (text: string) => redactStored(ctx.engine, server, text);
  const report = async (err: unknown) => log(oneLine(await redacted(describe(err)), 600));
  remote.onerror = (err: Error) => void report(err);

  const forward = (message: JSONRPCMessage) => {
    const request = "method" in message && "id" in message ? message : undefined;
    if (request) unanswered.add(request.id);
    if (request?.method === "initialize") initializeIds.add(request.id);
    if (request?.method === "tools/list") listIds.set(request.id, isModern(request));
    if ("method" in message && message.method === "notifications/cancelled") {
      const id = (message.params as { requestId?: RequestId } | undefined)?.requestId;
      const stream = id === undefined ? undefined : streams.get(id);
      if (stream) {
        streams.delete(id!);
        unanswered.delete(id!);
        stream.abort();
        return;
      }
    }
    let signal: AbortSignal | undefined;
    let headers: Record<string, string> | undefined;
    if (request && isModern(request)) {
      const stream = new AbortController();
      streams.set(request.id, stream);
      signal = stream.signal;
      if (request.method === "tools/call") {
        const params = request.params as { name?: unknown; arguments?: unknown } | undefined;
        const declared = typeof params?.name === "string"
          ? declarations.get(params.name)
          : undefined;
        if (declared?.length) headers = paramHeaders(declared, params?.arguments);
      }
    }
    const sendOptions = signal
      ? { requestSignal: signal, ...(headers ? { headers } : {}) }
      : undefined;
    remote.send(message, sendOptions).catch(
      async (err: unknown) => {
        if (signal?.aborted) return;
        if (request) streams.delete(request.id);
        await report(err);
        // A request that cannot be delivered still gets an answer, so the client does not hang.
        if (request) {
          const error = errorOf(err);
          error.message = await redacted(error.message);
          await toLocal({ jsonrpc: "2.0", id: request.id, error });
          unanswered.delete(request.id);
        }
      },
    );
  };

  await remote.start();
  log(`forwarding to ${server.url}`);
  await readJsonLines(
    process.stdin,
    (message) => {
      if (message && typeof message === "object") forward(message as JSONRPCMessage);
      else log(`ignored a line that is not a JSON-RPC message: ${String(message).slice(0, 80)}`);
    },
    (line) => log(`ignored a line that is not JSON: ${line.slice(0, 80)}`),
  );
  // stdin closed: answer what is in flight (a sign-in may be among it), then stop.
  const limitMs = (options.timeoutS * 3 + 60) * 1000;
  if (!(await unanswered.drained(limitMs))) {
    log(`stopped waiting for ${unanswered.size} answer(s) after ${limitMs / 1000} s`);
  }
  while (writes.size) await Promise.allSettled([...writes]);
  await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
  await remote.close().catch(() => {});
}

/** A set of ids that can be waited on until it is empty. */
class Pending<T> {
  readonly #ids = new Set<T>();
  #waiters: (() => void)[] = [];
  get size(): number {
    return this.#ids.size;
  }
  add(id: T): void {
    this.#ids.add(id);
  }
  delete(id: T): void {
    if (!this.#ids.delete(id) || this.#ids.size) return;
    for (const wake of this.#waiters.splice(0)) wake();
  }
  /** Resolves true once empty, false after `limitMs`. */
  drained(limitMs: number): Promise<boolean> {
    if (!this.#ids.size) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), limitMs);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}

/** Whether a request is of the 2026-07-28 era (it names its version in `_meta`). */
function isModern(request: { params?: unknown }): boolean {
  const meta = (request.params as { _meta?: Record<string, unknown> } | undefined)?._meta;
  return typeof meta?.[PROTOCOL_VERSION_META] === "string";
}

/**
 * The error a failed request is answered with: the server's own JSON-RPC
 * error when its HTTP answer carried one (a 2026-07-28-only server names its
 * versions when refusing `initialize`), else ours.
 */
function errorOf(err: unknown): { code: number; message: string; data?: unknown } {
  if (err instanceof SdkHttpError) {
    try {
      const text = (err.data as { text?: unknown } | undefined)?.text;
      const body = JSON.parse(typeof text === "string" ? text : "");
      const e = body?.error;
      if (typeof e?.code === "number" && typeof e?.message === "string") {
        return e.data === undefined
          ? { code: e.code, message: e.message }
          : { code: e.code, message: e.message, data: e.data };
      }
    } catch { /* not JSON-RPC: describe it below */ }
  }
  return { code: -32001, message: describe(err) };
}

function describe(err: unknown): string {
  for (let e = err, i = 0; e instanceof Error && i < 5; e = e.cause, i++) {
    if (e instanceof McpOAuthError) return e.message;
  }
  return err instanceof Error ? err.message : String(err);
}
