/**
 * A machine grant as a person gives it to `add` (or the dashboard), checked before anything is
 * stored: the client id it needs, the secret or key its client authentication needs, the
 * private key imported for its algorithm, the assertion's source named once.
 *
 * @module
 */
import { ErrorCode, McpOAuthError } from "../errors.ts";
import type { GrantConfig } from "./grant.ts";
import { importSigningKey } from "./private-key.ts";

/** The grant fields of a server input (see server-input.ts). */
export interface GrantInput {
  grant?: GrantConfig;
  clientId?: string;
  clientSecret?: string;
  /** A private_key_jwt client's PKCS#8 PEM key (RFC 7523 §2.2). */
  privateKey?: string;
}

/** A checked grant: what the definition stores, and the key to keep in the credential store. */
export interface CheckedGrant {
  config: GrantConfig;
  privateKey?: string;
  /** The algorithm the key signs with, when there is one. */
  alg?: string;
}

/** An environment variable name, as POSIX shells allow one. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

function usage(fact: string, advice: string): McpOAuthError {
  return new McpOAuthError(ErrorCode.USAGE, "", { fact, advice });
}

/**
 * Check a grant input; undefined when the server signs in with a browser.
 * @throws McpOAuthError USAGE, one line naming what is missing or wrong, never a secret
 */
export async function validateGrantInput(input: GrantInput): Promise<CheckedGrant | undefined> {
  const grant = input.grant;
  if (!grant) {
    if (input.privateKey) {
      throw usage(
        "A private key was given for a server that signs in with a browser",
        "use it with the client credentials grant",
      );
    }
    return undefined;
  }
  if (!input.clientId) {
    throw usage(
      "A machine grant needs the client id the authorization server knows the client by",
      "give the client id too",
    );
  }
  switch (grant.kind) {
    case "client_credentials": {
      if (grant.auth === "private_key_jwt") {
        if (!input.privateKey) {
          throw usage("private_key_jwt needs the client's private key", "give its PEM file");
        }
        // One client authentication per client (RFC 6749 §2.3): a secret given as well would
        // be kept and never used, so which one the person meant is asked, not guessed.
        if (input.clientSecret) {
          throw usage(
            "Both a client secret and a private key were given",
            "give one: the secret for client_secret_basic, or the key for private_key_jwt",
          );
        }
        const { alg } = await importSigningKey(input.privateKey, grant.alg, "The private key");
        return { config: { ...grant, alg }, privateKey: input.privateKey, alg };
      }
      if (!input.clientSecret) {
        throw usage(
          "The client credentials grant needs the client's secret or private key",
          "give the secret (a file or the environment) or a private key file",
        );
      }
      return { config: { kind: grant.kind, auth: grant.auth } };
    }
    case "jwt_bearer": {
      const a = grant.assertion;
      if ("env" in a && !ENV_NAME.test(a.env)) {
        throw usage(
          `"${a.env.slice(0, 40)}" is not an environment variable name`,
          "name the variable that holds the workload's JWT",
        );
      }
      if ("file" in a && !a.file) {
        throw usage(
          "The workload JWT's file has no path",
          "give the path the platform writes it to",
        );
      }
      return { config: grant };
    }
    case "id_jag":
      return { config: grant };
  }
}
