/**
 * The Bun adapter: Bun.serve and Bun.spawn.
 *
 * @module
 */
import { withTimeout } from "./with-timeout.ts";
import type { FetchHandler, Listener, Runtime, SpawnResult } from "./runtime.ts";

// Minimal typing of the Bun APIs used, so this file type-checks under Deno too.
interface BunProcess {
  exited: Promise<number>;
  stdout: ReadableStream<Uint8Array> | null;
  stderr: ReadableStream<Uint8Array> | null;
  stdin?: { write(data: string): void; end(): void } | null;
  kill(signal?: number): void;
  unref(): void;
}
interface BunGlobal {
  version: string;
  serve(options: { hostname: string; port: number; fetch: FetchHandler; idleTimeout?: number }): {
    port: number;
    hostname: string;
    stop(closeActive?: boolean): Promise<void> | void;
  };
  spawn(argv: string[], options: Record<string, unknown>): BunProcess;
}

const bun = (globalThis as unknown as { Bun: BunGlobal }).Bun;

/** The Bun runtime. */
export const bunRuntime: Runtime = {
  name: "bun",
  version: bun?.version ?? "unknown",

  serve(handler: FetchHandler, options): Promise<Listener> {
    const server = bun.serve({
      hostname: options.hostname,
      port: options.port,
      fetch: handler,
      idleTimeout: 30,
    });
    return Promise.resolve({
      hostname: options.hostname,
      port: server.port,
      // Let the response in flight (the callback page) finish; drop stragglers after 1 s.
      close: async () => {
        const graceful = Promise.resolve(server.stop(false));
        const late = new Promise<"late">((r) => setTimeout(() => r("late"), 1000));
        if ((await Promise.race([graceful, late])) === "late") await server.stop(true);
      },
    });
  },

  async run(argv, options = {}): Promise<SpawnResult> {
    const proc = bun.spawn(argv, {
      stdin: options.stdin === undefined ? "ignore" : "pipe",
      stdout: "pipe",
      stderr: "pipe",
      // Bun.spawn would use the environment the process started with, not today's process.env.
      env: { ...process.env, ...options.env },
    });
    if (options.stdin !== undefined && proc.stdin) {
      proc.stdin.write(options.stdin);
      proc.stdin.end();
    }
    const waitFor = Promise.all([
      proc.exited,
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
    ]).then(([code, stdout, stderr]) => ({ code, stdout, stderr }));
    return await withTimeout(waitFor, () => proc.kill(9), options.timeoutMs);
  },

  launch(argv, onExit): Promise<void> {
    const proc = bun.spawn(argv, { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
    const stderr = new Response(proc.stderr).text();
    proc.exited.then(async (code) => onExit?.(code, await stderr));
    proc.unref();
    return Promise.resolve();
  },
};
