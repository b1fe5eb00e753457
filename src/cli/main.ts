/**
 * The mcp-oauth command line: dispatch, help, and the mapping from errors to
 * one stderr line and an exit code (0 ok, 1 failure, 2 usage, 3 sign in again).
 *
 * @module
 */
import { cliLine } from "./advice.ts";
import { ErrorCode, McpOAuthError } from "../core/errors.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { parseCommandArgs } from "./args.ts";
import { resolveClientSecret } from "./client-secret.ts";
import { COMMAND_NAMES, loadCommand, loadCommands } from "./commands/index.ts";
import { createContext, type Io, storelessContext } from "./context.ts";
import { didYouMean } from "./suggest.ts";

import { BUILD, VERSION } from "./version.ts";

/** Exit codes of the CLI contract. */
export const EXIT = { ok: 0, failure: 1, usage: 2, reauthorize: 3 } as const;

/** Run the CLI with `argv` (without the program name); resolves to the exit code. */
export async function main(runtime: Runtime, argv: string[], io: Io): Promise<number> {
  let split: { name?: string; rest: string[] };
  try {
    split = leadingGlobals(argv);
  } catch (err) {
    return fail(io, err);
  }
  const { name, rest } = split;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    const topic = name === "help" ? rest[0] : undefined;
    if (topic && topic !== "help" && !COMMAND_NAMES.includes(topic)) {
      return fail(io, unknownCommand(topic));
    }
    io.out(
      topic === "help" ? HELP_HELP : topic ? await commandHelp(topic) : await generalHelp(),
    );
    return name || topic ? EXIT.ok : EXIT.usage;
  }
  if (name === "--version" || name === "-v") {
    io.out(
      `mcp-oauth ${VERSION} (${runtime.name} ${runtime.version}${BUILD ? `, build ${BUILD}` : ""})`,
    );
    return EXIT.ok;
  }
  const command = await loadCommand(name);
  if (!command) return fail(io, unknownCommand(name));
  try {
    const args = parseCommandArgs(name, rest, command.options, command.positionals);
    if (args.values.help) {
      io.out(await commandHelp(name));
      return EXIT.ok;
    }
    if ("client-secret-file" in command.options) await resolveClientSecret(name, args, io);
    // Commands that need no store open none (and leave the home alone).
    const ctx = command.usesStore === false
      ? storelessContext(name, runtime, io)
      : await createContext(name, runtime, io, args);
    return await command.run(ctx, args);
  } catch (err) {
    return fail(io, err);
  }
}

/**
 * Global options may come before the command (`mcp-oauth --home DIR ls`):
 * move them after it, where the command's parser reads them.
 */
function leadingGlobals(argv: string[]): { name?: string; rest: string[] } {
  const moved: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    const flag = arg.split("=")[0]!;
    if (flag === "--home" || flag === "--store") {
      if (arg.includes("=")) moved.push(arg);
      else if (i + 1 < argv.length) moved.push(arg, argv[++i]!);
      else {throw new McpOAuthError(
          ErrorCode.USAGE,
          `option ${flag} needs a value; see "mcp-oauth help".`,
        );}
    } else if (arg === "--insecure-http") {
      moved.push(arg);
    } else {
      break;
    }
  }
  return { name: argv[i], rest: [...moved, ...argv.slice(i + 1)] };
}

/** "Unknown command", with the commands it is close to (a typo such as "authorise"). */
function unknownCommand(name: string): McpOAuthError {
  const hint = didYouMean(name, [...COMMAND_NAMES, "help"]);
  return new McpOAuthError(
    ErrorCode.USAGE,
    hint
      ? `Unknown command "${name}";${hint} See "mcp-oauth help".`
      : `Unknown command "${name}"; see "mcp-oauth help".`,
  );
}

const HELP_HELP = `mcp-oauth help [command]

Shows every command (without one), or a command's options, --json output and
examples; "mcp-oauth <command> --help" does the same.

Examples:
  mcp-oauth help
  mcp-oauth help authorize`;

function fail(io: Io, err: unknown): number {
  if (err instanceof McpOAuthError) {
    // The core says what happened; the CLI says which command or option helps.
    io.err(`mcp-oauth: ${cliLine(err)}`);
    if (err.code === ErrorCode.USAGE) return EXIT.usage;
    return err.code === ErrorCode.REAUTHORIZATION_NEEDED ? EXIT.reauthorize : EXIT.failure;
  }
  const message = err instanceof Error ? err.message : String(err);
  io.err(
    `mcp-oauth: unexpected error: ${message.split("\n")[0]} (set MCP_OAUTH_DEBUG=1 for details)`,
  );
  if (io.env.MCP_OAUTH_DEBUG) io.err(String((err as Error)?.stack ?? err));
  return EXIT.failure;
}

async function generalHelp(): Promise<string> {
  const lines = [...(await loadCommands()).values()].map((c) =>
    `  ${c.name.padEnd(10)} ${c.summary}`
  );
  return `mcp-oauth ${VERSION}: sign in to remote MCP servers with OAuth and keep the tokens fresh.

Usage: mcp-oauth <command> [options]

Commands:
${lines.join("\n")}

Global options:
  --home DIR        where config and credentials live ($MCP_OAUTH_HOME)
  --store S         the credential store: file (default), helper:NAME (any
                    docker-credential-NAME, e.g. helper:pass) or docker (the helper
                    Docker's config.json names) ($MCP_OAUTH_STORE)
  --insecure-http   allow plain http to non-loopback servers (development only)

Exit codes: 0 ok, 1 failure, 2 usage error, 3 re-authorization needed.
Run "mcp-oauth help <command>" for a command's options and examples.`;
}

async function commandHelp(name: string): Promise<string> {
  const c = (await loadCommand(name))!;
  return `mcp-oauth ${c.usage}\n\n${c.summary[0]!.toUpperCase()}${
    c.summary.slice(1)
  }.\n\n${c.details}`;
}

/** The process's own I/O. */
export function processIo(): Io {
  return {
    out: (t) => process.stdout.write(t.endsWith("\n") ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.startsWith("\r") || t.endsWith("\n") ? t : `${t}\n`),
    stderrIsTTY: process.stderr.isTTY === true,
    // node:readline is loaded only by the commands that read stdin (it slows every start).
    stdinLines: async function* () {
      const { createInterface } = await import("node:readline");
      yield* createInterface({ input: process.stdin, crlfDelay: Infinity });
    },
    env: process.env,
  };
}
