/**
 * What the CLI tests on the real docker-credential-pass share: the oidc-provider fixture, an MCP
 * server behind it, a throwaway password store, and homes that each get a password store of
 * their own with `mcp-oauth` bound to them. {@link passBench} registers the `before`/`after`
 * hooks of the `describe` it is called in.
 *
 * @module
 */
import { after, before } from "node:test";
import assert from "node:assert/strict";
import {
  type AuthorizationServer,
  startAuthorizationServer,
} from "../fixtures/authorization-server.ts";
import { type McpTestServer, startMcpServer } from "../fixtures/mcp-server.ts";
import { makePassStore, PASS_PACKAGES, type PassStore } from "../store/pass-env.ts";
import { type CliResult, removeHome, runCli, tempHome } from "./helpers.ts";

/** Docker's Secret encoding: base64 of JSON. */
export function decodeSecret(secret: string | undefined): Record<string, unknown> | undefined {
  return secret === undefined ? undefined : JSON.parse(atob(secret));
}

/** A home with a password store of its own, and `mcp-oauth` bound to both. */
export interface PassHome {
  home: string;
  passEnv: PassStore["env"];
  cli(...args: string[]): Promise<CliResult>;
}

/** The servers and the store of one test file; see the module doc. */
export interface PassBench {
  readonly as: AuthorizationServer;
  readonly mcp: McpTestServer;
  /** The pass store, or a failure (never a skip) that says what to install. */
  ready(): PassStore;
  /** A new home (named `prefix…`) on `runtime`; `extraArgs` end every command line. */
  home(
    prefix: string,
    runtime: string,
    storeName: string,
    extraArgs?: string[],
  ): Promise<PassHome>;
  /** Delete `home` (and its person log) when the file's tests end. */
  cleanUp(home: string): void;
}

/** Start the bench before the tests of the calling `describe` and stop it after them. */
export function passBench(onStart?: (as: AuthorizationServer) => void): PassBench {
  let as: AuthorizationServer | undefined;
  let mcp: McpTestServer | undefined;
  let pass: PassStore | undefined;
  let setupError: unknown;
  const homes: string[] = [];

  before(async () => {
    as = await startAuthorizationServer();
    const issuer = as;
    mcp = await startMcpServer({ issuer: issuer.issuer, introspect: (t) => issuer.introspect(t) });
    as.allowResource(mcp.url);
    onStart?.(as);
    try {
      pass = await makePassStore();
    } catch (err) {
      setupError = err;
    }
  }, { timeout: 180_000 });
  after(async () => {
    await mcp?.close();
    await as?.close();
    await pass?.remove();
    for (const h of homes) {
      await removeHome(h);
      await removeHome(`${h}-person.jsonl`);
    }
  });

  const bench: PassBench = {
    get as() {
      return as!;
    },
    get mcp() {
      return mcp!;
    },
    ready() {
      if (!pass) {
        throw new Error(
          `The real docker-credential-pass is not usable (${
            (setupError as Error)?.message ?? setupError
          }); install it with: ${PASS_PACKAGES}`,
        );
      }
      return pass;
    },
    async home(prefix, runtime, storeName, extraArgs = []) {
      const p = bench.ready();
      const home = await tempHome(prefix);
      homes.push(home);
      const passEnv = await p.another(storeName);
      const cli = async (...args: string[]): Promise<CliResult> => {
        const r = await runCli([...args, ...extraArgs], {
          home,
          env: { ...passEnv, MCP_OAUTH_RUNTIME: runtime, PERSON_LOG: `${home}-person.jsonl` },
        });
        assert.doesNotMatch(r.stderr, /unexpected error/, `${args.join(" ")}: ${r.stderr}`);
        return r;
      };
      return { home, passEnv, cli };
    },
    cleanUp(home) {
      homes.push(home);
    },
  };
  return bench;
}
