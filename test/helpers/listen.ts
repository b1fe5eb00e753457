/**
 * Loopback HTTP listeners for tests, portable across Node, Bun and Deno (node:http underneath).
 *
 * @module
 */
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";

/** A server listening on 127.0.0.1. */
export interface Listening {
  /** Origin of the server, `http://127.0.0.1:PORT` (no trailing slash). */
  url: string;
  /** The bound port. */
  port: number;
  /** Stops listening and drops every open connection (keep-alive and SSE included). */
  close(): Promise<void>;
}

/** Options for {@link listen} and {@link listenNode}. */
export interface ListenOptions {
  /** Port to bind; default 0 (an ephemeral port). */
  port?: number;
}

/**
 * Serves a fetch-style handler (for example `hono.fetch`) on 127.0.0.1 through
 * `@hono/node-server`. Global `Request`/`Response` are left untouched.
 */
export function listen(
  fetchHandler: (req: Request) => Response | Promise<Response>,
  opts: ListenOptions = {},
): Promise<Listening> {
  const server = createAdaptorServer({
    fetch: (req: Request) => fetchHandler(req),
    hostname: "127.0.0.1",
    overrideGlobalObjects: false,
  }) as Server;
  return start(server, opts.port ?? 0);
}

/** Serves a plain node:http request listener (e.g. oidc-provider's `provider.callback()`). */
export function listenNode(
  listener: RequestListener,
  opts: ListenOptions = {},
): Promise<Listening> {
  return start(createServer(listener), opts.port ?? 0);
}

function start(server: Server, port: number): Promise<Listening> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      const bound = (server.address() as AddressInfo).port;
      let closing: Promise<void> | undefined;
      resolve({
        url: `http://127.0.0.1:${bound}`,
        port: bound,
        close: () => {
          closing ??= new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          });
          return closing;
        },
      });
    });
  });
}
