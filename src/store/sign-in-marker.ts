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

/** What the marker tells other processes. */
export interface SignInInfo {
  pid: number;
  /** The URL a person opens (authorization URL or device verification URL), once known. */
  url?: string;
  /** A device code to type, when the flow is a device sign-in. */
  userCode?: string;
  /** ms since the epoch after which the marker is void. */
  expiresAt: number;
}

/** The result of {@link SignInMarkers.claim}. */
export type Claim =
  | { claimed: true; update(info: Partial<SignInInfo>): Promise<void>; release(): Promise<void> }
  | { claimed: false; holder: SignInInfo };

/** Marker files under `<home>/sign-ins/`. */
export class SignInMarkers {
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
    for (let attempt = 0; attempt < 3; attempt++) {
      const info: SignInInfo = { pid: process.pid, expiresAt };
      // link() publishes a complete file atomically, or fails if one exists.
      const tmp = `${path}.${process.pid}.${attempt}.tmp`;
      await writeFile(tmp, JSON.stringify(info), { mode: 0o600 });
      try {
        await link(tmp, path);
        return {
          claimed: true,
          update: async (more) => {
            Object.assign(info, more);
            await writeFile(tmp, JSON.stringify(info), { mode: 0o600 });
            await rename(tmp, path);
          },
          release: async () => {
            await rm(path, { force: true });
            await rm(tmp, { force: true });
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
