/**
 * The options of every command that may sign in, and their parsing. Kept
 * apart from sign-in.ts so commands load the sign-in flow (and Hono) only
 * when they run it.
 *
 * @module
 */
import type { SignInRequest } from "../core/sign-in-capabilities.ts";
import { scopesArgument } from "../core/server-input.ts";
import { CLIENT_SECRET_HELP } from "./client-secret.ts";
import { assertAllowedUrl, isLoopbackHost, parseUrl } from "../core/urls.ts";
import {
  checkArgument,
  clientMetadataUrlArg,
  int,
  type OptionSpec,
  type ParsedArgs,
  str,
  usageError,
} from "./args.ts";

/** How to sign in: the sign-in service's request, and the browser to open. */
export interface SignInOptions extends Omit<SignInRequest, "pasteOnly"> {
  /** The browser command; "none" opens nothing and reads the pasted redirect instead. */
  browser?: string;
}

/** Options of every command that may sign in. */
export const SIGN_IN_OPTIONS: Record<string, OptionSpec> = {
  scopes: { type: "string" },
  browser: { type: "string" },
  port: { type: "string" },
  "redirect-uri": { type: "string" },
  "client-id": { type: "string" },
  "client-secret": { type: "string" },
  // Read by main (client-secret.ts) into "client-secret" before the command runs.
  "client-secret-file": { type: "string" },
  "client-metadata-url": { type: "string" },
  timeout: { type: "string" },
  device: { type: "boolean" },
};

/** Help text for {@link SIGN_IN_OPTIONS}. */
export const SIGN_IN_HELP =
  `  --scopes "a b"      request these scopes (overrides the server's choice; remembered)
  --browser CMD|none  the browser command (URL appended, or put %s where it goes; it
                      gets a one-time local link to the printed URL, which keeps the
                      URL out of its command line); "none" opens nothing: open the
                      URL anywhere, then paste the address you were redirected to here
  --device            use the device authorization grant (RFC 8628): open a URL on
                      any device and type the code shown
  --port N            listen for the callback on this port (default: the port of the
                      last registration, else a free one)
  --redirect-uri URI  the redirect URI to register: a loopback one is listened on; an
                      https one (or one on another port than --port) is a relay
                      ("mcp-oauth relay") that forwards to the loopback listener
  --client-id ID, --client-secret S   a pre-registered client for this sign-in
${CLIENT_SECRET_HELP}
  --client-metadata-url URL           a Client ID Metadata Document (https)
  --timeout SECONDS   give up after this long (default 300)`;

/** Read {@link SIGN_IN_OPTIONS} from parsed arguments. */
export function signInOptionsFrom(command: string, args: ParsedArgs): SignInOptions {
  const port = int(command, args, "port", 1, 65_535);
  const value = str(args, "redirect-uri");
  let redirect = redirectOption(command, value);
  let relayUri: string | undefined;
  if (value !== undefined && (!redirect || (port !== undefined && redirect.port !== port))) {
    // Not ours to listen on: a relay that forwards to our loopback listener.
    relayUri = relayOption(command, value, args.values["insecure-http"] === true);
    redirect = undefined;
  }
  const device = args.values.device === true;
  if (device && (value !== undefined || port !== undefined)) {
    throw usageError(command, "--device takes no --port or --redirect-uri");
  }
  const scopes = str(args, "scopes");
  return {
    browser: str(args, "browser"),
    port,
    redirect,
    relayUri,
    timeoutS: int(command, args, "timeout", 1, 86_400) ?? 300,
    scopes: scopes !== undefined ? scopesArgument(scopes) : undefined,
    clientId: str(args, "client-id"),
    clientSecret: str(args, "client-secret"),
    clientMetadataUrl: clientMetadataUrlArg(command, str(args, "client-metadata-url")),
    device,
  };
}

/** A relay's redirect URI: https, or http on loopback (or anywhere with --insecure-http). */
function relayOption(command: string, value: string, insecure: boolean): string {
  const u = checkArgument(() =>
    assertAllowedUrl(parseUrl(value, "--redirect-uri"), "--redirect-uri", insecure)
  );
  if (u.hash) throw usageError(command, "--redirect-uri must not have a fragment");
  return u.href;
}

/** A loopback redirect URI with a port: we listen there. Anything else is undefined. */
function redirectOption(command: string, value: string | undefined): SignInOptions["redirect"] {
  if (value === undefined) return undefined;
  const u = checkArgument(() => parseUrl(value, "--redirect-uri"));
  // RFC 6749 §3.1.2: a redirect URI has no fragment, loopback or not.
  if (u.hash || value.includes("#")) {
    throw usageError(command, "--redirect-uri must not have a fragment");
  }
  if (u.protocol !== "http:" || !isLoopbackHost(u.hostname) || !u.port) return undefined;
  return { uri: u.href, port: Number(u.port), path: u.pathname };
}
