/**
 * What every command gets: the runtime, the engine over the chosen store,
 * and the output streams.
 *
 * @module
 */
import { builtInCatalog } from "../catalog/catalog.ts";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createEngine, type Engine } from "../core/engine.ts";
import { ErrorCode, McpOAuthError, oneLine } from "../core/errors.ts";
import { ConfigFile, isTimeoutMs, KNOWN_SETTINGS } from "../store/config-file.ts";
import { dockerMirror } from "../store/docker-mirror.ts";
import { FileLock } from "../store/file-lock.ts";
import { realHome, tightenHome } from "../store/private-home.ts";
import { mcpOAuthHome } from "../runtime/paths.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { type ParsedArgs, str, usageError } from "./args.ts";
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

/**
 * The context of a command that uses no store: its home and engine are never
 * built, and asking for them is a programming error.
 */
export function storelessContext(command: string, runtime: Runtime, io: Io): CliContext {
  const missing = (what: string) => {
    throw new Error(`mcp-oauth ${command} declared that it uses no store, but asked for ${what}`);
  };
  return {
    runtime,
    io,
    get home(): string {
      return missing("the home");
    },
    get engine(): Engine {
      return missing("the engine");
    },
  };
}

/** Build the context from global options (--home, --store, --insecure-http). */
export async function createContext(
  command: string,
  runtime: Runtime,
  io: Io,
  args: ParsedArgs,
): Promise<CliContext> {
  // An empty --home (say `--home "$DIR"` with DIR unset) must not quietly mean the default home.
  if (str(args, "home") === "") {
    throw usageError(command, "--home needs a folder, not an empty string");
  }
  // The real path: checked once, then used, so a link cannot be swapped in between.
  const home = await realHome(mcpOAuthHome(str(args, "home"), io.env));
  for (const note of await tightenHome(home)) io.err(`warning: ${note}`);
  const servers = new ConfigFile(home);
  const settings = await servers.settings();
  for (const key of await servers.unknownSettings()) {
    io.err(
      `warning: ${servers.path}: unknown setting "${oneLine(key, 60)}" is ignored (known: ${
        KNOWN_SETTINGS.join(", ")
      }).`,
    );
  }
  const arg = str(args, "store");
  const [spec, source] = arg !== undefined
    ? [arg, "--store"]
    : io.env.MCP_OAUTH_STORE !== undefined
    ? [io.env.MCP_OAUTH_STORE, "$MCP_OAUTH_STORE"]
    : [settings.store ?? "file", "settings.store"];
  const store = await openStore(command, spec, runtime, home, settings, io.env, source);
  const timeoutMs = httpTimeoutMs(io.env.MCP_OAUTH_HTTP_TIMEOUT_MS) ?? settings.httpTimeoutMs;
  const engine = createEngine({
    store,
    servers,
    lock: new FileLock(join(home, "locks")),
    allowInsecureHttp: args.values["insecure-http"] === true ||
      io.env.MCP_OAUTH_INSECURE_HTTP === "1",
    dockerCompat: settings.compat === "docker",
    catalog: builtInCatalog,
    docker: dockerMirror(store),
    limits: timeoutMs === undefined ? {} : { timeoutMs },
    // Machine grants read a workload's JWT from its file or variable at each token request.
    grantEnvironment: { env: (name) => io.env[name], readFile: (path) => readFile(path, "utf8") },
    allowedHosts: [
      ...(settings.allowedHosts ?? []),
      ...(io.env.MCP_OAUTH_ALLOWED_HOSTS ?? "").split(",").map((h) => h.trim()).filter(Boolean),
    ],
  });
  return { runtime, home, engine, io };
}

/** $MCP_OAUTH_HTTP_TIMEOUT_MS (RFC 9700 §4.11), which wins over config.json's `settings.httpTimeoutMs`. */
function httpTimeoutMs(env: string | undefined): number | undefined {
  if (env === undefined || env === "") return undefined;
  const n = Number(env);
  if (!/^\d+$/.test(env.trim()) || !isTimeoutMs(n)) {
    throw new McpOAuthError(
      ErrorCode.USAGE,
      `MCP_OAUTH_HTTP_TIMEOUT_MS must be a whole number of milliseconds from 100 to 600000, not "${
        oneLine(env, 40)
      }"; fix or unset it.`,
    );
  }
  return n;
}
