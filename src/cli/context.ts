/**
 * What every command gets: the runtime, the engine over the chosen store,
 * and the output streams.
 *
 * @module
 */
import { join } from "node:path";
import { createEngine, type Engine } from "../core/engine.ts";
import { ErrorCode, McpOAuthError, oneLine } from "../core/errors.ts";
import { ConfigFile } from "../store/config-file.ts";
import { FileLock } from "../store/file-lock.ts";
import { tightenHome } from "../store/private-home.ts";
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
  const home = mcpOAuthHome(str(args, "home"), io.env);
  for (const note of await tightenHome(home)) io.err(`warning: ${note}`);
  const servers = new ConfigFile(home);
  const settings = await servers.settings();
  for (const key of await servers.unknownSettings()) {
    io.err(
      `warning: ${servers.path}: unknown setting "${
        oneLine(key, 60)
      }" is ignored (known: store, compat, helperMaxSecretBytes, helperTimeoutMs, httpTimeoutMs, allowedHosts).`,
    );
  }
  const arg = str(args, "store");
  const [spec, source] = arg !== undefined
    ? [arg, "--store"]
    : io.env.MCP_OAUTH_STORE !== undefined
    ? [io.env.MCP_OAUTH_STORE, "$MCP_OAUTH_STORE"]
    : [settings.store ?? "file", "settings.store"];
  const store = await openStore(command, spec, runtime, home, settings, io.env, source);
  const engine = createEngine({
    store,
    servers,
    lock: new FileLock(join(home, "locks")),
    allowInsecureHttp: args.values["insecure-http"] === true ||
      io.env.MCP_OAUTH_INSECURE_HTTP === "1",
    dockerCompat: settings.compat === "docker",
    limits: httpLimits(io.env.MCP_OAUTH_HTTP_TIMEOUT_MS, settings.httpTimeoutMs, servers.path),
    allowedHosts: allowedHosts(settings.allowedHosts, io.env.MCP_OAUTH_ALLOWED_HOSTS, servers.path),
  });
  return { runtime, home, engine, io };
}

/** Extra hosts metadata may point at: config.json's `allowedHosts` plus MCP_OAUTH_ALLOWED_HOSTS. */
function allowedHosts(setting: unknown, env: string | undefined, path: string): string[] {
  if (
    setting !== undefined &&
    (!Array.isArray(setting) || !setting.every((h) => typeof h === "string" && h !== ""))
  ) {
    throw new McpOAuthError(
      ErrorCode.STORE_FAILED,
      `${path}: "allowedHosts" in "settings" must be a list of host names, e.g. ["auth.example.com"]; repair it, then retry.`,
    );
  }
  const fromEnv = (env ?? "").split(",").map((h) => h.trim()).filter(Boolean);
  return [...(setting ?? []), ...fromEnv];
}

/**
 * The per-request network timeout (S25): $MCP_OAUTH_HTTP_TIMEOUT_MS, else config.json's
 * `settings.httpTimeoutMs`, else the engine's default (10 s).
 */
function httpLimits(
  env: string | undefined,
  setting: unknown,
  path: string,
): { timeoutMs?: number } {
  const ok = (n: unknown): n is number =>
    typeof n === "number" && Number.isInteger(n) && n >= 100 && n <= 600_000;
  if (env !== undefined && env !== "") {
    const n = Number(env);
    if (!/^\d+$/.test(env.trim()) || !ok(n)) {
      throw new McpOAuthError(
        ErrorCode.USAGE,
        `MCP_OAUTH_HTTP_TIMEOUT_MS must be a whole number of milliseconds from 100 to 600000, not "${
          oneLine(env, 40)
        }"; fix or unset it.`,
      );
    }
    return { timeoutMs: n };
  }
  if (setting === undefined) return {};
  if (!ok(setting)) {
    throw new McpOAuthError(
      ErrorCode.STORE_FAILED,
      `${path}: "httpTimeoutMs" in "settings" must be a whole number of milliseconds from 100 to 600000; repair it, then retry.`,
    );
  }
  return { timeoutMs: setting };
}
