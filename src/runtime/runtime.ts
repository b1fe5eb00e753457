/**
 * The small interface behind which each runtime hides: serving HTTP and
 * spawning processes. Everything else (env, args, files) uses node: APIs
 * that Bun, Deno and Node all provide.
 *
 * @module
 */

/** A request handler in the web-standard shape Hono's `app.fetch` has. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/** A listening server. */
export interface Listener {
  hostname: string;
  port: number;
  /** Stop listening and drop open connections. */
  close(): Promise<void>;
}

/** The result of a finished subprocess. */
export interface SpawnResult {
  code: number;
  stdout: string;
  stderr: string;
  /** True when the program was killed for running past `timeoutMs`. */
  timedOut?: boolean;
}

/** What mcp-oauth needs from Bun, Deno or Node. */
export interface Runtime {
  readonly name: "bun" | "deno" | "node";
  readonly version: string;
  /** Serve `handler` on hostname:port (port 0 picks a free one). */
  serve(handler: FetchHandler, options: { hostname: string; port: number }): Promise<Listener>;
  /**
   * Run `argv` (no shell), feed `stdin`, collect output. Rejects with an
   * ENOENT-coded error when the program does not exist; kills it after
   * `timeoutMs`.
   */
  run(
    argv: string[],
    options?: { stdin?: string; timeoutMs?: number; env?: Record<string, string> },
  ): Promise<SpawnResult>;
  /**
   * Start `argv` (no shell) and let it run on its own (a browser). Resolves
   * once started; `onExit` reports how it ended.
   */
  launch(argv: string[], onExit?: (code: number, stderr: string) => void): Promise<void>;
}
