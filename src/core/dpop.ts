/**
 * DPoP (RFC 9449, MCP SEP-1932): one key pair per server, kept in the credential store as a
 * secret (like a refresh token) so that every process can prove possession; oauth4webapi's
 * DPoP handle for token requests, and the proof of each MCP request.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449.html
 * @see https://github.com/modelcontextprotocol/modelcontextprotocol/pull/1932
 * @module
 */
import * as oauth from "oauth4webapi";
import { ErrorCode, McpOAuthError } from "./errors.ts";
import type { Discovery } from "./discover.ts";
import type { CredentialStore, ServerDefinition } from "./ports.ts";
import {
  dpopKeyKey,
  type DpopKeyRecord,
  isDpopKeyRecord,
  readRecord,
  writeRecord,
} from "./records.ts";

/** WebCrypto parameters of each proof algorithm mcp-oauth can use, in order of preference. */
const ALGORITHMS: Record<string, { gen: Algorithm & Record<string, unknown>; sign: Algorithm }> = {
  ES256: {
    gen: { name: "ECDSA", namedCurve: "P-256" },
    sign: { name: "ECDSA", hash: "SHA-256" } as Algorithm,
  },
  ES384: {
    gen: { name: "ECDSA", namedCurve: "P-384" },
    sign: { name: "ECDSA", hash: "SHA-384" } as Algorithm,
  },
  ES512: {
    gen: { name: "ECDSA", namedCurve: "P-521" },
    sign: { name: "ECDSA", hash: "SHA-512" } as Algorithm,
  },
  PS256: {
    gen: rsa("RSA-PSS"),
    sign: { name: "RSA-PSS", saltLength: 32 } as Algorithm,
  },
  RS256: { gen: rsa("RSASSA-PKCS1-v1_5"), sign: { name: "RSASSA-PKCS1-v1_5" } },
};

