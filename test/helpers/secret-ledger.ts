/**
 * The secret ledger and the output log of the test run (issue 10, S26): fixtures append every
 * secret they issue or see to $MCP_OAUTH_SECRET_LEDGER, test helpers append what the CLI and the
 * dashboard printed to $MCP_OAUTH_OUTPUT_LOG, and scripts/scan-secrets.mjs looks for each secret
 * in that log and in the runners' own output. With neither variable set (a plain `bun test`)
 * every function here returns at once.
 *
 * Ledger lines: JSON `{"kind": "...", "value": "..."}`. Output log: one block per record, a
 * `=== label` line then the text.
 *
 * @module
 */
import { appendFileSync } from "node:fs";
import process from "node:process";

/** Where secrets are recorded, read once: undefined when the run does not scan. */
export const SECRET_LEDGER: string | undefined = process.env.MCP_OAUTH_SECRET_LEDGER || undefined;

/** Where output is recorded, read once: undefined when the run does not scan. */
export const OUTPUT_LOG: string | undefined = process.env.MCP_OAUTH_OUTPUT_LOG || undefined;

/**
 * Commands whose stdout is, by contract, a secret: their stdout is not logged (their stderr
 * is). Only secrets the ledger holds matter here; `proxy-key` and `config --transport proxy`
 * print mcp-oauth's own proxy key, which the fixtures never see, so their output is scanned.
 */
export const PRINTS_SECRETS: Readonly<Record<string, string>> = {
  token: "prints the access token (or, with --json, the token set) for scripts: " +
    "`Authorization: Bearer $(mcp-oauth token NAME)`",
};

/** Record a secret a fixture issued or received. Values that are not strings are ignored. */
export function recordSecret(kind: string, value: unknown): void {
  if (!SECRET_LEDGER || typeof value !== "string" || value === "") return;
  appendFileSync(SECRET_LEDGER, JSON.stringify({ kind, value }) + "\n");
}

/** Record output a person or a script would see (a page, a command's stderr). */
export function recordOutput(label: string, text: string | undefined): void {
  if (!OUTPUT_LOG || !text) return;
  appendFileSync(OUTPUT_LOG, `=== ${label}\n${text}${text.endsWith("\n") ? "" : "\n"}`);
}

/** The command of a CLI argument vector: the first word that is not a global option. */
export function commandOf(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--home" || a === "--store") i++;
    else if (!a.startsWith("-")) return a;
  }
  return undefined;
}

/**
 * Record what one CLI run printed: stderr always, stdout unless the command is one of
 * {@link PRINTS_SECRETS}.
 */
export function recordCommand(args: readonly string[], stdout: string, stderr: string): void {
  if (!OUTPUT_LOG) return;
  const command = commandOf(args) ?? "";
  // The label shows the command line, but not a secret given on it.
  const shown = args.map((a, i) =>
    args[i - 1] === "--client-secret" ? "…" : a.replace(/^(--client-secret=).*/, "$1…")
  );
  const label = `mcp-oauth ${shown.join(" ")}`.slice(0, 200);
  if (!Object.hasOwn(PRINTS_SECRETS, command)) recordOutput(`${label} (stdout)`, stdout);
  recordOutput(`${label} (stderr)`, stderr);
}
