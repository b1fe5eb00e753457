/**
 * A fault-injecting front for the test servers: a node:http server on 127.0.0.1 that passes
 * every request to a real server's listener (oidc-provider, the MCP SDK server) unless a rule
 * says that this request, the Nth one to a path, gets a fault instead:
 *
 * - `500`, `502`, `503`: an error status (500 with an OAuth `server_error` JSON body, 502 with a
 *   proxy's HTML page, 503 `temporarily_unavailable` with Retry-After), the real server untouched;
 * - `hang`: the request is read and never answered (the client must time out);
 * - `reset`: the socket is destroyed before any answer (connection reset mid-request);
 * - `cut`: the real server answers, the client gets the headers and half the body, then the
 *   socket is destroyed (reset mid-response; the server has already acted on the request). An
 *   answer without a body is lost whole: the socket is destroyed before its headers;
 * - `slow`: the real answer, dripped in 10 pieces over `dripMs`.
 *
 * The real server is built for the front's own origin (`build(origin)`), so issuers and resource
 * URLs are those the client sees.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { listenNode } from "../helpers/listen.ts";

/** The faults a front can inject. */
export type FaultKind = "500" | "502" | "503" | "hang" | "reset" | "cut" | "slow";

/** Every kind, in the order the tests report them. */
export const FAULT_KINDS: readonly FaultKind[] = [
  "500",
  "502",
  "503",
  "hang",
  "reset",
  "cut",
  "slow",
];

/** Which requests get a fault. */
export interface FaultRule {
  /** Exact path (query ignored) or a pattern. */
  path: string | RegExp;
  /** Only this method; default any. */
  method?: string;
  kind: FaultKind;
  /** Let this many matching requests through first; default 0. */
  skip?: number;
  /** Fault this many matching requests (after `skip`); default every one. */
  times?: number;
  /** `slow`: the time over which the body is dripped; default 300 ms. */
  dripMs?: number;
}

/** One request the front saw. */
export interface FrontHit {
  method: string;
  path: string;
  fault?: FaultKind;
}

/** A running front. */
export interface FaultFront {
  /** Origin, `http://127.0.0.1:PORT`. */
  url: string;
  port: number;
  /** Add a rule; returns it (its `seen` counts the matching requests). */
  fail(rule: FaultRule): FaultRule & { seen: number; injected: number };
  /** Remove every rule: from now on everything reaches the real server. */
  heal(): void;
  /** Every request so far, oldest first. */
  hits: FrontHit[];
  /** Faults injected so far, by kind. */
  injected: Record<FaultKind, number>;
  close(): Promise<void>;
}

type LiveRule = FaultRule & { seen: number; injected: number };

/** Start a front on an ephemeral port; `build` gets its origin and returns the real listener. */
export async function startFaultFront(
  build: (origin: string) => RequestListener | Promise<RequestListener>,
): Promise<FaultFront> {
  let inner: RequestListener = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const rules: LiveRule[] = [];
  const hits: FrontHit[] = [];
  const injected = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;

  const listening = await listenNode((req, res) => {
    const method = req.method ?? "GET";
    const path = (req.url ?? "/").split("?")[0]!;
    let fault: LiveRule | undefined;
    for (const rule of rules) {
      if (rule.method && rule.method !== method) continue;
      if (typeof rule.path === "string" ? rule.path !== path : !rule.path.test(path)) continue;
      rule.seen++;
      const skip = rule.skip ?? 0;
      if (rule.seen > skip && rule.seen <= skip + (rule.times ?? Infinity)) {
        fault = rule;
        break;
      }
    }
    hits.push({ method, path, ...(fault ? { fault: fault.kind } : {}) });
    if (!fault) return inner(req, res);
    fault.injected++;
    injected[fault.kind]++;
    inject(fault, req, res, inner);
  });
  inner = await build(listening.url);
  return {
    url: listening.url,
    port: listening.port,
    fail(rule) {
      const live = { ...rule, seen: 0, injected: 0 };
      rules.push(live);
      return live;
    },
    heal() {
      rules.length = 0;
    },
    hits,
    injected,
    close: () => listening.close(),
  };
}

function inject(
  rule: LiveRule,
  req: IncomingMessage,
  res: ServerResponse,
  inner: RequestListener,
): void {
  switch (rule.kind) {
    case "500":
    case "502":
    case "503": {
      req.resume();
      req.on("end", () => {
        const [type, body, extra] = rule.kind === "500"
          ? [
            "application/json",
            JSON.stringify({ error: "server_error", error_description: "injected fault" }),
            {},
          ]
          : rule.kind === "502"
          ? ["text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>", {}]
          : [
            "application/json",
            JSON.stringify({ error: "temporarily_unavailable" }),
            { "retry-after": "1" },
          ];
        res.writeHead(Number(rule.kind), { "content-type": type, ...extra });
        res.end(body);
      });
      return;
    }
    case "hang":
      // Read the request, answer nothing; the front's close() drops the connection.
      req.resume();
      return;
    case "reset":
      req.resume();
      req.on("end", () => req.socket.destroy());
      return;
    case "cut":
    case "slow":
      buffered(res, (body, write, end) => {
        if (rule.kind === "cut") {
          if (body.length === 0) return void res.socket?.destroy();
          write(body.subarray(0, Math.max(1, Math.floor(body.length / 2))));
          setTimeout(() => res.socket?.destroy(), 30);
          return;
        }
        const pieces = 10;
        const size = Math.ceil(body.length / pieces);
        let i = 0;
        const drip = () => {
          if (i * size >= body.length) return end();
          write(body.subarray(i * size, ++i * size));
          setTimeout(drip, (rule.dripMs ?? 300) / pieces);
        };
        drip();
      });
      return inner(req, res);
  }
}

/**
 * Hold back what the real server writes to `res` and hand the whole body to `deliver` once it
 * ends, with the original write and end (headers such as Content-Length go out unchanged with
 * the first write).
 */
function buffered(
  res: ServerResponse,
  deliver: (body: Uint8Array, write: (b: Uint8Array) => void, end: () => void) => void,
): void {
  const write = res.write.bind(res) as (b: Uint8Array) => boolean;
  const end = res.end.bind(res) as () => ServerResponse;
  const chunks: Uint8Array[] = [];
  const add = (chunk: unknown, encoding?: unknown) => {
    if (chunk === undefined || chunk === null || typeof chunk === "function") return;
    chunks.push(
      typeof chunk === "string"
        ? Buffer.from(chunk, typeof encoding === "string" ? encoding as BufferEncoding : "utf8")
        : new Uint8Array(chunk as ArrayBufferLike),
    );
  };
  res.write = ((chunk: unknown, encoding?: unknown) => {
    add(chunk, encoding);
    return true;
  }) as typeof res.write;
  res.end = ((chunk?: unknown, encoding?: unknown) => {
    add(chunk, encoding);
    deliver(Buffer.concat(chunks), (b) => write(b), () => end());
    return res;
  }) as typeof res.end;
}
