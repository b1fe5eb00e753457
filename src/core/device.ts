/**
 * The device authorization grant (RFC 8628), for machines without a browser:
 * the person opens a URL elsewhere and types a code; this side polls.
 *
 * @module
 */
import * as oauth from "oauth4webapi";
import type { AuthorizationServerMetadata } from "./discover.ts";
import { ErrorCode, McpOAuthError } from "./errors.ts";
import type { HttpContext } from "./http-context.ts";
import { recordPolicy } from "./request-policy.ts";
import { lenientTokenResponse } from "./lenient.ts";
import { oauthErrorCode, wrapOAuthError } from "./oauth-errors.ts";
import type { ClientRecord, TokenRecord } from "./records.ts";
import { clientAuth } from "./registration.ts";
import { tokenRecordFrom } from "./tokens.ts";
import type { DpopKey } from "./dpop.ts";
import { assertAllowedUrl, parseUrl } from "./urls.ts";

/** The longest device code lifetime taken as given, in seconds (one day). */
const MAX_DEVICE_CODE_S = 86_400;

/** What the person must do, and how to wait for them. */
export interface DeviceAuthorization {
  verificationUri: string;
  verificationUriComplete?: string;
  userCode: string;
  /** Absolute expiry of the code, ms since the epoch. */
  expiresAt: number;
  /** Poll until the person approves (or denies, or the code expires). */
  poll(signal?: AbortSignal): Promise<TokenRecord>;
}

/** Inputs of {@link startDeviceAuthorization}. */
export interface DeviceInput {
  as: AuthorizationServerMetadata;
  client: ClientRecord;
  /** The server's canonical URL (the token's store key). */
  resource: string;
  /** The RFC 8707 `resource` sent (the PRM's, byte for byte). */
  resourceIndicator: string;
  sendResource: boolean;
  scopes: string[];
  now: () => number;
  /** Bind the tokens to this DPoP key: each poll carries a proof (RFC 9449 §5). */
  dpop?: DpopKey;
}

/**
 * Request a device code and return the polling handle.
 * @see https://datatracker.ietf.org/doc/html/rfc8628#section-3.1
 */
export async function startDeviceAuthorization(
  http: HttpContext,
  input: DeviceInput,
): Promise<DeviceAuthorization> {
  const { as, client: record } = input;
  if (!as.device_authorization_endpoint) {
    throw new McpOAuthError(ErrorCode.DEVICE_FLOW_UNSUPPORTED, "", {
      fact: `${as.issuer} does not offer the device authorization grant`,
      advice: "open the sign-in URL on another machine and paste the redirect back instead",
      remedy: { do: "paste-instead" },
    });
  }
  // Every request of this sign-in goes where the server and its AS may be reached.
  const policy = recordPolicy(http, { resource: input.resource, issuer: as.issuer }, "sign-in");
  const { client, auth } = clientAuth(record);
  const params: Record<string, string> = {};
  if (input.scopes.length) params.scope = input.scopes.join(" ");
  if (input.sendResource) params.resource = input.resourceIndicator;
  let started: oauth.DeviceAuthorizationResponse;
  try {
    const res = await oauth.deviceAuthorizationRequest(
      as,
      client,
      auth,
      params,
      policy.oauth(as.device_authorization_endpoint, "device_authorization_endpoint"),
    );
    started = await oauth.processDeviceAuthorizationResponse(as, client, res);
  } catch (err) {
    throw wrapOAuthError(
      err,
      ErrorCode.AUTHORIZATION_DENIED,
      "The device authorization request",
      as.device_authorization_endpoint,
      "check the client and scopes.",
    );
  }
  for (const key of ["verification_uri", "verification_uri_complete"] as const) {
    const value = started[key];
    if (value !== undefined) assertAllowedUrl(parseUrl(value, key), key, http.allowInsecureHttp);
  }
  // RFC 8628 §3.2: the code's lifetime. An absurd one (1e305 s) is no real time: a day is
  // the most any wait takes (the caller's timeout usually ends it sooner).
  const expiresAt = input.now() + Math.min(started.expires_in, MAX_DEVICE_CODE_S) * 1000;
  return {
    verificationUri: started.verification_uri,
    verificationUriComplete: started.verification_uri_complete,
    userCode: started.user_code,
    expiresAt,
    async poll(signal) {
      let interval = (started.interval ?? 5) * 1000;
      for (;;) {
        await sleep(interval, signal);
        if (input.now() >= expiresAt) {
          throw new McpOAuthError(
            ErrorCode.AUTHORIZATION_TIMEOUT,
            "The device code expired before anyone approved it; run the command again.",
          );
        }
        try {
          const res = await oauth.deviceCodeGrantRequest(
            as,
            client,
            auth,
            started.device_code,
            policy.oauth(as.token_endpoint!, "AS metadata token_endpoint", {
              additionalParameters: input.sendResource
                ? { resource: input.resourceIndicator }
                : undefined,
              ...(input.dpop ? { DPoP: input.dpop.handle() } : {}),
            }),
          );
          const tokens = await oauth.processDeviceCodeResponse(
            as,
            client,
            await lenientTokenResponse(res),
          );
          return tokenRecordFrom(tokens, {
            resource: input.resource,
            issuer: as.issuer,
            authorization_endpoint: as.authorization_endpoint,
            token_endpoint: as.token_endpoint!,
            revocation_endpoint: as.revocation_endpoint,
            client_id: record.client_id,
            client_source: record.source,
            auth_method: record.token_endpoint_auth_method,
            send_resource: input.sendResource,
            ...(input.resourceIndicator !== input.resource
              ? { resource_indicator: input.resourceIndicator }
              : {}),
            scope: input.scopes.join(" ") || undefined,
            ...(input.dpop ? { dpop_jkt: input.dpop.jkt } : {}),
          }, input.now());
        } catch (err) {
          const code = oauthErrorCode(err);
          // The handle kept the AS's DPoP nonce: the next poll carries it (RFC 9449 §8).
          if (code === "authorization_pending" || (input.dpop && oauth.isDPoPNonceError(err))) {
            continue;
          }
          // RFC 8628 §3.5: slow down adds five seconds to every later poll.
          if (code === "slow_down") {
            interval += 5000;
            continue;
          }
          if (code === "access_denied") {
            throw new McpOAuthError(
              ErrorCode.AUTHORIZATION_DENIED,
              "The sign-in was denied on the device page; run the command again to retry.",
            );
          }
          if (code === "expired_token") {
            throw new McpOAuthError(
              ErrorCode.AUTHORIZATION_TIMEOUT,
              "The device code expired before anyone approved it; run the command again.",
            );
          }
          throw wrapOAuthError(
            err,
            ErrorCode.TOKEN_REQUEST_FAILED,
            "Polling for the device sign-in",
            as.token_endpoint!,
            "run the command again.",
          );
        }
      }
    },
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}
