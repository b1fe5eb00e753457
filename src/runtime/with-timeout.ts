/**
 * The one timeout and kill policy of the runtime adapters' `run`: after
 * `timeoutMs` the process is killed (SIGKILL), and the wait ends 200 ms later
 * even if a grandchild keeps its pipes open. The adapters only say how to
 * wait for and kill their own kind of process.
 *
 * @module
 */
import type { SpawnResult } from "./runtime.ts";

/** The outcome of `waitFor`, or a timed-out result when the process had to be killed. */
export async function withTimeout(
  waitFor: Promise<Omit<SpawnResult, "timedOut">>,
  kill: () => void,
  timeoutMs: number | undefined,
): Promise<SpawnResult> {
  let killed = false;
  let expire!: () => void;
  const expired = new Promise<undefined>((resolve) => (expire = () => resolve(undefined)));
  const timer = timeoutMs
    ? setTimeout(() => {
      killed = true;
      kill();
      setTimeout(expire, 200);
    }, timeoutMs)
    : undefined;
  try {
    const done = await Promise.race([waitFor, expired]);
    if (!done) return { code: 137, stdout: "", stderr: "", timedOut: true };
    return { ...done, timedOut: killed };
  } finally {
    clearTimeout(timer);
  }
}
