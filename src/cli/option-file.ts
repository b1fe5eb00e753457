/**
 * What a `--…-file PATH` option names: the file's text, or with `-` stdin (its first line, or
 * all of it), so a secret (a client secret, a private key, an id_token) never has to be in the
 * command line other local users can read. Each failure is one usage line naming the option.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { usageError } from "./args.ts";
import type { Io } from "./context.ts";

/**
 * The text `path` names for `flag`; undefined when stdin ended before a line ("-" with
 * `stdin: "line"`). Reading stops at the first line with `"line"`, at stdin's end with `"all"`.
 */
export async function readOptionFile(
  command: string,
  flag: string,
  path: string,
  io: Io,
  stdin: "line" | "all",
): Promise<string | undefined> {
  if (path === "-") {
    if (!io.stdinLines) throw usageError(command, `${flag} -: stdin cannot be read here`);
    const lines: string[] = [];
    for await (const line of io.stdinLines()) {
      lines.push(line);
      if (stdin === "line") break;
    }
    return lines.length ? lines.join("\n") : undefined;
  }
  if (path === "") throw usageError(command, `${flag} needs a path (or - for stdin)`);
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    const code = (err as { code?: string }).code ?? (err as Error).message;
    throw usageError(command, `${flag} ${path} cannot be read (${code})`);
  }
}
