/**
 * Whether a process id still names a running process: the liveness test
 * behind lock takeover, sign-in markers and the sweep of temp files that
 * killed writers leave.
 *
 * @module
 */
import process from "node:process";

/**
 * True unless the process is known to be gone. A pid of 0 or below names a
 * process group (kill(0) "succeeds"), never a holder, so it counts as gone.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as { code?: string }).code !== "ESRCH";
  }
}
