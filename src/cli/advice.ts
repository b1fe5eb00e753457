/**
 * The CLI's words for what to do about an error: the core says what happened
 * and, as data, what would help ({@link Remedy}); here that becomes the
 * command or option to use. Errors without a remedy are shown as they are.
 *
 * @module
 */
import { type McpOAuthError, oneLine, type Remedy } from "../core/errors.ts";

/** The one line the CLI shows for `err` (without the "mcp-oauth: " prefix). */
export function cliLine(err: McpOAuthError): string {
  const remedy = err.remedy;
  if (!remedy) return err.message;
  if (remedy.do === "fix-store-then-authorize") {
    // The store's own words come last: they can be long, and the command must stay readable.
    return oneLine(
      `${err.fact}: fix the credential store, then run "mcp-oauth authorize ${remedy.server}"${
        remedy.again ? " again" : ""
      } (${remedy.detail})`,
      600,
    );
  }
  return oneLine(`${err.fact}; ${cliAdvice(remedy)}.`, 600);
}

/** The advice of a remedy as the CLI gives it. */
export function cliAdvice(remedy: Exclude<Remedy, { do: "fix-store-then-authorize" }>): string {
  switch (remedy.do) {
    case "authorize":
      return `run "mcp-oauth authorize ${remedy.server}"${
        remedy.when === "reauthorize"
          ? " (re-authorization needed)"
          : remedy.when === "first"
          ? " to sign in"
          : ""
      }`;
    case "check-store":
      return `check the store's entries, then run "mcp-oauth authorize ${remedy.server}"`;
    case "add":
      return `add it with "mcp-oauth add ${remedy.name} <url>" or pass the server's URL`;
    case "revoke-then-authorize":
      return 'remove it with "mcp-oauth revoke" and authorize again';
    case "client-id":
      return remedy.why === "no-registration"
        ? "register a client with the provider and pass --client-id (and --client-secret)"
        : remedy.why === "registration-failed"
        ? "pass --client-id of a client registered with the provider instead"
        : "pass --client-id of a pre-registered client";
    case "check-client":
      return "the authorization server does not accept this client: check --client-id and its secret, or sign in without them to register a new one";
    case "client-moved":
      return `if the client is registered there too, sign in with --client-id (and its secret) again; otherwise "mcp-oauth remove ${remedy.server}" and add it anew`;
    case "check-scopes":
      return "the account may lack that permission: ask the server's owner for access, or check --scopes";
    case "paste-instead":
      return "use --browser none to sign in on another machine instead";
    case "other-port":
      return "choose another --port";
    case "more-time":
      return "run the command again (or raise --timeout)";
    case "use-https":
      return "use https, or set allowInsecureHttp (--insecure-http) for development only";
    case "url-or-catalog":
      return 'give the server\'s URL too (see "mcp-oauth catalog")';
    case "client-id-with-secret":
      return "--client-secret needs --client-id";
    case "add-without-dpop":
      return `add it again without --dpop ("mcp-oauth add ${remedy.server} <url>"), or ask the provider to enable DPoP`;
    case "use-dpop-proxy":
      return `connect through "mcp-oauth serve" (http://127.0.0.1:<port>/mcp/${remedy.server}) or "mcp-oauth stdio ${remedy.server}", which add the proofs, or add it again with --no-dpop for Bearer tokens`;
    case "idp-sign-in":
      return `run "mcp-oauth idp sign-in ${remedy.idp}"`;
    case "idp-add":
      return `define it with "mcp-oauth idp add ${remedy.idp} <issuer> --client-id ID"`;
  }
}
