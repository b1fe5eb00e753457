/**
 * Keep the mcp-oauth home private. mcp-oauth creates its folders 0700 and its files 0600, but
 * a home can arrive more open than that: copied or restored from a backup, made by hand, or
 * under a umask of 000. A credentials file or proxy key other users can read leaks tokens; a
 * folder or config other users can write lets them swap the config, plant a sign-in marker
 * whose "finish that sign-in" URL is theirs, or hold the locks. Each such entry is tightened
 * (when it is ours) and reported; one that is not ours is refused.
 *
 * A home reached through a symbolic link is judged by the folder the link leads to (and used
 * by that real path), so a link into another user's world-writable folder is refused like the
 * folder itself. The entries inside must not be links at all: a link could lead the secrets to
 * a file someone else reads or writes.
 *
 * @module
 */
import { chmod, lstat, readlink, realpath } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { ErrorCode, McpOAuthError } from "../core/errors.ts";

/** What must be private, and which permission bits of group and others are too many. */
const ENTRIES: readonly { name: string; dir: boolean; tooOpen: number; mode: number }[] = [
  { name: "", dir: true, tooOpen: 0o022, mode: 0o700 },
  { name: "locks", dir: true, tooOpen: 0o022, mode: 0o700 },
  { name: "sign-ins", dir: true, tooOpen: 0o022, mode: 0o700 },
  // Secrets: nobody else may even read them.
  { name: "credentials.json", dir: false, tooOpen: 0o077, mode: 0o600 },
  { name: "proxy-key.json", dir: false, tooOpen: 0o077, mode: 0o600 },
  // No secret, but whoever can write it decides which servers get the tokens.
  { name: "config.json", dir: false, tooOpen: 0o022, mode: 0o600 },
];

/**
 * The home as the path it really is: every symbolic link on the way resolved, so the checks
 * of {@link tightenHome} and every later use see the same folder. A home that does not exist
 * yet is returned as given (mcp-oauth makes it 0700).
 */
export async function realHome(home: string): Promise<string> {
  try {
    return await realpath(home);
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return home;
    throw new McpOAuthError(
      ErrorCode.STORE_FAILED,
      `The mcp-oauth home ${home} cannot be resolved (${
        (err as { code?: string }).code ?? (err as Error).message
      }); check the path or choose another --home.`,
      { cause: err },
    );
  }
}

/**
 * Tighten what is too open in `home` (resolved to its real path first) and return one line per
 * change, for the person. Entries that do not exist are left alone. Throws when a too-open
 * entry belongs to another user, and when an entry inside the home is a symbolic link. Does
 * nothing on Windows, whose permissions are not mode bits.
 */
export async function tightenHome(
  home: string,
  uid: number | undefined = process.getuid?.(),
  platform: string = process.platform,
): Promise<string[]> {
  if (platform === "win32") return [];
  const real = await realHome(home);
  const found = await Promise.all(ENTRIES.map(async (e) => {
    const path = e.name ? join(real, e.name) : real;
    const info = await lstat(path).catch(() => undefined);
    return { ...e, path, info };
  }));
  const notes: string[] = [];
  for (const { path, info, dir, tooOpen, mode } of found) {
    if (info?.isSymbolicLink()) {
      const target = await readlink(path).catch(() => "?");
      throw new McpOAuthError(
        ErrorCode.STORE_FAILED,
        `${path} is a symbolic link (to ${
          target.slice(0, 200)
        }); mcp-oauth keeps its files in the home itself, so nobody can point them elsewhere. Put the real ${
          dir ? "folder" : "file"
        } there instead of the link (or remove it), then retry.`,
      );
    }
    if (!info || info.isDirectory() !== dir) continue;
    const was = info.mode & 0o777;
    if (!(was & tooOpen)) continue;
    const who = tooOpen === 0o077 ? "readable" : "writable";
    if (uid !== undefined && info.uid !== uid) {
      throw new McpOAuthError(
        ErrorCode.STORE_FAILED,
        `${path} is ${who} by other users (mode ${
          octal(was)
        }) and belongs to another user; choose another --home, or have its owner run "chmod ${
          octal(mode)
        } ${path}".`,
      );
    }
    try {
      await chmod(path, mode);
    } catch (err) {
      throw new McpOAuthError(
        ErrorCode.STORE_FAILED,
        `${path} is ${who} by other users (mode ${octal(was)}) and could not be made ${
          octal(mode)
        } (${(err as Error).message}); fix its permissions, then retry.`,
        { cause: err },
      );
    }
    notes.push(
      `${path} was ${who} by other users (mode ${octal(was)}); mcp-oauth made it ${octal(mode)}.` +
        (tooOpen === 0o077
          ? " Its secrets may have been read: consider revoking and signing in again."
          : ""),
    );
  }
  return notes;
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, "0")}`;
}
