/**
 * A client's private key for private_key_jwt (RFC 7523 §2.2): a PEM PKCS#8 key imported with
 * WebCrypto for one signing algorithm, the key's type and the algorithm checked against each
 * other so a mismatch is one clear line at `add` rather than an AS's invalid_client later.
 *
 * @see https://datatracker.ietf.org/doc/html/rfc7523#section-2.2
 * @see https://www.w3.org/TR/WebCryptoAPI/#dfn-SubtleCrypto-method-importKey
 * @module
 */
import { ErrorCode, McpOAuthError } from "../errors.ts";

/** JWS algorithms (RFC 7518 §3.1, RFC 8037) a client assertion may be signed with. */
const IMPORT: Record<string, RsaHashedImportParams | EcKeyImportParams | Algorithm> = {
  ES256: { name: "ECDSA", namedCurve: "P-256" } as EcKeyImportParams,
  ES384: { name: "ECDSA", namedCurve: "P-384" } as EcKeyImportParams,
  ES512: { name: "ECDSA", namedCurve: "P-521" } as EcKeyImportParams,
  RS256: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
  RS384: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-384" },
  RS512: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-512" },
  PS256: { name: "RSA-PSS", hash: "SHA-256" },
  PS384: { name: "RSA-PSS", hash: "SHA-384" },
  PS512: { name: "RSA-PSS", hash: "SHA-512" },
  EdDSA: { name: "Ed25519" },
};

/** The signing algorithms accepted, in the order tried when none is named. */
export const SIGNING_ALGS: readonly string[] = Object.keys(IMPORT);

/** Tried in turn when no algorithm is named: one per key type (the curve decides ES*). */
const GUESS = ["ES256", "ES384", "ES512", "RS256", "EdDSA"];

/** A key ready for oauth4webapi's PrivateKeyJwt, and the algorithm it signs with. */
export interface SigningKey {
  key: CryptoKey;
  alg: string;
}

function usage(fact: string, advice: string): McpOAuthError {
  return new McpOAuthError(ErrorCode.USAGE, "", { fact, advice });
}

/** The DER bytes of a PEM PKCS#8 private key; a PKCS#1/SEC1 or public key is named as such. */
function pkcs8Der(pem: string, what: string): Uint8Array {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(pem);
  if (!m) {
    throw usage(
      `${what} is not a PEM private key (no "-----BEGIN PRIVATE KEY-----" block)`,
      "give a PKCS#8 PEM file",
    );
  }
  if (m[1] !== "PRIVATE KEY") {
    throw usage(
      `${what} is a "${m[1]}" PEM, not a PKCS#8 "PRIVATE KEY"`,
      "convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY.pem",
    );
  }
  try {
    const bin = atob(m[2]!.replace(/\s+/g, ""));
    const der = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) der[i] = bin.charCodeAt(i);
    if (der.length < 16) throw new Error("short");
    return der;
  } catch {
    throw usage(
      `${what} is a malformed PEM (its base64 body cannot be read)`,
      "give the key file as the provider issued it",
    );
  }
}

/**
 * Import `pem` for `alg` (named: the key must be of that type; absent: the key's own type
 * decides, ES256/ES384/ES512 by curve, RS256 for RSA, EdDSA for Ed25519).
 * @throws McpOAuthError USAGE naming what is wrong, never quoting the key
 */
export async function importSigningKey(
  pem: string,
  alg?: string,
  what = "The private key",
): Promise<SigningKey> {
  if (alg !== undefined && !IMPORT[alg]) {
    throw usage(
      `The signing algorithm "${alg.slice(0, 20)}" is not supported`,
      `use one of ${SIGNING_ALGS.join(", ")}`,
    );
  }
  const der = pkcs8Der(pem, what);
  for (const candidate of alg ? [alg] : GUESS) {
    try {
      const key = await crypto.subtle.importKey(
        "pkcs8",
        der as Uint8Array<ArrayBuffer>,
        IMPORT[candidate]!,
        false,
        ["sign"],
      );
      // WebCrypto may import an EC key for the wrong curve without complaint on some runtimes.
      const curve = (key.algorithm as EcKeyAlgorithm).namedCurve;
      const wanted = (IMPORT[candidate] as EcKeyImportParams).namedCurve;
      if (curve && wanted && curve !== wanted) continue;
      return { key, alg: candidate };
    } catch { /* not this type: try the next, or report below */ }
  }
  if (alg) {
    throw usage(
      `${what} cannot sign with ${alg} (the key is of another type or curve, or malformed)`,
      `name the algorithm that matches the key (one of ${
        SIGNING_ALGS.join(", ")
      }), or leave it out`,
    );
  }
  throw usage(
    `${what} is malformed or of an unsupported type (EC P-256/P-384/P-521, RSA, Ed25519)`,
    "give a PKCS#8 PEM key",
  );
}
