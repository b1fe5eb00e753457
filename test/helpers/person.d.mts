/** Types of person.mjs (a scripted browser user for the oidc-provider test fixture). */

/** Options of {@link signIn}. */
export interface SignInOptions {
  /** Login typed into the dev login form; default "alice" (becomes the token's `sub`). */
  login?: string;
  /** Password typed into the dev login form (any value works); default "secret". */
  password?: string;
  /** "consent" (default) or "deny": press the abort link (callback gets error=access_denied). */
  action?: "consent" | "deny";
  /** Device flow: user code to type when the page asks for one. */
  userCode?: string;
  /** Stop at the redirect to the callback and return its URL without loading it (paste-back tests). */
  stopAtCallback?: boolean;
  /** Append one JSON line per run to this file: authorizationUrl, callbackUrl, callbackStatus, action, error. */
  log?: string;
}

/** Where the sign-in ended. */
export interface SignInResult {
  /** The redirect URI with code/state/iss (or error), or the device flow's success page. */
  callbackUrl: string;
  /** HTTP status the callback answered with. */
  callbackStatus: number;
}

/** Signs in starting at `authorizationUrl` and opens the callback URL like a browser would. */
export function signIn(authorizationUrl: string, opts?: SignInOptions): Promise<SignInResult>;
