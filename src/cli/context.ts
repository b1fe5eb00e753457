/**
 * What every command gets: the runtime, the engine over the chosen store,
 * and the output streams.
 *
 * @module
 */
import { join } from "node:path";
import { createEngine, type Engine } from "../core/engine.ts";
import { ConfigFile } from "../store/config-file.ts";
import type { CredentialStore } from "../store/credential-store.ts";
import { FileLock } from "../store/file-lock.ts";
import { FileStore } from "../store/file-store.ts";
import { mcpOAuthHome } from "../runtime/paths.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { type ParsedArgs, str, usageError } from "./args.ts";

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
export function createContext(
  command: string,
  runtime: Runtime,
  io: Io,
  args: ParsedArgs,
): CliContext {
  const home = mcpOAuthHome(str(args, "home"), io.env);
  const storeName = str(args, "store") ?? io.env.MCP_OAUTH_STORE ?? "file";
  let store: CredentialStore;
  if (storeName === "file") store = new FileStore(home);
  else {throw usageError(
      command,
      `unsupported --store "${storeName}"; this version supports "file"`,
    );}
  const engine = createEngine({
    store,
    servers: new ConfigFile(home),
    lock: new FileLock(join(home, "locks")),
    allowInsecureHttp: args.values["insecure-http"] === true ||
      io.env.MCP_OAUTH_INSECURE_HTTP === "1",
  });
  return { runtime, home, engine, io };
}
