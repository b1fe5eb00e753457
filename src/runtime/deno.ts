/**
 * The Deno adapter: Deno.serve and Deno.Command.
 *
 * @module
 */
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
    const child = new Deno.Command(cmd!, {
      args,
      stdin: options.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
      env: options.env,
    }).spawn();
    if (options.stdin !== undefined) {
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode(options.stdin));
      await w.close();
    }
    const timer = options.timeoutMs ? setTimeout(() => child.kill(), options.timeoutMs) : undefined;
    try {
      const out = await child.output();
      const dec = new TextDecoder();
      return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
    } finally {
      clearTimeout(timer);
    }
  },

  launch(argv, onExit): Promise<void> {
    const [cmd, ...args] = argv;
    const child = new Deno.Command(cmd!, { args, stdin: "null", stdout: "null", stderr: "piped" })
      .spawn();
    child.output().then((out) => onExit?.(out.code, new TextDecoder().decode(out.stderr)));
    child.unref();
    return Promise.resolve();
  },
};
