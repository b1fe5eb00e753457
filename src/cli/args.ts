/**
 * Argument parsing for every command: node:util parseArgs (works on Bun,
 * Deno and Node) in strict mode, with one-line usage errors.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ErrorCode, McpOAuthError } from "../core/errors.ts";
import { validClientMetadataUrl } from "../core/server-input.ts";

/** An option as parseArgs takes it. */
export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
}

/** Options every command accepts. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  home: { type: "string" },
  store: { type: "string" },
  "insecure-http": { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

/** Parsed arguments of one command. */
export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** A usage error (exit 2) that points at the command's help. */
export function usageError(command: string, problem: string): McpOAuthError {
  return new McpOAuthError(ErrorCode.USAGE, `${problem}; see "mcp-oauth help ${command}".`);
}

/**
 * Parse `argv` for `command`, checking the number of positionals.
 * @see https://nodejs.org/api/util.html#utilparseargsconfig
 */
export function parseCommandArgs(
  command: string,
  argv: string[],
  options: Record<string, OptionSpec>,
  positionals: { min: number; max: number; names: string },
): ParsedArgs {
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...GLOBAL_OPTIONS, ...options },
      allowPositionals: true,
      strict: true,
    }) as ParsedArgs;
  } catch (err) {
    const code = (err as { code?: string }).code;
    const flag = /'(-[^']*)'/.exec((err as Error).message)?.[1] ?? "";
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      throw usageError(command, `unknown option ${flag} for "${command}"`);
    }
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      const option = flag.split(" ")[0];
      const message = (err as Error).message;
      // "--port -1": parseArgs will not take a value that starts with a dash.
      if (/argument is ambiguous/.test(message)) {
        throw usageError(
          command,
          `option ${option} needs a value (one that starts with "-" is written ${option}=-…)`,
        );
      }
      throw usageError(
        command,
        `option ${option} ${/argument missing/.test(message) ? "needs a value" : "takes no value"}`,
      );
    }
    throw usageError(command, (err as Error).message.split("\n")[0]!);
  }
  if (parsed.values.help) return parsed;
  const n = parsed.positionals.length;
  if (n < positionals.min) throw usageError(command, `"${command}" needs ${positionals.names}`);
  if (n > positionals.max) {
    throw usageError(
      command,
      `unexpected argument "${parsed.positionals[positionals.max]}" for "${command}"`,
    );
  }
  return parsed;
}

/** A string option's value, or undefined. */
export function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === "string" ? v : undefined;
}

/** A positive integer option within [min, max], or undefined. */
export function int(
  command: string,
  args: ParsedArgs,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) {
    throw usageError(command, `--${name} must be a whole number from ${min} to ${max}, not "${v}"`);
  }
  return n;
}

/**
 * Run a check of an argument's value; a bad URL there is a usage error
 * (exit 2), with the check's own message.
 */
export function checkArgument<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (
      err instanceof McpOAuthError &&
      (err.code === ErrorCode.INVALID_URL || err.code === ErrorCode.INSECURE_URL)
    ) {
      throw new McpOAuthError(ErrorCode.USAGE, err.message);
    }
    throw err;
  }
}

/** A Client ID Metadata Document URL: https with a path (MCP client registration). */
export function clientMetadataUrlArg(
  command: string,
  value: string | undefined,
): string | undefined {
  if (value === undefined) return undefined;
  try {
    return validClientMetadataUrl(value);
  } catch (err) {
    throw usageError(command, (err as Error).message);
  }
}

/** `--compat docker`, the only compatibility mode. */
export function compatArg(command: string, value: string | undefined): "docker" | undefined {
  if (value === undefined) return undefined;
  if (value !== "docker") throw usageError(command, `--compat takes "docker", not "${value}"`);
  return value;
}
