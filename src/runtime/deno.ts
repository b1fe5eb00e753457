/**
 * The Deno adapter: Deno.serve and Deno.Command.
 *
 * @module
 */
import { withTimeout } from "./with-timeout.ts";
import type { FetchHandler, Listener, Runtime, SpawnResult } from "./runtime.ts";

/** The Deno runtime. */
export const denoRuntime: Runtime = {
  name: "deno",
  version: typeof Deno === "undefined" ? "unknown" : Deno.version.deno,

  serve(handler: FetchHandler, options): Promise<Listener> {
    return new Promise((resolve, reject) => {
      try {
        const server = Deno.serve({
          hostname: options.hostname,
          port: options.port,
          onListen: (addr) => {
            resolve({
              hostname: options.hostname,
              port: (addr as Deno.NetAddr).port,
              close: () => server.shutdown(),
            });
          },
        }, handler);
      } catch (err) {
        reject(err);
      }
    });
  },

  async run(argv, options = {}): Promise<SpawnResult> {
    const [cmd, ...args] = argv;
    const child = spawnOrEnoent(() =>
      new Deno.Command(cmd!, {
        args,
        stdin: options.stdin === undefined ? "null" : "piped",
        stdout: "piped",
        stderr: "piped",
        env: options.env,
      }).spawn(), cmd!);
    if (options.stdin !== undefined) {
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode(options.stdin));
      await w.close();
    }
    const dec = new TextDecoder();
    const waitFor = child.output().then((out) => ({
      code: out.code,
      stdout: dec.decode(out.stdout),
      stderr: dec.decode(out.stderr),
    }));
    return await withTimeout(waitFor, () => child.kill("SIGKILL"), options.timeoutMs);
  },

  launch(argv, onExit): Promise<void> {
    const [cmd, ...args] = argv;
    const child = spawnOrEnoent(
      () =>
        new Deno.Command(cmd!, { args, stdin: "null", stdout: "null", stderr: "piped" }).spawn(),
      cmd!,
    );
    child.output().then((out) => onExit?.(out.code, new TextDecoder().decode(out.stderr)));
    child.unref();
    return Promise.resolve();
  },
};

/** Deno throws NotFound for a missing program; the other adapters say ENOENT. */
function spawnOrEnoent(spawn: () => Deno.ChildProcess, cmd: string): Deno.ChildProcess {
  try {
    return spawn();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw Object.assign(new Error(`${cmd}: not found`), { code: "ENOENT", cause: err });
    }
    throw err;
  }
}
