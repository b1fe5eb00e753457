/**
 * Read and write whole JSON files safely: writes go to a temp file (mode
 * 0600) that is flushed and renamed over the target, so a crash never leaves
 * a half-written file and a failed write loses nothing already stored.
 *
 * @module
 */
import { statSync } from "node:fs";
import { chmod, mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { ErrorCode, McpOAuthError } from "../core/errors.ts";
import { processAlive } from "./process-alive.ts";

/** Parsed files by path, valid while the file's inode, size and mtime are unchanged. */
const cache = new Map<string, { stamp: string; value: unknown }>();
/** Shared reads in progress: N concurrent readers (a dashboard page's rows) cost one stat. */
const inflight = new Map<string, Promise<unknown>>();

/**
 * Parse the JSON file at `path`; undefined when it does not exist. Repeated
 * reads of an unchanged file are served from memory (writes replace the file,
 * so its inode changes), and reads that overlap share one: callers must not
 * mutate the result unless `fresh`.
 */
export function readJsonFile(
  path: string,
  options: { fresh?: boolean } = {},
): Promise<unknown> {
  if (options.fresh) return readOnce(path, true);
  let pending = inflight.get(path);
  if (!pending) {
    pending = readOnce(path, false).finally(() => {
      if (inflight.get(path) === pending) inflight.delete(path);
    });
    inflight.set(path, pending);
  }
  return pending;
}

/**
 * The identity of the file's current content: inode, size and mtime (writes
 * rename a new file into place, so the inode changes); "absent" when there is
 * no file, undefined when it cannot be read.
 */
export function fileStamp(path: string): string | undefined {
  try {
    // A stat is a few microseconds; the thread-pool hop of the async one costs more than it.
    const info = statSync(path);
    return `${info.ino}:${info.size}:${info.mtimeMs}`;
  } catch (err) {
    return (err as { code?: string }).code === "ENOENT" ? "absent" : undefined;
  }
}

async function readOnce(path: string, fresh: boolean): Promise<unknown> {
  const options = { fresh };
  let stamp: string;
  try {
    const info = statSync(path);
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
    // Editors on Windows may save a byte-order mark; JSON.parse would refuse it.
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    throw new McpOAuthError(
      ErrorCode.STORE_FAILED,
      `${path} is not valid JSON; mcp-oauth will not overwrite it. Repair it or move it away, then retry.`,
    );
  }
  if (!options.fresh) cache.set(path, { stamp, value });
  return options.fresh ? value : (cache.get(path)!.value);
}

/**
 * Remove the temp files of writers that were killed mid-write: each is a full
 * copy of the secrets, so none may linger. Best effort; never fails a write.
 */
async function sweepOrphans(path: string): Promise<void> {
  const dir = dirname(path);
  const prefix = `${basename(path)}.`;
  try {
    for (const name of await readdir(dir)) {
      const m = name.startsWith(prefix) &&
        /^(\d+)\.[0-9a-f-]{8}\.tmp$/.exec(name.slice(prefix.length));
      if (m && !processAlive(Number(m[1]))) await rm(join(dir, name), { force: true });
    }
  } catch { /* the next write tries again */ }
}

/** A missing file is undefined; any other read failure is a clear error. */
function absentOrThrow(path: string, err: unknown): undefined {
  const code = (err as { code?: string }).code;
  if (code === "ENOENT") return undefined;
  if (code === "EISDIR") {
    throw new McpOAuthError(
      ErrorCode.STORE_FAILED,
      `${path} is a folder, not a file; move it away, then retry.`,
      { cause: err },
    );
  }
  if (code === "ENOTDIR") {
    throw new McpOAuthError(
      ErrorCode.STORE_FAILED,
      `The mcp-oauth home ${
        dirname(path)
      } is not a folder; give --home (or $MCP_OAUTH_HOME) a folder, or move that file away.`,
      { cause: err },
    );
  }
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
    // A read that began before this write must not be shared with readers that come after it.
    inflight.delete(path);
    await sweepOrphans(path);
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
