/**
 * The Node adapter: @hono/node-server and node:child_process.
 *
 * @module
 */
import { withTimeout } from "./with-timeout.ts";
import { spawn } from "node:child_process";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import type { FetchHandler, Listener, Runtime, SpawnResult } from "./runtime.ts";

/** The Node runtime. */
export const nodeRuntime: Runtime = {
  name: "node",
  version: process.versions.node,

  serve(handler: FetchHandler, options): Promise<Listener> {
    // overrideGlobalObjects: false keeps Node's own Request/Response for the rest of the process.
    const server = createAdaptorServer({ fetch: handler, overrideGlobalObjects: false });
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port, options.hostname, () => {
        server.off("error", reject);
        resolve({
          hostname: options.hostname,
          port: (server.address() as AddressInfo).port,
          close: () =>
            new Promise<void>((done) => {
              // Let the response in flight finish; drop idle keep-alive sockets at once.
              const late = setTimeout(
                () =>
                  (server as unknown as { closeAllConnections?: () => void })
                    .closeAllConnections?.(),
                1000,
              );
              server.close(() => {
                clearTimeout(late);
                done();
              });
              (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
            }),
        });
      });
    });
  },

  run(argv, options = {}): Promise<SpawnResult> {
    const [cmd, ...args] = argv;
    const child = spawn(cmd!, args, {
      stdio: [options.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      env: options.env ? { ...process.env, ...options.env } : process.env,
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const waitFor = new Promise<{ code: number; stdout: string; stderr: string }>(
      (resolve, reject) => {
        child.once("error", reject);
        child.once("close", (code, signal) => {
          resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
        });
      },
    );
    if (options.stdin !== undefined) {
      child.stdin!.on("error", () => {}); // a helper that exits early closes its stdin
      child.stdin!.end(options.stdin);
    }
    return withTimeout(waitFor, () => child.kill("SIGKILL"), options.timeoutMs);
  },

  launch(argv, onExit): Promise<void> {
    const [cmd, ...args] = argv;
    return new Promise((resolve, reject) => {
      const child = spawn(cmd!, args, { stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      child.once("error", reject);
      child.once("spawn", () => {
        child.unref();
        (child.stderr as unknown as { unref?: () => void }).unref?.();
        resolve();
      });
      child.once("close", (code) => onExit?.(code ?? 1, stderr));
    });
  },
};
