/** Types of person.mjs (a scripted browser user for the oidc-provider test fixture). */

/** Options of {@link signIn}. */
export interface SignInOptions {
  /** Login typed into the dev login form; default "alice" (becomes the token's `sub`). */
  login?: string;
  /** Password typed into the dev login form (any value works); default "secret". */
  password?: string;
  /** "consent" (default) or "deny": press the abort link (callback gets error=access_denied). */
  action?: "consent" | "deny";
  /** Device flow: user code to type when the page asks for one (start at `verification_uri`). */
  userCode?: string;
  /** Stop at the redirect to the callback and return its URL without loading it (paste-back tests). */
  stopAtCallback?: boolean;
  /**
   * Append one JSON line per run to this file: authorizationUrl, openedUrl (mcp-oauth's one-time
   * local link, when given one), callbackUrl, callbackStatus, action, error.
   */
  log?: string;
}

/** Where the sign-in ended. */
export interface SignInResult {
  /** The redirect URI with code/state/iss (or error), or the device flow's final page. */
  callbackUrl: string;
  /** HTTP status the callback answered with. */
  callbackStatus: number;
}

/**
 * Signs in starting at `authorizationUrl` and opens the callback URL like a browser would.
 *
 * Device flow (RFC 8628, `deviceFlow: true` on the test AS): pass the device authorization
 * response's `verification_uri_complete`, or its `verification_uri` with
 * `{ userCode: user_code }`. The person confirms the code, signs in and consents (or, with
 * `action: "deny"`, aborts: the client's next poll gets `access_denied`). The promise resolves
 * on the final page, whose URL is `callbackUrl` (`callbackStatus` 200); the token is then ready
 * at the client's next poll of the token endpoint.
 *
 * ```ts
 * const device = await oauth.processDeviceAuthorizationResponse(as, client, response);
 * await signIn(device.verification_uri_complete!); // or:
 * await signIn(device.verification_uri, { userCode: device.user_code });
 * ```
 */
export function signIn(authorizationUrl: string, opts?: SignInOptions): Promise<SignInResult>;