function rsa(name: string): Algorithm & Record<string, unknown> {
  return { name, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" };
}

/** The proof algorithms mcp-oauth can sign with, ES256 first. */
export const DPOP_ALGORITHMS: readonly string[] = Object.keys(ALGORITHMS);

/** What decides whether a server's tokens are DPoP-bound. */
export interface DpopSignals {
  /** The AS metadata's `dpop_signing_alg_values_supported` (RFC 9449 §5.1). */
  advertised?: unknown;
  /** The MCP server challenged with the DPoP scheme (RFC 9449 §7.1). */
  challenged?: boolean;
  /** The person asked for DPoP (`add --dpop`): refuse a sign-in without it. */
  required?: boolean;
  /** For the refusal's wording. */
  server: string;
  issuer: string;
}

/** How a server's tokens are bound: see {@link dpopBinding}. */
export interface DpopBinding {
  alg: string;
  /** The algorithms the AS accepts, for a stored key made with another one. */
  acceptable: string[];
  /** The person asked for DPoP (`add --dpop`). */
  required: boolean;
}

/**
 * The binding a sign-in or a machine grant gives `server`'s tokens, from what discovery found
 * (the AS's algorithms, the server's challenge); undefined for Bearer tokens.
 * @see https://www.rfc-editor.org/rfc/rfc9449.html#section-5.1
 */
export function dpopBinding(
  server: ServerDefinition,
  discovery: Pick<Discovery, "as" | "challenge" | "issuer">,
): DpopBinding | undefined {
  // The person chose Bearer tokens (`add --no-dpop`): a script needs one it can use alone.
  if (server.dpop === false) return undefined;
  const advertised = discovery.as.dpop_signing_alg_values_supported;
  const alg = chooseDpopAlgorithm({
    advertised,
    challenged: discovery.challenge?.scheme === "dpop",
    required: server.dpop === true,
    server: server.name,
    issuer: discovery.issuer,
  });
  if (!alg) return undefined;
  const acceptable = Array.isArray(advertised)
    ? advertised.filter((a): a is string => typeof a === "string" && a !== "none")
    : [alg];
  return { alg, acceptable, required: server.dpop === true };
}

/**
 * The proof algorithm to bind this server's tokens with, or undefined for Bearer tokens:
 * DPoP whenever the AS advertises an algorithm mcp-oauth has (ES256 preferred) or the server
 * challenged with the DPoP scheme; `required` without either is one clear error.
 * @see https://www.rfc-editor.org/rfc/rfc9449.html#section-5.1
 */
export function chooseDpopAlgorithm(s: DpopSignals): string | undefined {
  const listed = Array.isArray(s.advertised)
    ? s.advertised.filter((a): a is string => typeof a === "string")
    : undefined;
  const alg = listed ? DPOP_ALGORITHMS.find((a) => listed.includes(a)) : undefined;
  if (alg) return alg;
  // A server that challenges with DPoP while its AS lists nothing: ES256, which every DPoP AS has.
  if (s.challenged && !listed?.length) return "ES256";
  if (!s.required) return undefined;
  throw new McpOAuthError(ErrorCode.DPOP_UNSUPPORTED, "", {
    fact: listed?.length
      ? `${s.server} was added with DPoP, but ${s.issuer} offers only the proof algorithms ${
        listed.join(", ")
      }, none of which mcp-oauth has (${DPOP_ALGORITHMS.join(", ")})`
      : `${s.server} was added with DPoP, but ${s.issuer} does not support DPoP (its metadata has no dpop_signing_alg_values_supported)`,
    advice: "add the server again without DPoP, or ask the provider to enable DPoP",
    remedy: { do: "add-without-dpop", server: s.server },
  });
}

/**
 * A server's DPoP key in one process: oauth4webapi's handle for token requests (it keeps the
 * AS's nonce per origin) and proofs for MCP requests with the server's last nonce.
 */
export class DpopKey {
  /** JWS algorithm of the proofs. */
  readonly alg: string;
  /** RFC 7638 thumbprint of the public key: the `cnf.jkt` of bound tokens. */
  readonly jkt: string;
  readonly #pair: CryptoKeyPair;
  readonly #publicJwk: JsonWebKey;
  readonly #nonces = new Map<string, string>();
  readonly #bearerOnly = new Set<string>();
  #handle?: oauth.DPoPHandle;

  constructor(alg: string, jkt: string, pair: CryptoKeyPair, publicJwk: JsonWebKey) {
    this.alg = alg;
    this.jkt = jkt;
    this.#pair = pair;
    this.#publicJwk = publicJwk;
  }

  /** oauth4webapi's handle, for its `DPoP` option on token requests (RFC 9449 §5). */
  handle(): oauth.DPoPHandle {
    return this.#handle ??= oauth.DPoP({}, this.#pair);
  }

  /** True once the server at this URL's origin turned out to know only Bearer tokens. */
  bearerOnly(url: string | URL): boolean {
    return this.#bearerOnly.has(new URL(url).origin);
  }

  /**
   * Remember that the server at this origin knows only Bearer (it challenged a DPoP request
   * with Bearer alone): its requests carry the token as a bearer token, without proofs.
   */
  useBearer(url: string | URL): void {
    this.#bearerOnly.add(new URL(url).origin);
  }

  /** Remember the `DPoP-Nonce` a resource server sent (RFC 9449 §9). */
  noteNonce(url: string | URL, res: Response): boolean {
    const nonce = res.headers.get("dpop-nonce");
    if (!nonce) return false;
    this.#nonces.set(new URL(url).origin, nonce);
    return true;
  }

  /**
   * The proof of one request to a protected resource (RFC 9449 §4.2, §7): `htm`, `htu` without
   * query or fragment, a fresh `jti`, `iat`, `ath` of the token, and the server's nonce if any.
   *
   * Hand-written rather than oauth4webapi's protectedResourceRequest: authFetch (and through it
   * the proxy) sends the caller's Request as it is, a streaming body included, through the
   * request policy's fetch, and reads a 401 itself; protectedResourceRequest makes its own
   * request and throws on a challenge, and the handle's proof method is not public API.
   * @see https://www.rfc-editor.org/rfc/rfc9449.html#section-4.2
   */
  async proof(method: string, url: string | URL, accessToken: string): Promise<string> {
    const u = new URL(url);
    const claims: Record<string, unknown> = {
      jti: b64u(crypto.getRandomValues(new Uint8Array(16))),
      htm: method.toUpperCase(),
      htu: `${u.origin}${u.pathname}`,
      iat: Math.floor(Date.now() / 1000),
      ath: b64u(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(accessToken))),
    };
    const nonce = this.#nonces.get(u.origin);
    if (nonce !== undefined) claims.nonce = nonce;
    const header = { typ: "dpop+jwt", alg: this.alg, jwk: this.#publicJwk };
    const input = `${b64u(json(header))}.${b64u(json(claims))}`;
    const signature = await crypto.subtle.sign(
      ALGORITHMS[this.alg]!.sign,
      this.#pair.privateKey,
      new TextEncoder().encode(input),
    );
    return `${input}.${b64u(new Uint8Array(signature))}`;
  }
}

/**
 * Run a token request; when the AS answers `use_dpop_nonce`, run it once more (the handle has
 * kept the nonce the answer carried).
 * @see https://www.rfc-editor.org/rfc/rfc9449.html#section-8
 */
export async function withDpopNonceRetry<T>(
  dpop: oauth.DPoPHandle | undefined,
  request: () => Promise<T>,
): Promise<T> {
  try {
    return await request();
  } catch (err) {
    // A grant strategy words oauth4webapi's error as an McpOAuthError: its cause tells.
    const cause = (err as { cause?: unknown } | undefined)?.cause;
    if (!dpop || !(oauth.isDPoPNonceError(err) || oauth.isDPoPNonceError(cause))) throw err;
    return await request();
  }
}

/** The server's stored DPoP key, if it has one (RFC 9449 §2). */
export async function loadDpopKey(
  store: CredentialStore,
  issuer: string,
  resource: string,
): Promise<DpopKey | undefined> {
  const record = await readRecord<DpopKeyRecord>(
    store,
    dpopKeyKey(issuer, resource),
    "DPoP key",
    isDpopKeyRecord,
  );
  return record && await fromRecord(record);
}

/**
 * The server's DPoP key for `alg`: the stored one when it uses an acceptable algorithm, else
 * a new key pair, generated extractable so that it can be stored as a JWK.
 */
export async function ensureDpopKey(
  store: CredentialStore,
  issuer: string,
  resource: string,
  alg: string,
  acceptable: readonly string[],
  now: number,
): Promise<DpopKey> {
  const held = await loadDpopKey(store, issuer, resource).catch(() => undefined);
  if (held && (held.alg === alg || acceptable.includes(held.alg))) return held;
  const params = ALGORITHMS[alg];
  if (!params) throw new Error(`unsupported DPoP algorithm ${alg}`);
  const pair = await crypto.subtle.generateKey(params.gen, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
  const key = await fromRecord({ v: 1, kind: "dpop-key", alg, jwk, jkt: "", created_at: now });
  await writeRecord(store, dpopKeyKey(issuer, resource), "mcp-oauth-dpop-key", {
    v: 1,
    kind: "dpop-key",
    alg,
    jwk,
    jkt: key.jkt,
    created_at: now,
  });
  return key;
}

/** Forget a server's DPoP key (its tokens are gone with it). */
export async function eraseDpopKey(
  store: CredentialStore,
  issuer: string,
  resource: string,
): Promise<void> {
  await store.erase(dpopKeyKey(issuer, resource));
}

async function fromRecord(record: DpopKeyRecord): Promise<DpopKey> {
  const params = ALGORITHMS[record.alg];
  if (!params) throw new Error(`unsupported DPoP algorithm ${record.alg}`);
  const importParams = params.gen.name === "ECDSA"
    ? params.gen
    : { name: params.gen.name, hash: "SHA-256" };
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, key_ops: _o, ext: _e, ...pub } =
    record.jwk;
  const publicJwk: JsonWebKey = pub.kty === "EC"
    ? { kty: "EC", crv: pub.crv, x: pub.x, y: pub.y }
    : { kty: "RSA", n: pub.n, e: pub.e };
  const privateKey = await crypto.subtle.importKey(
    "jwk",
    { ...record.jwk, key_ops: ["sign"] },
    importParams,
    false,
    ["sign"],
  );
  // oauth4webapi needs an extractable public key (it embeds it in each proof).
  const publicKey = await crypto.subtle.importKey("jwk", publicJwk, importParams, true, ["verify"]);
  const pair = { privateKey, publicKey };
  const jkt = await oauth.DPoP({}, pair).calculateThumbprint();
  return new DpopKey(record.alg, jkt, pair, publicJwk);
}

function json(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

function b64u(bytes: ArrayBuffer | Uint8Array): string {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let s = "";
  for (const b of u8) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
