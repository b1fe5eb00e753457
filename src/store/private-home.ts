/**
 * Keep the mcp-oauth home private. mcp-oauth creates its folders 0700 and its files 0600, but
 * a home can arrive more open than that: copied or restored from a backup, made by hand, or
 * under a umask of 000. A credentials file or proxy key other users can read leaks tokens; a
 * folder or config other users can write lets them swap the config, plant a sign-in marker
 * whose "finish that sign-in" URL is theirs, or hold the locks. Each such entry is tightened
 * (when it is ours) and reported; one that is not ours is refused.
 *
 * @module
 */
import { chmod, lstat } from "node:fs/promises";
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
 * Tighten what is too open in `home` and return one line per change, for the person. Entries
 * that do not exist (or are symlinks, which the file store replaces on its next write) are left
 * alone. Throws when a too-open entry belongs to another user. Does nothing on Windows, whose
 * permissions are not mode bits.
 */
export async function tightenHome(
  home: string,
  uid: number | undefined = process.getuid?.(),
  platform: string = process.platform,
): Promise<string[]> {
  if (platform === "win32") return [];
  const found = await Promise.all(ENTRIES.map(async (e) => {
    const path = e.name ? join(home, e.name) : home;
    const info = await lstat(path).catch(() => undefined);
    return { ...e, path, info };
  }));
  const notes: string[] = [];
  for (const { path, info, dir, tooOpen, mode } of found) {
    if (!info || info.isSymbolicLink() || info.isDirectory() !== dir) continue;
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
