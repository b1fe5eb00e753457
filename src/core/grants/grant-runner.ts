/**
 * One machine grant request for a server, the token service's lock already held: the
 * server's strategy, its client, scopes and DPoP key, one retry on the AS's DPoP nonce; the
 * token stored, the issuer it is keyed by remembered, Docker's copy written for compat servers.
 *
 * @module
 */
import type { Discovery } from "../discover.ts";
import type { DpopKeys } from "../dpop-keys.ts";
import { withDpopNonceRetry } from "../dpop.ts";
import { ErrorCode, McpOAuthError, type Remedy } from "../errors.ts";
import type { HttpContext } from "../http-context.ts";
import type { Lock } from "../lock.ts";
import type { CredentialStore, DockerMirrorPort, ServerRegistry } from "../ports.ts";
import type { TokenRecord } from "../records.ts";
import { scopeTokens } from "../scopes.ts";
import type { ResolvedServer } from "../token-service.ts";
import type { GrantContext, GrantEnvironment } from "./grant.ts";
import { type GrantStrategies, strategyFor } from "./strategies.ts";

/** What a grant request needs from the token service. */
export interface GrantRunnerDeps {
  http: HttpContext;
  store: CredentialStore;
  servers: ServerRegistry;
  lock: Lock;
  now: () => number;
  discover: (server: ResolvedServer["definition"]) => Promise<Discovery>;
  grants?: GrantStrategies;
  environment?: GrantEnvironment;
  docker?: DockerMirrorPort;
  dpopKeys: DpopKeys;
  /** The token service's save: twice, then one line saying what to do. */
  save(
    key: string,
    record: TokenRecord,
    failure: (detail: string) => { fact: string; advice: string; remedy?: Remedy },
  ): Promise<void>;
}

/**
 * Run `server`'s grant once and store what it gives under `key`. `discovery` when the caller
 * has it fresh; `scopes` replace the configured ones for this request (a step-up).
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-4.4
 * @see https://datatracker.ietf.org/doc/html/rfc7523#section-2.1
 */
export async function runGrant(
  d: GrantRunnerDeps,
  server: ResolvedServer,
  key: string,
  discovery: Discovery | undefined,
  scopes?: string[],
): Promise<TokenRecord> {
  const definition = server.definition;
  const grant = definition.grant!;
  const strategy = d.grants && strategyFor(d.grants, grant);
  if (!strategy) {
    throw new McpOAuthError(
      ErrorCode.USAGE,
      `${server.name} uses the grant "${grant.kind}", which this mcp-oauth cannot use.`,
    );
  }
  if (!definition.clientId) {
    throw new McpOAuthError(ErrorCode.NO_CLIENT, "", {
      fact: `${server.name} uses a machine grant but has no client id`,
      advice: "add it again with its client id",
    });
  }
  const found = discovery ?? await d.discover(definition);
  const wanted = scopes ?? definition.scopes ?? scopeTokens(found.challenge?.scope);
  // Bound to the server's DPoP key when the AS offers DPoP (RFC 9449 §5); one retry with the
  // AS's nonce when it asks for one (RFC 9449 §8).
  const dpop = await d.dpopKeys.forGrant(server, definition, found);
  const ctx: GrantContext = {
    http: d.http,
    store: d.store,
    policy: found.policy,
    discovery: found,
    server: { ...server, issuer: found.issuer },
    definition,
    grant,
    clientId: definition.clientId,
    scope: wanted.length ? wanted.join(" ") : undefined,
    sendResource: definition.resource !== false,
    now: d.now,
    lock: d.lock,
    environment: d.environment ?? { env: () => undefined, readFile: noFiles },
    ...(dpop ? { dpop: dpop.handle(), dpopJkt: dpop.jkt } : {}),
  };
  const next = await withDpopNonceRetry(dpop?.handle(), () => strategy.obtain(ctx));
  await d.save(key, next, () => ({
    fact: `The token the ${grant.kind} grant obtained for ${server.name} could not be saved`,
    advice: "fix the credential store, then retry",
  }));
  // Where its tokens are keyed, as a sign-in remembers it.
  if (definition.issuer !== found.issuer && !definition.adhoc) {
    await d.servers.upsert(
      server.name,
      (current) => ({ ...(current ?? definition), issuer: found.issuer }),
    );
  }
  if (server.compat) await d.docker!.mirror(server.name, next);
  return next;
}

/** Without a runtime's files (a library user who gave none), an assertion file cannot be read. */
function noFiles(path: string): Promise<string> {
  return Promise.reject(new Error(`no file access to read ${path}`));
}
