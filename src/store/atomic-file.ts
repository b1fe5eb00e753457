/**
 * Read and write whole JSON files safely: writes go to a temp file (mode
 * 0600) that is flushed and renamed over the target, so a crash never leaves
 * a half-written file and a failed write loses nothing already stored.
 *
 * @module
 */
import { chmod, mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { ErrorCode, McpOAuthError } from "../core/errors.ts";

/** Parsed files by path, valid while the file's inode, size and mtime are unchanged. */
const cache = new Map<string, { stamp: string; value: unknown }>();

/**
 * Parse the JSON file at `path`; undefined when it does not exist. Repeated
 * reads of an unchanged file are served from memory (writes replace the file,
 * so its inode changes): callers must not mutate the result unless `fresh`.
 */
export async function readJsonFile(
  path: string,
  options: { fresh?: boolean } = {},
): Promise<unknown> {
  let stamp: string;
  try {
    const info = await stat(path);
    stamp = `${info.ino}:${info.size}:${info.mtimeMs}`;
  } catch (err) {
    return absentOrThrow(path, err);
  }
  const hit = cache.get(path);
  if (!options.fresh && hit?.stamp === stamp) return hit.value;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    return absentOrThrow(path, err);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new McpOAuthError(
      ErrorCode.STORE_FAILED,
      `${path} is not valid JSON; mcp-oauth will not overwrite it. Repair it or move it away, then retry.`,
    );
  }
  if (!options.fresh) cache.set(path, { stamp, value });
  return options.fresh ? value : (cache.get(path)!.value);
}

/** A missing file is undefined; any other read failure is a clear error. */
function absentOrThrow(path: string, err: unknown): undefined {
  if ((err as { code?: string }).code === "ENOENT") return undefined;
  throw new McpOAuthError(
    ErrorCode.STORE_FAILED,
    `Cannot read ${path} (${(err as Error).message}); check its permissions.`,
    { cause: err },
  );
}

/** Replace the file at `path` with `value` as JSON, atomically, mode 0600. */
export async function writeJsonFile(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.${process.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const fh = await open(tmp, "wx", 0o600);
    try {
      await fh.writeFile(JSON.stringify(value, null, 2) + "\n", "utf8");
      await fh.sync();
    } finally {
      await fh.close();
    }
    // open() honours the umask; make sure the mode is exactly 0600.
    await chmod(tmp, 0o600);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    if (err instanceof McpOAuthError) throw err;
    throw new McpOAuthError(
      ErrorCode.STORE_FAILED,
      `Cannot write ${path} (${(err as Error).message}); nothing was changed.`,
      { cause: err },
    );
  }
}
