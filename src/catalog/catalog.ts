/**
 * A built-in catalog of well-known remote MCP servers that sign in with OAuth, so
 * `mcp-oauth add notion` needs no URL and the dashboard can offer a picker.
 *
 * Each entry was taken from the provider's public documentation or Docker's MCP
 * registry (docker/mcp-registry, `type: remote` servers with `oauth`). Providers move
 * their endpoints: a URL given on the command line always wins over the catalog.
 *
 * @module
 */
import type { ServerCatalog } from "../core/ports.ts";

/** How a client gets registered with the provider's authorization server. */
export type CatalogRegistration =
  /** Dynamic Client Registration (RFC 7591): nothing to set up. */
  | "dcr"
  /** No DCR: bring the client ID (and secret) of an app you register with the provider. */
  | "pre-registered";

/** One well-known server. */
export interface CatalogEntry {
  /** Short name, used as the server's name by `mcp-oauth add NAME`. */
  name: string;
  /** The provider's product name. */
  title: string;
  /** The MCP endpoint. */
  url: string;
  /**
   * The MCP transport of `url`. Sign-in and `token` work with both; `tools`, `call`
   * and the proxy speak Streamable HTTP.
   */
  transport: "streamable-http" | "sse";
  registration: CatalogRegistration;
  /** Scopes to request instead of the server's choice, when the provider needs it. */
  scopes?: string[];
  /** false for a server that rejects RFC 8707 `resource`. */
  resource?: false;
  /** What a person should know before signing in. */
  notes: string;
  /** Where the provider documents it. */
  docs?: string;
}

/** The catalog, by name. */
export const CATALOG: readonly CatalogEntry[] = [
  {
    name: "asana",
    title: "Asana",
    url: "https://mcp.asana.com/sse",
    transport: "sse",
    registration: "dcr",
    notes: "SSE endpoint: sign-in and token work; use the token with an SSE-capable client.",
  },
  {
    name: "atlassian",
    title: "Atlassian (Jira, Confluence, Compass)",
    url: "https://mcp.atlassian.com/v1/mcp",
    transport: "streamable-http",
    registration: "dcr",
    notes:
      "Sign in with your Atlassian account and pick the site; a site admin may have to allow the Rovo MCP server first. The older SSE endpoint is /v1/sse.",
  },
  {
    name: "cloudflare-bindings",
    title: "Cloudflare Workers Bindings",
    url: "https://bindings.mcp.cloudflare.com/mcp",
    transport: "streamable-http",
    registration: "dcr",
    notes:
      "One of Cloudflare's servers (also observability, radar, builds, …: https://<name>.mcp.cloudflare.com/mcp); consent lists the account permissions.",
    docs: "https://github.com/cloudflare/mcp-server-cloudflare",
  },
  {
    name: "cloudflare-observability",
    title: "Cloudflare Observability",
    url: "https://observability.mcp.cloudflare.com/mcp",
    transport: "streamable-http",
    registration: "dcr",
    notes: "Workers logs and analytics of the Cloudflare account you sign in to.",
    docs: "https://github.com/cloudflare/mcp-server-cloudflare",
  },
  {
    name: "github",
    title: "GitHub",
    url: "https://api.githubcopilot.com/mcp/",
    transport: "streamable-http",
    registration: "pre-registered",
    notes:
      "GitHub offers no Dynamic Client Registration: register an OAuth App whose callback URL is http://127.0.0.1/callback (GitHub accepts any port on loopback), then add it with --client-id ID --client-secret SECRET.",
    docs: "https://github.com/github/github-mcp-server",
  },
  {
    name: "intercom",
    title: "Intercom",
    url: "https://mcp.intercom.com/mcp",
    transport: "streamable-http",
    registration: "dcr",
    notes: "US-hosted Intercom workspaces only.",
  },
  {
    name: "linear",
    title: "Linear",
    url: "https://mcp.linear.app/mcp",
    transport: "streamable-http",
    registration: "dcr",
    notes: "Pick the workspace on Linear's consent page.",
    docs: "https://linear.app/docs/mcp",
  },
  {
    name: "monday",
    title: "monday.com",
    url: "https://mcp.monday.com/sse",
    transport: "sse",
    registration: "dcr",
    notes: "SSE endpoint: sign-in and token work; use the token with an SSE-capable client.",
  },
  {
    name: "notion",
    title: "Notion",
    url: "https://mcp.notion.com/mcp",
    transport: "streamable-http",
    registration: "dcr",
    notes: "Pick the workspace and the pages to share on Notion's consent page.",
    docs: "https://developers.notion.com/docs/mcp",
  },
  {
    name: "paypal",
    title: "PayPal",
    url: "https://mcp.paypal.com/sse",
    transport: "sse",
    registration: "dcr",
    notes:
      "Live account; SSE endpoint: sign-in and token work; use the token with an SSE-capable client.",
  },
  {
    name: "sentry",
    title: "Sentry",
    url: "https://mcp.sentry.dev/mcp",
    transport: "streamable-http",
    registration: "dcr",
    notes: "Pick the organization on Sentry's consent page.",
    docs: "https://docs.sentry.io/product/sentry-mcp/",
  },
  {
    name: "square",
    title: "Square",
    url: "https://mcp.squareup.com/sse",
    transport: "sse",
    registration: "dcr",
    notes: "SSE endpoint: sign-in and token work; use the token with an SSE-capable client.",
  },
  {
    name: "stripe",
    title: "Stripe",
    url: "https://mcp.stripe.com",
    transport: "streamable-http",
    registration: "dcr",
    notes: "Pick the account on Stripe's consent page (a restricted API key as bearer also works).",
    docs: "https://docs.stripe.com/mcp",
  },
  {
    name: "webflow",
    title: "Webflow",
    url: "https://mcp.webflow.com/sse",
    transport: "sse",
    registration: "dcr",
    notes:
      "Pick the sites to share on Webflow's consent page; SSE endpoint: use the token with an SSE-capable client.",
  },
];

const BY_NAME = new Map(CATALOG.map((e) => [e.name, e]));

/** The catalog entry named `name`, if any. */
export function catalogEntry(name: string): CatalogEntry | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/** The catalog entry whose URL is `url` (ignoring a trailing slash), if any. */
export function catalogEntryForUrl(url: string): CatalogEntry | undefined {
  const norm = (u: string) => u.replace(/\/+$/, "");
  return CATALOG.find((e) => norm(e.url) === norm(url));
}

/** The built-in catalog as the engine's port (`createEngine({ catalog })`). */
export const builtInCatalog: ServerCatalog = {
  entry: catalogEntry,
  entryForUrl: catalogEntryForUrl,
};
