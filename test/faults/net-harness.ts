/**
 * The servers and helpers of the network fault tests: the real oidc-provider and the real MCP
 * SDK server, each behind a fault front (fault-front.ts) on its own origin, and the CLI run
 * in-process with a short network timeout (MCP_OAUTH_HTTP_TIMEOUT_MS).
 *
 * @module
 */
import { after, before } from "node:test";
import assert from "node:assert/strict";
import { getRequestListener } from "@hono/node-server";
import {
  createAuthorizationServer,
  type MountableAuthorizationServer,
} from "../fixtures/authorization-server.ts";
import { createMcpHandler } from "../fixtures/mcp-server.ts";
import { signIn } from "../helpers/person.ts";
import { errorLines, type MainResult, removeHome, runMain, tempHome } from "../cli/helpers.ts";
import { FileStore } from "../../src/store/file-store.ts";
import { type FaultFront, type FaultKind, startFaultFront } from "./fault-front.ts";

/** The network timeout of every CLI run here, ms. */
export const TIMEOUT_MS = 1200;
/** The environment of every CLI run here. */
export const ENV = { MCP_OAUTH_HTTP_TIMEOUT_MS: String(TIMEOUT_MS) };
/** Per-test options. */
export const SLOW = { timeout: 60_000 };

/** The faults after which a request has failed (`slow` within the timeout succeeds). */
export const FAILING: FaultKind[] = ["500", "502", "503", "hang", "reset", "cut"];

/** What {@link useFaultServers} sets up. */
export interface FaultServers {
  as: MountableAuthorizationServer;
  /** In front of the AS; its origin is the issuer. */
  asFront: FaultFront;
  /** In front of the MCP server; its origin is the resource's. */
  mcpFront: FaultFront;
  /** The MCP endpoint, `${mcpFront.url}/mcp`. */
  mcpUrl: string;
  /** A fresh home with `demo` added. */
  newHome(): Promise<string>;
  /** `authorize demo --browser none`, the scripted person signing in and pasting the redirect. */
  authorize(home: string): Promise<MainResult>;
  /** A fresh home signed in to demo. */
  signedInHome(): Promise<string>;
  /** `mcp-oauth ARGV` in-process in `home` with {@link ENV}. */
  run(home: string, ...argv: string[]): Promise<MainResult>;
}

/** In the enclosing scope: the servers before the tests, everything closed and removed after. */
export function useFaultServers(): FaultServers {
  const homes: string[] = [];
  const s = {} as FaultServers;
  before(async () => {
    s.asFront = await startFaultFront(async (origin) => {
      s.as = await createAuthorizationServer(origin);
      return s.as.listener;
    });
    s.mcpFront = await startFaultFront((origin) => {
      const mcp = createMcpHandler(origin, {
        issuer: s.asFront.url,
        introspect: (t) => s.as.introspect(t),
      });
      s.mcpUrl = mcp.url;
      return getRequestListener(mcp.fetch, { overrideGlobalObjects: false });
    });
    s.as.allowResource(s.mcpUrl);
  }, { timeout: 30_000 });

  after(async () => {
    // Every fault injected, for the record (issue 10 asks for the counts).
    const count = (f: FaultFront) =>
      Object.entries(f.injected).filter(([, n]) => n).map(([k, n]) => `${k}×${n}`).join(" ");
    console.log(`network faults injected: AS ${count(s.asFront)}; MCP ${count(s.mcpFront)}`);
    await s.mcpFront?.close();
    await s.asFront?.close();
    await Promise.all(homes.map((h) => removeHome(h)));
  });

  s.newHome = async () => {
    const home = await tempHome("mcp-oauth-faults-");
    homes.push(home);
    const r = await runMain(["add", "demo", s.mcpUrl], { home });
    assert.equal(r.code, 0, r.err.join("\n"));
    return home;
  };
  s.authorize = async (home) => {
    let printed!: (url: string) => void;
    const url = new Promise<string>((resolve) => (printed = resolve));
    return await runMain(["authorize", "demo", "--browser", "none", "--timeout", "30"], {
      home,
      env: ENV,
      onErr: (t) => {
        const m = /^Open this URL to sign in to demo:\n\n {2}(\S+)/.exec(t);
        if (m) printed(m[1]!);
      },
      stdinLines: async function* () {
        yield (await signIn(await url, { stopAtCallback: true })).callbackUrl;
      },
    });
  };
  s.signedInHome = async () => {
    const home = await s.newHome();
    const r = await s.authorize(home);
    assert.equal(r.code, 0, r.err.join("\n"));
    return home;
  };
  s.run = (home, ...argv) => runMain(argv, { home, env: ENV });
  return s;
}

/** Make the stored token expire in `ms` (negative: expired), as if obtained an hour ago. */
export async function age(home: string, ms: number): Promise<void> {
  const store = new FileStore(home);
  const key = Object.keys(await store.list()).find((k) => k.includes("/.mcp-oauth/token/"))!;
  const entry = (await store.get(key))!;
  const record = JSON.parse(entry.Secret);
  record.expires_at = Date.now() + ms;
  record.obtained_at = Date.now() - 3_600_000;
  await store.store({ ...entry, Secret: JSON.stringify(record) });
}

/** `s` as a literal inside a RegExp. */
export const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** What the one error line says happened at `url` for each fault of an OAuth request. */
export function fact(kind: FaultKind, url: string): RegExp {
  const u = esc(url);
  switch (kind) {
    case "500":
    case "502":
    case "503":
      return new RegExp(`at ${u} failed \\(${kind} `);
    case "hang":
      return new RegExp(`failed: No answer from ${u} within ${TIMEOUT_MS / 1000} s`);
    case "reset":
      return new RegExp(`failed: Could not reach ${u} \\(.+\\)`);
    case "cut":
      return new RegExp(`failed: The answer from ${u} \\(200\\) broke off \\(.+\\)`);
    case "slow":
      return new RegExp(`failed: The answer from ${u} \\(200\\) did not finish within`);
  }
}

/** Exactly one error line on stderr, one line, no stack trace, exit `code`; returns the line. */
export function oneError(r: MainResult, code: number): string {
  const text = r.err.join("\n");
  assert.equal(r.code, code, text);
  const { errors, lines } = errorLines(r.err);
  assert.equal(errors.length, 1, `one error line:\n${text}`);
  assert.ok(!lines.some((l) => /^\s+at /.test(l)), `no stack trace:\n${text}`);
  assert.doesNotMatch(errors[0]!, /unexpected error/, "an expected failure, explained");
  return errors[0]!;
}
