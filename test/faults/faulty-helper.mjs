#!/usr/bin/env node
/**
 * A fault-injecting wrapper around a real (or fake) Docker credential helper, run as
 * `faulty-helper.mjs INNER ACTION` by a `docker-credential-faulty-INNER` launcher (see
 * helper-faults.test.ts). It runs the inner helper with the same action and stdin: `fake-ok`
 * is test/fixtures/fake-helpers in its `ok` mode (run with the runtime running this script),
 * `pass` the real docker-credential-pass; unless a fault applies:
 *
 * - FAULT_ACTION: `store`, `get`, `erase`, `list` or `*`: the calls that may fail;
 * - FAULT_KEY: only calls whose key (the ServerURL of a store) contains this text;
 * - FAULT_KIND: `exit` (exit 1 with a message, nothing done), `kill` (SIGKILL itself before
 *   doing anything), `killafter` (the inner helper did its work, then SIGKILL), `hang` (never
 *   answers, nothing done), `hangafter` (the inner helper did its work, then never answers),
 *   `garbage` (prints a non-JSON page, exit 0, nothing done);
 * - FAULT_SKIP: let this many matching calls through first; FAULT_TIMES: fault this many
 *   (default: all after the skipped ones). Counted in $FAULT_DIR/count.
 *
 * Every call appends {action, key, pid, fault} to $FAULT_DIR/calls.jsonl (the key, never a
 * secret), so tests can check that a hung helper was killed.
 *
 * Plain JavaScript so it runs on Node without a TypeScript loader.
 * @module
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const FAKE = fileURLToPath(
  new URL("../fixtures/fake-helpers/docker-credential-fake.mjs", import.meta.url),
);
const inner = process.argv[2] ?? "";
const action = process.argv[3] ?? "";
const dir = process.env.FAULT_DIR;
if (!dir) {
  process.stdout.write("faulty: FAULT_DIR is not set\n");
  process.exit(1);
}

let input = "";
try {
  input = readFileSync(0, "utf8");
} catch { /* no stdin */ }

let key = input.trim();
if (action === "store") {
  try {
    key = String(JSON.parse(input).ServerURL ?? "");
  } catch { /* inner helper will complain */ }
}

/** Does this call get the fault? Counts the matching calls in $FAULT_DIR/count. */
function faulted() {
  const wanted = process.env.FAULT_ACTION;
  if (!wanted || !process.env.FAULT_KIND) return false;
  if (wanted !== "*" && wanted !== action) return false;
  if (process.env.FAULT_KEY && !key.includes(process.env.FAULT_KEY)) return false;
  const file = join(dir, "count");
  let seen = 0;
  try {
    seen = Number(readFileSync(file, "utf8")) || 0;
  } catch { /* first call */ }
  writeFileSync(file, String(++seen));
  const skip = Number(process.env.FAULT_SKIP ?? 0);
  const times = Number(process.env.FAULT_TIMES ?? Infinity);
  return seen > skip && seen <= skip + times;
}

const fault = faulted() ? process.env.FAULT_KIND : undefined;
appendFileSync(
  join(dir, "calls.jsonl"),
  `${JSON.stringify({ action, key, pid: process.pid, fault: fault ?? null })}\n`,
);

/** Never answer; mcp-oauth must kill this process. Gone after a minute anyway, if it does not. */
const hang = () => setTimeout(() => process.exit(1), 60_000);

switch (fault) {
  case "exit":
    process.stdout.write("faulty: the keychain daemon crashed\n");
    process.exit(1);
    break;
  case "kill":
    process.kill(process.pid, "SIGKILL");
    break;
  case "hang":
    hang();
    break;
  case "garbage":
    process.stdout.write("<html><body>502 Bad Gateway</body></html>\n");
    process.exit(0);
    break;
  default: {
    const [program, args, env] = inner === "fake-ok"
      ? [process.execPath, [FAKE, action], { ...process.env, FAKE_HELPER_MODE: "ok" }]
      : [`docker-credential-${inner}`, [action], process.env];
    const r = spawnSync(program, args, { input, env, maxBuffer: 64 << 20 });
    if (r.error) {
      process.stdout.write(`faulty: cannot run ${program}: ${r.error.message}\n`);
      process.exit(1);
    }
    if (fault === "killafter") process.kill(process.pid, "SIGKILL");
    if (fault === "hangafter") {
      hang();
      break;
    }
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    process.exitCode = r.status ?? 1;
  }
}
