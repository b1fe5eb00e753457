/**
 * A cross-process lock built on an exclusively created lock file, so two
 * mcp-oauth processes never refresh the same token or rewrite the same file
 * at once. Works the same on Bun, Deno and Node.
 *
 * @module
 */
import { mkdir, open, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Lock } from "../core/lock.ts";
import { ErrorCode, McpOAuthError } from "../core/errors.ts";
import { fileNameHash } from "./file-name-hash.ts";
import { processAlive } from "./process-alive.ts";

/** Options of {@link FileLock}. */
export interface FileLockOptions {
  /** Give up waiting after this many ms. */
  timeoutMs?: number;
  /** A lock older than this is considered abandoned. */
  staleMs?: number;
}

/** Locks named by key, as files in `dir`. */
export class FileLock implements Lock {
  readonly #dir: string;
  readonly #timeoutMs: number;
  readonly #staleMs: number;

  constructor(dir: string, options: FileLockOptions = {}) {
    this.#dir = dir;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#staleMs = options.staleMs ?? 60_000;
  }

  /** The lock file for `key`. */
  pathFor(key: string): string {
    return join(this.#dir, `${fileNameHash(key)}.lock`);
  }

  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const path = this.pathFor(key);
    const mine = await this.#acquire(path);
    try {
      return await fn();
    } finally {
      // Only remove the lock if it is still ours (a very slow holder may have been taken over).
      const now = await readFile(path, "utf8").catch(() => "");
      if (now === mine) await rm(path, { force: true }).catch(() => {});
    }
  }

  /** Take the lock; resolves to the content written, which identifies this holder. */
  async #acquire(path: string): Promise<string> {
    try {
      await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new McpOAuthError(
        ErrorCode.STORE_FAILED,
        `Cannot create the lock folder ${this.#dir} (${
          (err as { code?: string }).code ?? (err as Error).message
        }); make sure the mcp-oauth home (--home or $MCP_OAUTH_HOME) is a folder you can write to.`,
        { cause: err },
      );
    }
    const deadline = Date.now() + this.#timeoutMs;
    // Short waits: a refresh holds the lock for one round trip, and waiters should follow at once.
    for (let delay = 5;; delay = Math.min(delay * 2, 25)) {
      try {
        const fh = await open(path, "wx", 0o600);
        const content = `${process.pid} ${Date.now()} ${crypto.randomUUID()}\n`;
        await fh.writeFile(content);
        await fh.close();
        return content;
      } catch (err) {
        if ((err as { code?: string }).code !== "EEXIST") {
          throw new McpOAuthError(
            ErrorCode.STORE_FAILED,
            `Cannot create the lock file ${path} (${(err as Error).message}).`,
            { cause: err },
          );
        }
      }
      if (await this.#isAbandoned(path)) {
        await this.#takeOver(path);
        continue;
      }
      if (Date.now() > deadline) {
        throw new McpOAuthError(
          ErrorCode.STORE_FAILED,
          `Another mcp-oauth process has held ${path} for over ${
            this.#timeoutMs / 1000
          } s; if none is running, delete that file.`,
        );
      }
      await new Promise((r) => setTimeout(r, delay + Math.random() * delay));
    }
  }

  /**
   * Remove an abandoned lock, one waiter at a time: without the guard, two
   * waiters that both saw it abandoned could each remove it, and the second
   * would remove the lock the first had just taken.
   */
  async #takeOver(path: string): Promise<void> {
    const guard = `${path}.takeover`;
    try {
      await (await open(guard, "wx", 0o600)).close();
    } catch (err) {
      if ((err as { code?: string }).code !== "EEXIST") throw err;
      // Someone else is taking over; a guard left by a dead process expires quickly.
      const info = await stat(guard).catch(() => undefined);
      if (info && Date.now() - info.mtimeMs > 2000) await rm(guard, { force: true });
      return;
    }
    try {
      if (await this.#isAbandoned(path)) await rm(path, { force: true });
    } finally {
      await rm(guard, { force: true });
    }
  }

  /** The holder died (its pid is gone) or the lock is older than staleMs. */
  async #isAbandoned(path: string): Promise<boolean> {
    try {
      const [text, info] = await Promise.all([readFile(path, "utf8"), stat(path)]);
      if (Date.now() - info.mtimeMs > this.#staleMs) return true;
      const pid = Number(text.split(" ")[0]);
      if (!Number.isInteger(pid) || pid <= 0) return Date.now() - info.mtimeMs > 1000;
      return !processAlive(pid);
    } catch {
      // Gone between our open() and now: try again at once.
      return false;
    }
  }
}
