/**
 * What the network corpus tests share: a home with signed-in servers (one of them behind the
 * hostile server), a byte-for-byte snapshot of every file under it, and runners for the CLI
 * commands that reach each network surface, with the checks every bad input must pass.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { join, relative } from "node:path";
import {
  clientKey,
  type ClientRecord,
  tokenKey,
  type TokenRecord,
  writeRecord,
} from "../../src/core/records.ts";
import { errorLines, type MainResult, readHomeFile, removeHome, runMain } from "../cli/helpers.ts";
import type { Answer, HostileServer, Reply, Route } from "../fixtures/hostile-server.ts";
import type { TraceStep } from "../../src/core/trace.ts";
import { seedHome, seedToken } from "../helpers/seed.ts";

/** Every regular file under `dir`, recursively: relative path → base64 content. */
export async function snapshotTree(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const walk = async (d: string) => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else files[relative(dir, path)] = (await readFile(path)).toString("base64");
    }
  };
  await walk(dir);
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** A free loopback port (for a remembered redirect URI). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** A home where `demo` (the hostile server) and two other servers are signed in. */
export interface SignedInHome {
  home: string;
  /** Store key of demo's token. */
  tokenKey: string;
  /** Store key of the hostile AS's client registration. */
  clientKey: string;
  /** The loopback redirect URI of the seeded registration, when there is one. */
  redirectUri?: string;
}

/**
 * Seed a home: two unrelated signed-in servers, then `demo` at the hostile server with a token
 * (expired when `expired`), and a DCR registration at the hostile AS when `client` is set, so a
 * sign-in reuses it and only the code exchange talks to the AS.
 */
export async function signedInHome(
  server: HostileServer,
  options: { expired?: boolean; client?: boolean; expiresInMs?: number } = {},
): Promise<SignedInHome> {
  const { home, store, servers } = await seedHome(2, "mcp-oauth-corpus-");
  const issuer = server.origin;
  await servers.put({ name: "demo", url: server.mcpUrl, issuer });
  const now = Date.now();
  await seedToken(store, {
    issuer,
    url: server.mcpUrl,
    token_endpoint: `${issuer}/token`,
    revocation_endpoint: `${issuer}/revoke`,
    authorization_endpoint: `${issuer}/authorize`,
    client_id: "seeded-client",
    client_source: "dcr",
    access_token: "seeded-access-token",
    refresh_token: "seeded-refresh-token",
    scope: "mcp:read",
    obtained_at: now - 7_200_000,
    expires_at: now + (options.expiresInMs ?? (options.expired ? -60_000 : 3_600_000)),
  });
  let redirectUri: string | undefined;
  if (options.client) {
    redirectUri = `http://127.0.0.1:${await freePort()}/callback`;
    const client: ClientRecord = {
      v: 1,
      source: "dcr",
      issuer,
      client_id: "seeded-client",
      token_endpoint_auth_method: "none",
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code", "refresh_token"],
      registered_at: now - 7_200_000,
    };
    await writeRecord(store, clientKey(issuer), "mcp-oauth-client", client);
  }
  return {
    home,
    tokenKey: tokenKey(issuer, server.mcpUrl),
    clientKey: clientKey(issuer),
    redirectUri,
  };
}

/** The commands of the corpus; each reaches one or more network surfaces. */
export type Command = "discover" | "authorize" | "token" | "refresh" | "revoke";

/** One bad input. */
export interface NetCase {
  /** What is hostile, as the test name shows it. */
  name: string;
  /** Hostile answers, by route (or extra path). */
  replies: (s: HostileServer) => Partial<Record<Route, Reply>> & { paths?: Record<string, Reply> };
  command: Command;
  /** Expected exit code. */
  code: number;
  /** The whole error line after "mcp-oauth: ", or a pattern for it ("{o}" = the origin). */
  error: string | RegExp;
  /** Environment of the run (e.g. a short MCP_OAUTH_HTTP_TIMEOUT_MS). */
  env?: Record<string, string>;
  /** Seed overrides: `client: false` leaves out the stored registration (so DCR runs). */
  seed?: { client?: boolean; expired?: boolean };
  /** More checks on what the server saw. */
  check?: (s: HostileServer, r: MainResult) => void;
}

