/**
 * What every command gets: the runtime, the engine over the chosen store,
 * and the output streams.
 *
 * @module
 */
import { join } from "node:path";
import { createEngine, type Engine } from "../core/engine.ts";
import { ConfigFile } from "../store/config-file.ts";
import { FileLock } from "../store/file-lock.ts";
import { mcpOAuthHome } from "../runtime/paths.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { type ParsedArgs, str } from "./args.ts";
import { openStore } from "./open-store.ts";

/** Output and input of a CLI run; tests pass their own. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal (progress display). */
  stderrIsTTY: boolean;
  /** Lines typed on stdin, for pasting a redirect URL. */
  stdinLines?: () => AsyncIterable<string>;
  env: Record<string, string | undefined>;
}

/** Everything a command needs. */
export interface CliContext {
  runtime: Runtime;
  home: string;
  engine: Engine;
  io: Io;
}

/** Build the context from global options (--home, --store, --insecure-http). */
export async function createContext(
  command: string,
  runtime: Runtime,
  io: Io,
  args: ParsedArgs,
): Promise<CliContext> {
  const home = mcpOAuthHome(str(args, "home"), io.env);
  const servers = new ConfigFile(home);
  const settings = await servers.settings();
  const spec = str(args, "store") ?? io.env.MCP_OAUTH_STORE ?? settings.store ?? "file";
  const store = await openStore(command, spec, runtime, home, settings, io.env);
  const engine = createEngine({
    store,
    servers,
    lock: new FileLock(join(home, "locks")),
    allowInsecureHttp: args.values["insecure-http"] === true ||
      io.env.MCP_OAUTH_INSECURE_HTTP === "1",
    dockerCompat: settings.compat === "docker",
  });
  return { runtime, home, engine, io };
}
