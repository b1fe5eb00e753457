#!/usr/bin/env node
/**
 * Secret scan of a test run (issue 10, S26): looks for every secret in the ledger the fixtures
 * wrote (MCP_OAUTH_SECRET_LEDGER, one JSON {"kind","value"} per line) in each log given (the
 * runners' output, the output log of commands and pages). Secrets shorter than --min (default
 * 8) characters are ignored: they are test placeholders that occur anywhere.
 *
 *   node scripts/scan-secrets.mjs --ledger FILE [--min 8] LOG...
 *
 * Prints one line per secret found in a file, with the secret's first 4 characters only, then
 * "secret scan: N secrets, M bytes of output, K hits". Exit 0 without hits, 1 with hits, 2 when
 * it cannot scan (no ledger, an unreadable log, a malformed ledger line).
 *
 * Plain Node, no dependencies.
 * @module
 */
import { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import process from "node:process";

function fail(message) {
  process.stderr.write(`scan-secrets: ${message}\n`);
  process.exit(2);
}

const argv = process.argv.slice(2);
let ledger;
let min = 8;
const logs = [];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--ledger") ledger = argv[++i];
  else if (a === "--min") min = Number(argv[++i]);
  else if (a.startsWith("-")) fail(`unknown option ${a}`);
  else logs.push(a);
}
if (!ledger) fail("--ledger FILE is required");
if (!Number.isInteger(min) || min < 1) fail("--min must be a positive integer");

/** Distinct secrets long enough to scan for, each with the kinds it was recorded as. */
const secrets = new Map();
let text;
try {
  text = readFileSync(ledger, "utf8");
} catch (err) {
  fail(`cannot read the ledger ${ledger} (${err.message})`);
}
text.split("\n").forEach((line, i) => {
  if (!line.trim()) return;
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    fail(`${ledger}:${i + 1} is not JSON`);
  }
  if (typeof entry?.value !== "string" || typeof entry?.kind !== "string") {
    fail(`${ledger}:${i + 1} has no string "kind" and "value"`);
  }
  if (entry.value.length < min) return;
  const kinds = secrets.get(entry.value) ?? new Set();
  kinds.add(entry.kind);
  secrets.set(entry.value, kinds);
});

// Index the secrets by their first `min` characters, so each log is read once whatever the
// number of secrets: at each position a lookup, and a full comparison only on a prefix match.
const byPrefix = new Map();
for (const s of secrets.keys()) {
  const p = s.slice(0, min);
  const list = byPrefix.get(p) ?? [];
  list.push(s);
  byPrefix.set(p, list);
}

let bytes = 0;
let hits = 0;
for (const path of logs) {
  let content;
  try {
    content = readFileSync(path, "utf8");
  } catch (err) {
    fail(`cannot read ${path} (${err.message})`);
  }
  bytes += Buffer.byteLength(content);
  /** secret → [occurrences, first line] */
  const found = new Map();
  let line = 1;
  for (let i = 0; i + min <= content.length; i++) {
    if (content.charCodeAt(i) === 10) line++;
    const candidates = byPrefix.get(content.slice(i, i + min));
    if (!candidates) continue;
    for (const s of candidates) {
      if (!content.startsWith(s, i)) continue;
      const f = found.get(s);
      if (f) f[0]++;
      else found.set(s, [1, line]);
    }
  }
  for (const [s, [count, first]] of found) {
    hits++;
    const kinds = [...secrets.get(s)].join("/");
    process.stdout.write(
      `secret scan: ${path}:${first}: ${kinds} ${s.slice(0, 4)}… (${count} time${
        count > 1 ? "s" : ""
      })\n`,
    );
  }
}
process.stdout.write(
  `secret scan: ${secrets.size} secrets, ${bytes} bytes of output, ${hits} hits\n`,
);
process.exit(hits ? 1 : 0);