/** argv of each command against demo. */
export function argvOf(command: Command): string[] {
  switch (command) {
    case "authorize":
      return ["authorize", "demo", "--browser", "none", "--timeout", "20"];
    default:
      return [command, "demo"];
  }
}

/**
 * Run `authorize demo --browser none` in-process and paste back a redirect with the printed
 * state and a code, as a person would after signing in.
 */
export function runAuthorize(
  home: string,
  issuer: string,
  env?: Record<string, string>,
  extraArgs: string[] = [],
): Promise<MainResult> {
  let printed: (v: { url: URL; prefix: string }) => void;
  const ready = new Promise<{ url: URL; prefix: string }>((r) => (printed = r));
  let url: URL | undefined;
  return runMain([...argvOf("authorize"), ...extraArgs], {
    home,
    env,
    onErr: (t) => {
      const u = /^Open this URL to sign in to demo:\n\n {2}(\S+)/.exec(t)?.[1];
      if (u) url = new URL(u);
      const prefix = /\(it starts with (\S+)\):/.exec(t)?.[1];
      if (prefix && url) printed({ url, prefix });
    },
    stdinLines: async function* () {
      const { url, prefix } = await ready;
      const back = new URL(prefix);
      back.searchParams.set("code", "corpus-code");
      back.searchParams.set("state", url.searchParams.get("state")!);
      back.searchParams.set("iss", issuer);
      yield back.href;
    },
  });
}

/** Run a case's command against a home. */
export function runCommand(
  command: Command,
  home: string,
  issuer: string,
  env?: Record<string, string>,
): Promise<MainResult> {
  return command === "authorize"
    ? runAuthorize(home, issuer, env)
    : runMain(argvOf(command), { home, env });
}

