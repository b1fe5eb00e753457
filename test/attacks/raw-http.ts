/**
 * Raw HTTP/1.1 over a TCP socket, for attacks that fetch() cannot express: any Host header (or
 * none, or two), absolute-form request targets, unnormalised paths. One request per connection.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { connect } from "node:net";

/** What came back. */
export interface RawResponse {
  status: number;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Every Set-Cookie header. */
  setCookies: string[];
  body: string;
}

/** A request: the request line's target and each header line exactly as given. */
export interface RawRequest {
  method?: string;
  /** The request target, sent as is (origin-form "/x", absolute-form "http://h/x", …). */
  target: string;
  /** Header lines in order; a name may repeat. No Host is added for you. */
  headers?: [string, string][];
  body?: string;
}

/**
 * Send `req` to `address` (default 127.0.0.1) at `port` and read the whole answer (the
 * connection is closed).
 */
export function rawRequest(
  port: number,
  req: RawRequest,
  timeoutMs = 10_000,
  address = "127.0.0.1",
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address, port });
    const chunks: Uint8Array[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to ${req.method ?? "GET"} ${req.target} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on("connect", () => {
      const body = req.body ?? "";
      const lines = [`${req.method ?? "GET"} ${req.target} HTTP/1.1`];
      for (const [k, v] of req.headers ?? []) lines.push(`${k}: ${v}`);
      if (req.body !== undefined) {
        lines.push(`Content-Length: ${new TextEncoder().encode(body).length}`);
      }
      lines.push("Connection: close", "", body);
      socket.write(lines.join("\r\n"));
    });
    socket.on("data", (d: Uint8Array) => chunks.push(d));
    socket.on("error", (err: Error) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      try {
        resolve(parse(Buffer.concat(chunks)));
      } catch (err) {
        reject(err);
      }
    });
  });
}

function parse(raw: Buffer): RawResponse {
  const split = raw.indexOf("\r\n\r\n");
  if (split < 0) {
    throw new Error(
      `not an HTTP response: ${JSON.stringify(raw.toString("latin1").slice(0, 200))}`,
    );
  }
  const head = raw.subarray(0, split).toString("latin1").split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? "")?.[1]);
  if (!status) throw new Error(`bad status line: ${head[0]}`);
  const headers: Record<string, string> = {};
  const setCookies: string[] = [];
  for (const line of head.slice(1)) {
    const i = line.indexOf(":");
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    if (name === "set-cookie") setCookies.push(value);
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  let body = raw.subarray(split + 4);
  if (/chunked/i.test(headers["transfer-encoding"] ?? "")) body = dechunk(body);
  return { status, headers, setCookies, body: body.toString("utf8") };
}

function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf("\r\n", at);
    if (eol < 0) break;
    const size = parseInt(data.subarray(at, eol).toString("latin1"), 16);
    if (!size) break;
    parts.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
