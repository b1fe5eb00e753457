/**
 * `add`'s machine grant options as a grant config and the private key: `--grant
 * client-credentials` (a secret as for `--client-secret-file`, or `--private-key-file PATH|-` /
 * MCP_OAUTH_PRIVATE_KEY with `--signing-alg`), `--grant jwt-bearer` (`--assertion-file PATH`,
 * kept as an absolute path and re-read at every token request, or `--assertion-env VAR`),
 * `--idp NAME` (enterprise-managed authorization: an ID-JAG from that IdP, core/grants/id-jag.ts).
 * The key is read here, from a file, stdin or the environment, never from argv.
 *
 * @module
 */
import { resolve } from "node:path";
import type { GrantConfig } from "../core/grants/grant.ts";
import { type ParsedArgs, str, usageError } from "./args.ts";
import type { Io } from "./context.ts";
import { readOptionFile } from "./option-file.ts";

/** The environment variable that may hold a private_key_jwt client's PEM key. */
export const PRIVATE_KEY_ENV = "MCP_OAUTH_PRIVATE_KEY";

/** The options, for a command's `options`. */
export const GRANT_OPTIONS = {
  grant: { type: "string" },
  "private-key-file": { type: "string" },
  "signing-alg": { type: "string" },
  "assertion-file": { type: "string" },
  "assertion-env": { type: "string" },
  idp: { type: "string" },
} as const;

/** The grant and private key `args` ask for; undefined grant: a browser sign-in. */
export async function grantOptions(
  command: string,
  args: ParsedArgs,
  io: Io,
): Promise<{ grant?: GrantConfig; privateKey?: string }> {
  const kind = str(args, "grant");
  const keyFile = str(args, "private-key-file");
  const alg = str(args, "signing-alg");
  const assertionFile = str(args, "assertion-file");
  const assertionEnv = str(args, "assertion-env");
  const only = (flag: string, grant: string) =>
    usageError(command, `${flag} goes with --grant ${grant}`);
  const idp = str(args, "idp");
  if (idp !== undefined) {
    // SEP-990: the IdP's ID-JAG is the grant; the server's client authenticates as configured.
    if (
      kind !== undefined || keyFile !== undefined || alg !== undefined ||
      assertionFile !== undefined || assertionEnv !== undefined
    ) {
      throw usageError(
        command,
        "--idp is the server's grant: it takes no --grant, --private-key-file or --assertion-*",
      );
    }
    if (!idp) throw usageError(command, "--idp needs the name of an IdP (see mcp-oauth idp ls)");
    return { grant: { kind: "id_jag", idp } };
  }
  if (kind === undefined) {
    if (keyFile !== undefined || alg !== undefined) {
      throw only("--private-key-file", "client-credentials");
    }
    if (assertionFile !== undefined || assertionEnv !== undefined) {
      throw only("--assertion-file/--assertion-env", "jwt-bearer");
    }
    return {};
  }
  if (kind === "client-credentials") {
    if (assertionFile !== undefined || assertionEnv !== undefined) {
      throw only("--assertion-file/--assertion-env", "jwt-bearer");
    }
    const privateKey = keyFile !== undefined
      ? await readKey(command, keyFile, io)
      : io.env[PRIVATE_KEY_ENV] || undefined;
    if (!privateKey) {
      if (alg !== undefined) throw usageError(command, "--signing-alg needs a private key");
      return { grant: { kind: "client_credentials", auth: "client_secret_basic" } };
    }
    return {
      grant: { kind: "client_credentials", auth: "private_key_jwt", ...(alg ? { alg } : {}) },
      privateKey,
    };
  }
  if (kind === "jwt-bearer") {
    if (keyFile !== undefined || alg !== undefined) {
      throw only("--private-key-file", "client-credentials");
    }
    if ((assertionFile === undefined) === (assertionEnv === undefined)) {
      throw usageError(
        command,
        "--grant jwt-bearer needs one of --assertion-file PATH or --assertion-env VAR",
      );
    }
    if (assertionFile !== undefined) {
      if (!assertionFile || assertionFile === "-") {
        throw usageError(
          command,
          "--assertion-file needs the path of the file the platform writes",
        );
      }
      return { grant: { kind: "jwt_bearer", assertion: { file: resolve(assertionFile) } } };
    }
    return { grant: { kind: "jwt_bearer", assertion: { env: assertionEnv! } } };
  }
  throw usageError(
    command,
    `--grant is client-credentials or jwt-bearer, not "${kind.slice(0, 40)}"`,
  );
}

/** The PEM text of `--private-key-file` ("-": all of stdin). */
async function readKey(command: string, path: string, io: Io): Promise<string> {
  const text = await readOptionFile(command, "--private-key-file", path, io, "all");
  if (path === "-" && !text?.trim()) {
    throw usageError(command, "--private-key-file -: stdin held no key");
  }
  return text ?? "";
}