/** The one error line of a failed run (asserting there is exactly one, last, and no stack). */
export function theError(r: { err: string[] } | { stderr: string }): string {
  const raw = "err" in r ? r.err : r.stderr;
  const text = Array.isArray(raw) ? raw.join("\n") : raw;
  const { errors, lines } = errorLines(raw);
  assert.equal(errors.length, 1, `exactly one error line:\n${text}`);
  assert.equal(lines.at(-1), errors[0], `the error is the last line:\n${text}`);
  assert.doesNotMatch(text, /^\s+at .+[:(]/m, "no stack trace");
  assert.doesNotMatch(text, /unexpected error/, "no unexpected error");
  return errors[0]!.slice("mcp-oauth: ".length);
}

/** Assert the error line is `expected` (exactly) or matches it. */
export function assertError(actual: string, expected: string | RegExp, origin: string): void {
  if (typeof expected === "string") {
    assert.equal(actual, expected.replaceAll("{o}", origin));
  } else {
    const source = expected.source.replaceAll("\\{o\\}", escape(origin)).replaceAll(
      "{o}",
      escape(origin),
    );
    assert.match(actual, new RegExp(source, expected.flags));
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Run one case: a fresh signed-in home, the hostile answers, the command; then the exit code,
 * the exact error, and every file under the home byte-for-byte unchanged.
 */
export async function runCase(server: HostileServer, c: NetCase): Promise<MainResult> {
  server.reset();
  const seeded = await signedInHome(server, {
    expired: c.command === "token",
    client: c.command === "authorize",
    ...c.seed,
  });
  try {
    server.set(c.replies(server));
    const before = await snapshotTree(seeded.home);
    const r = await runCommand(c.command, seeded.home, server.origin, c.env);
    assert.equal(r.code, c.code, r.err.join("\n"));
    assert.deepEqual(r.out, [], "nothing on stdout");
    assertError(theError(r), c.error, server.origin);
    assert.deepEqual(await snapshotTree(seeded.home), before, "the home is unchanged");
    c.check?.(server, r);
    return r;
  } finally {
    await removeHome(seeded.home);
  }
}

/** A short network timeout for the slow cases (the default is 10 s). */
export const TIMEOUT_ENV: Record<string, string> = { MCP_OAUTH_HTTP_TIMEOUT_MS: "500" };

/** A 200 whose JSON body arrives a byte every 100 ms, never finishing. */
/** A JSON answer. */
export const json = (body: unknown, status = 200): Answer => ({ status, json: body });
/** An HTML error page, as proxies and frameworks send them. */
export const html = (status: number): Answer => ({
  status,
  headers: [["Content-Type", "text/html; charset=utf-8"]],
  body: "<!doctype html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
});
/** A 20 MB JSON body (over the 1 MiB cap). */
export const big = (): Answer => ({
  headers: [["Content-Type", "application/json"]],
  body: `{"pad":"${"x".repeat(20_000_000)}"}`,
});
/** A JSON body that never ends. */
export const endless = (): Answer => ({
  headers: [["Content-Type", "application/json"]],
  body: "[",
  drip: { chunk: `"${"x".repeat(65_000)}",`, everyMs: 1 },
});
/** No answer within any timeout the tests set. */
export const never = (): Answer => ({ delayMs: 5_000, json: {} });

export const SLOW_BODY: Answer = {
  headers: [["Content-Type", "application/json"]],
  body: "{",
  drip: { chunk: " ", everyMs: 100 },
};

/** No C0/C1 control characters other than newline (JSON and text output alike). */
export function assertNoControlCharacters(text: string): void {
  // deno-lint-ignore no-control-regex
  const bad = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/.exec(text);
  assert.equal(bad, null, `control character U+${bad?.[0].charCodeAt(0).toString(16)} in output`);
}

/** What `discover --json` prints. */
export interface DiscoverJson {
  resource: string;
  authRequired: boolean;
  prmUrl: string | null;
  issuer: string;
  legacy: boolean;
  scopes: string[];
  trace: { steps: TraceStep[] };
}

/**
 * `discover demo --json` against the hostile server with `replies`: exit 0, nothing on stderr,
 * the home unchanged; the parsed output and its text.
 */
export async function discoverJson(
  server: HostileServer,
  replies: () => Partial<Record<Route, Reply>> & { paths?: Record<string, Reply> },
  env?: Record<string, string>,
): Promise<{ json: DiscoverJson; stdout: string }> {
  server.reset();
  const seeded = await signedInHome(server);
  try {
    server.set(replies());
    const before = await snapshotTree(seeded.home);
    const r = await runMain(["discover", "demo", "--json"], { home: seeded.home, env });
    assert.equal(r.code, 0, r.err.join("\n"));
    assert.deepEqual(r.err, []);
    assert.deepEqual(await snapshotTree(seeded.home), before, "the home is unchanged");
    const stdout = r.out.join("\n");
    return { json: JSON.parse(stdout) as DiscoverJson, stdout };
  } finally {
    await removeHome(seeded.home);
  }
}

/** The token record stored under `key` in the home's file store, if any. */
export async function tokenRecordAt(home: string, key: string): Promise<TokenRecord | undefined> {
  const text = await readHomeFile(home, "credentials.json");
  const entry = text
    ? (JSON.parse(text) as { credentials: Record<string, { Secret: string }> }).credentials[key]
    : undefined;
  return entry ? JSON.parse(entry.Secret) as TokenRecord : undefined;
}

/** The form of the last request `server` saw for `path`. */
export const lastForm = (server: HostileServer, path: string): URLSearchParams =>
  new URLSearchParams(server.hits(path).at(-1)?.body ?? "");

/** A registration answer of `server` built from what the client sent, with `over` on top. */
export const registered =
  (server: HostileServer, over: Record<string, unknown>, status = 201) =>
  ({ request }: { request: { body: string } }): Answer =>
    json({ ...server.good.registration(JSON.parse(request.body)), ...over }, status);
