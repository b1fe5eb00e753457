/**
 * One sign-in at a time per server, across processes: the process that runs
 * a sign-in holds a marker file naming its authorization URL; any other
 * process that wants to sign in to the same server finds it and waits for
 * that sign-in instead of opening a second browser tab.
 *
 * @module
 */
import { link, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileNameHash } from "./file-name-hash.ts";
import { processAlive } from "./process-alive.ts";
import type { Claim, SignInInfo, SignInMarkerPort } from "../core/ports.ts";

export type { Claim, SignInInfo } from "../core/ports.ts";

/** Writes by this process, for unique temp file names. */
let writes = 0;

/** Marker files under `<home>/sign-ins/`. */
export class SignInMarkers implements SignInMarkerPort {
  readonly #dir: string;
  constructor(home: string) {
    this.#dir = join(home, "sign-ins");
  }

  /** The marker path for a server key (its canonical URL). */
  pathFor(key: string): string {
    return join(this.#dir, `${fileNameHash(key)}.json`);
  }

  /** Become the one signing in to `key`, or learn who already is. */
  async claim(key: string, expiresAt: number): Promise<Claim> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const path = this.pathFor(key);
    // One temp name per write: a process may claim one key twice (two dashboard tabs), and a
    // shared name would let the second claim's write change the first one's marker.
    const tmpFor = () => `${path}.${process.pid}.${++writes}.tmp`;
    for (let attempt = 0; attempt < 3; attempt++) {
      const info: SignInInfo = { pid: process.pid, expiresAt };
      const tmp = tmpFor();
      await writeFile(tmp, JSON.stringify(info), { mode: 0o600 });
      try {
        // link() publishes a complete file atomically, or fails if one exists.
        await link(tmp, path);
        await rm(tmp, { force: true });
        return {
          claimed: true,
          update: async (more) => {
            Object.assign(info, more);
            const next = tmpFor();
            await writeFile(next, JSON.stringify(info), { mode: 0o600 });
            await rename(next, path);
          },
          release: async () => {
            await rm(path, { force: true });
          },
        };
      } catch (err) {
        await rm(tmp, { force: true });
        if ((err as { code?: string }).code !== "EEXIST") throw err;
      }
      const holder = await this.read(key);
      if (holder) return { claimed: false, holder };
      await rm(path, { force: true });
    }
    throw new Error(`cannot claim the sign-in marker ${path}`);
  }

  /** The live marker for `key`, or undefined (a dead holder's marker counts as none). */
  async read(key: string): Promise<SignInInfo | undefined> {
    let info: SignInInfo;
    try {
      info = JSON.parse(await readFile(this.pathFor(key), "utf8"));
    } catch {
      return undefined;
    }
    // A pid of 0 or below names a process group (kill(0) or kill(-1) "succeeds"), not a holder.
    const pid = info?.pid;
    const expiresAt = info?.expiresAt;
    if (
      !Number.isInteger(pid) || pid <= 0 || typeof expiresAt !== "number" ||
      !(expiresAt > Date.now()) || !processAlive(pid)
    ) {
      return undefined;
    }
    // Only fields of the documented types: the holder's URL and code are printed.
    return {
      pid,
      expiresAt,
      ...(typeof info.url === "string" ? { url: info.url } : {}),
      ...(typeof info.userCode === "string" ? { userCode: info.userCode } : {}),
    };
  }
}
