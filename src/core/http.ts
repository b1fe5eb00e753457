/**
 * The only way the engine talks to the network: fetch with a timeout, no
 * redirects, and a cap on the body size (RFC 9700 §4.11). Failures become one-line
 * {@link McpOAuthError}s naming the URL.
 *
 * @module
 */
import { ErrorCode, McpOAuthError, oneLine } from "./errors.ts";

/** The subset of `fetch` the engine needs; inject one for tests or proxies. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Limits applied to every request the engine makes. */
export interface HttpLimits {
  /** Milliseconds before a request (headers and body) is abandoned. */
  timeoutMs: number;
  /** Largest body read, in bytes. */
  maxBytes: number;
}

/** Defaults: 10 s and 1 MiB are ample for metadata and token responses. */
export const DEFAULT_LIMITS: HttpLimits = { timeoutMs: 10_000, maxBytes: 1 << 20 };

const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);

/**
 * Wrap `fetch` so every call is bounded: redirects are never followed, the
 * whole exchange times out, and the body is read fully (up to the cap) so
 * callers get a plain buffered Response. Pass the result to oauth4webapi as
 * its `customFetch`.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#security-considerations
 */
export function boundedFetch(fetchImpl: FetchLike, limits: HttpLimits = DEFAULT_LIMITS): FetchLike {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const timeout = AbortSignal.timeout(limits.timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await fetchImpl(input, { ...init, redirect: "manual", signal });
    } catch (err) {
      throw networkError(err, url, timeout.aborted, limits);
    }
    try {
      const body = NULL_BODY_STATUS.has(res.status)
        ? null
        : await readCapped(res, limits.maxBytes, url, res.status);
      return new Response(body, {
        status: res.status,
        statusText: res.statusText,
        headers: res.headers,
      });
    } catch (err) {
      // The server answered, then the body broke off: not a connection problem.
      throw networkError(err, url, timeout.aborted, limits, res.status);
    }
  };
}

/**
 * Wrap `fetch` for requests whose body is not read (the discovery probe):
 * redirects are not followed, the request times out, errors are one line.
 */
export function unreadFetch(fetchImpl: FetchLike, limits: HttpLimits = DEFAULT_LIMITS): FetchLike {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const timeout = AbortSignal.timeout(limits.timeoutMs);
    try {
      return await fetchImpl(input, { ...init, redirect: "manual", signal: timeout });
    } catch (err) {
      throw networkError(err, url, timeout.aborted, limits);
    }
  };
}

async function readCapped(
  res: Response,
  maxBytes: number,
  url: string,
  status: number,
): Promise<Uint8Array<ArrayBuffer> | null> {
  if (!res.body) return null;
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    await res.body.cancel();
    throw tooLarge(url, maxBytes, status);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge(url, maxBytes, status);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

function tooLarge(url: string, maxBytes: number, status: number): McpOAuthError {
  // A NetworkError, so a step that wraps it (registration, revocation…) gives its own advice.
  return new NetworkError(
    ErrorCode.TOO_LARGE,
    `The response from ${url} is larger than ${maxBytes} bytes and was not read`,
    "check the URL",
    undefined,
    status,
  );
}

/**
 * A request that failed on the way: `fact` says what happened (naming the URL),
 * the message adds what to do. Callers that know better advice (a revocation
 * that cannot be retried, say) use `fact` with their own.
 */
export class NetworkError extends McpOAuthError {
  /** The HTTP status the server answered with before the body failed, if it answered. */
  readonly status?: number;

  constructor(code: ErrorCode, fact: string, advice: string, cause: unknown, status?: number) {
    super(code, "", { cause, fact: oneLine(fact), advice });
    this.name = "NetworkError";
    if (status !== undefined) this.status = status;
  }
}

function networkError(
  err: unknown,
  url: string,
  timedOut: boolean,
  limits: HttpLimits,
  answered?: number,
): unknown {
  if (err instanceof McpOAuthError) return err;
  const seconds = limits.timeoutMs / 1000;
  if (timedOut) {
    return new NetworkError(
      ErrorCode.TIMEOUT,
      answered === undefined
        ? `No answer from ${url} within ${seconds} s`
        : `The answer from ${url} (${answered}) did not finish within ${seconds} s`,
      "check the server is up, then retry",
      err,
      answered,
    );
  }
  if (err instanceof DOMException && err.name === "AbortError") return err;
  const reason = oneLine(err instanceof Error ? describeCause(err) : String(err), 160);
  if (answered !== undefined) {
    return new NetworkError(
      ErrorCode.NETWORK,
      `The answer from ${url} (${answered}) broke off (${reason})`,
      "retry; if it persists, check the server",
      err,
      answered,
    );
  }
  return new NetworkError(
    ErrorCode.NETWORK,
    `Could not reach ${url} (${reason})`,
    "check the URL and your connection, then retry",
    err,
  );
}

/** Runtimes hide the useful part ("ECONNREFUSED") in nested causes. */
function describeCause(err: Error): string {
  let e: unknown = err;
  const parts: string[] = [];
  for (let i = 0; i < 4 && e instanceof Error; i++) {
    const code = (e as { code?: unknown }).code;
    // Deno says "error sending request from 127.0.0.1:PORT for URL: …": the URL is in the fact.
    parts.push(
      typeof code === "string" ? code : e.message.replace(/ from \S+ for \S+/, ""),
    );
    e = e.cause;
  }
  return [...new Set(parts)].join(": ");
}
