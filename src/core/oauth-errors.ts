/**
 * Turn oauth4webapi's errors into one-line {@link McpOAuthError}s. Only the
 * OAuth `error` code and a trimmed `error_description` are shown: response
 * bodies can hold tokens and are never printed (RFC 6750 §5.3).
 *
 * @module
 */
import * as oauth from "oauth4webapi";
import { type ErrorCode, McpOAuthError, oneLine, type Remedy } from "./errors.ts";
import { NetworkError } from "./http.ts";

/** The OAuth `error` code of a ResponseBodyError, if that is what `err` is. */
export function oauthErrorCode(err: unknown): string | undefined {
  if (err instanceof oauth.ResponseBodyError) return err.error;
  // A 401 with `WWW-Authenticate: Basic error="invalid_client"` (client_secret_basic).
  if (err instanceof oauth.WWWAuthenticateChallengeError) {
    return err.cause.find((c) => typeof c.parameters.error === "string")?.parameters.error;
  }
  return undefined;
}

/**
 * Wrap any failure of an OAuth request as `code`, naming `what` and `url`;
 * `hint` is the advice in words, `remedy` the same as data (see {@link Remedy}).
 */
export function wrapOAuthError(
  err: unknown,
  code: ErrorCode,
  what: string,
  url: string,
  hint: string,
  remedy?: Remedy,
): McpOAuthError {
  const advice = hint.replace(/\.$/, "");
  // Network failures already name the URL; say which step they broke, and what to do about it.
  if (err instanceof NetworkError) {
    return new McpOAuthError(err.code, "", {
      cause: err,
      fact: `${what} failed: ${err.fact}`,
      advice,
      remedy,
    });
  }
  if (err instanceof McpOAuthError) {
    return err.remedy
      ? new McpOAuthError(err.code, "", {
        cause: err,
        fact: `${what} failed: ${err.fact}`,
        advice: err.advice,
        remedy: err.remedy,
      })
      : new McpOAuthError(err.code, `${what} failed: ${err.message}`, { cause: err });
  }
  let reason: string;
  if (err instanceof oauth.ResponseBodyError) {
    reason = `${err.status} ${err.error}${errorDescription(err, 160)}`;
  } else if (err instanceof oauth.WWWAuthenticateChallengeError) {
    reason = `${err.status} ${err.cause.map((c) => c.parameters.error ?? c.scheme).join(", ")}`;
  } else if (err instanceof oauth.OperationProcessingError) {
    const status = err.cause instanceof Response ? `${err.cause.status} ` : "";
    reason = `${status}${oneLine(err.message.replaceAll('"response"', "the response"), 160)}`;
    // The only JWT in the responses handled here is an ID Token: say so.
    if (/\bJWT\b/.test(err.message)) reason = `the response's id_token was refused: ${reason}`;
  } else if (err instanceof oauth.UnsupportedOperationError && /token_type/.test(err.message)) {
    const type = (err.cause as { body?: { token_type?: unknown } } | undefined)?.body?.token_type;
    reason = `the token_type "${oneLine(String(type), 40)}" is not supported, only Bearer`;
  } else if (err instanceof Error) {
    reason = oneLine(err.message, 160);
  } else {
    reason = oneLine(describeValue(err), 160);
  }
  return new McpOAuthError(code, "", {
    cause: err,
    fact: `${what} at ${url} failed (${reason})`,
    advice,
    remedy,
  });
}

/** The text of a thrown value that is no Error; never throws itself ({"toString": 1} would). */
function describeValue(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * An OAuth error response's `error_description`, one line of at most `max` characters after
 * ": ", any JWT in it hidden; "" when there is none (RFC 6749 §5.2).
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-5.2
 */
export function errorDescription(err: unknown, max: number): string {
  return err instanceof oauth.ResponseBodyError && err.error_description
    ? `: ${oneLine(err.error_description.replace(JWT, "[a JWT]"), max)}`
    : "";
}

/**
 * A JWT (a workload's assertion, an id_token, an ID-JAG, a client assertion) an authorization
 * server may quote back in its error_description: the line goes to terminals and CI logs, so
 * it is never shown (RFC 7519 §3: base64url header, payload, signature).
 */
const JWT = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)?/g;
