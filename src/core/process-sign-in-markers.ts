/**
 * Sign-in markers for one process (the file ones, across processes, are
 * src/store/sign-in-marker.ts), as ProcessLock is to the file lock.
 *
 * @module
 */
import type { Claim, SignInInfo, SignInMarkerPort } from "./ports.ts";

/**
 * Markers for one process only (a library user without a home, tests): one
 * sign-in per server within this process.
 */
export class ProcessSignInMarkers implements SignInMarkerPort {
  readonly #held = new Map<string, SignInInfo>();

  claim(key: string, expiresAt: number): Promise<Claim> {
    const holder = this.#live(key);
    if (holder) return Promise.resolve({ claimed: false, holder });
    const info: SignInInfo = { pid: 0, expiresAt };
    this.#held.set(key, info);
    return Promise.resolve({
      claimed: true,
      update: (more) => Promise.resolve(void Object.assign(info, more)),
      release: () => Promise.resolve(void (this.#held.get(key) === info && this.#held.delete(key))),
    });
  }

  read(key: string): Promise<SignInInfo | undefined> {
    return Promise.resolve(this.#live(key));
  }

  #live(key: string): SignInInfo | undefined {
    const info = this.#held.get(key);
    return info && info.expiresAt > Date.now() ? { ...info } : undefined;
  }
}
