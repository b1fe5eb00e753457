/**
 * Where a pre-registered client's secret comes from. `--client-secret S` puts it in the
 * process's argument vector, which every local user can read (/proc/PID/cmdline, `ps`) while
 * the command runs; `--client-secret-file PATH` (`-`: the first line of stdin) and the
 * environment variable MCP_OAUTH_CLIENT_SECRET keep it out. The variable counts only with
 * `--client-id` in the same command, so a value left in the environment never goes to another
 * server's authorization server.
 *
 * @module
 */
import { type ParsedArgs, str, usageError } from "./args.ts";
import type { Io } from "./context.ts";
import { readOptionFile } from "./option-file.ts";

/** The environment variable that may hold the client secret. */
export const CLIENT_SECRET_ENV = "MCP_OAUTH_CLIENT_SECRET";

/** Help lines for `--client-secret-file` and the variable. */
export const CLIENT_SECRET_HELP =
  `  --client-secret-file PATH           read the secret from a file ("-": the first line of
                                      stdin), so it is not in the command line other users
                                      can see; or set ${CLIENT_SECRET_ENV}, which is
                                      read only when --client-id is given too`;

/**
 * Put the client secret into `args` as `--client-secret`, from `--client-secret-file` or (with
 * `--client-id`) from {@link CLIENT_SECRET_ENV}; commands then read that one option. Two
 * explicit sources are a usage error; the secret is never quoted in a message.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-2.3.1
 */
export async function resolveClientSecret(
  command: string,
  args: ParsedArgs,
  io: Io,
): Promise<void> {
  const flag = str(args, "client-secret");
  const file = str(args, "client-secret-file");
  if (flag !== undefined && file !== undefined) {
    throw usageError(command, "give --client-secret or --client-secret-file, not both");
  }
  if (flag !== undefined) return;
  if (file !== undefined) {
    args.values["client-secret"] = await readSecret(command, file, args, io);
    return;
  }
  const fromEnv = io.env[CLIENT_SECRET_ENV];
  if (fromEnv && str(args, "client-id") !== undefined) args.values["client-secret"] = fromEnv;
}

async function readSecret(command: string, path: string, args: ParsedArgs, io: Io) {
  if (path === "-") {
    if (command === "stdio") {
      throw usageError(
        command,
        `stdio speaks MCP on stdin, so --client-secret-file - cannot read it; give a file or ${CLIENT_SECRET_ENV}`,
      );
    }
    if (str(args, "browser") === "none") {
      throw usageError(
        command,
        "--client-secret-file - and --browser none both read stdin; give the secret in a file or in " +
          CLIENT_SECRET_ENV,
      );
    }
  }
  let text = await readOptionFile(command, "--client-secret-file", path, io, "line");
  if (text === undefined) {
    throw usageError(command, "--client-secret-file -: stdin ended before a line with the secret");
  }
  if (path !== "-") text = text.replace(/\r?\n$/, "");
  text = text.replace(/\r$/, "");
  if (!text.trim()) throw usageError(command, `--client-secret-file ${path} holds no secret`);
  if (/[\r\n]/.test(text)) {
    throw usageError(command, `--client-secret-file ${path} holds more than one line`);
  }
  return text;
}
