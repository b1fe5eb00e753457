/**
 * The shape of a CLI command: its help text, options and the code it runs.
 *
 * @module
 */
import type { OptionSpec, ParsedArgs } from "./args.ts";
import type { CliContext } from "./context.ts";

/** One `mcp-oauth <name>` command. */
export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The synopsis, e.g. "token <name|url> [--json]". */
  usage: string;
  /** Options and examples, shown by `help <name>`. */
  details: string;
  options: Record<string, OptionSpec>;
  positionals: { min: number; max: number; names: string };
  /**
   * false: the command uses neither the home nor the store (catalog, completion, relay), so
   * none is opened, checked or tightened for it.
   */
  usesStore?: false;
  /** Run it; resolves to the exit code. */
  run(ctx: CliContext, args: ParsedArgs): Promise<number>;
}
