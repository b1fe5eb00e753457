/**
 * The dashboard's HTML, server-rendered with hono/html (every interpolation
 * is escaped). htmx attributes make the partial updates; no inline scripts.
 *
 * Over 400 lines on purpose: the templates of one page (the details panels are in
 * panels.ts); split further, a row's markup would be spread over files.
 * @module
 */
import { html as honoHtml, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { CATALOG } from "../../catalog/catalog.ts";
import type { Discovery } from "../../core/discover.ts";
import type { ServerStatus } from "../../core/engine.ts";
import { describeGrant } from "../../core/grants/grant.ts";

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** Bidirectional controls: server text with them could reorder what a page shows. */
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * hono's `html` (every interpolation escaped), with bidirectional controls dropped from every
 * interpolated string: tool names, claims, client ids and the like come from servers.
 * @see https://www.cve.org/CVERecord?id=CVE-2021-42574
 */
const html: typeof honoHtml = (strings, ...values) =>
  honoHtml(strings, ...values.map((v) => typeof v === "string" ? v.replace(BIDI, "") : v));

/** A message shown under a server's row. */
export type RowMessage =
  | { kind: "error"; text: string }
  | { kind: "info"; text: string };

/** Everything one server's rows show. */
export interface RowView {
  id: string;
  status: ServerStatus;
  /** A sign-in started from the dashboard is waiting for its callback. */
  pending: boolean;
  /** The last refresh failed while the token still works. */
  refreshError?: string;
  message?: RowMessage;
}

/** Values of the add form, echoed back after an error. */
export interface AddFormValues {
  name?: string;
  url?: string;
  scopes?: string;
  clientId?: string;
  clientMetadataUrl?: string;
  noResource?: boolean;
}

/**
 * The whole page. It holds the access key (`key`) for its script, which sends it in a header
 * with every request: the key lives in the page, never in a cookie (cookies ignore ports).
 */
export function page(
  model: {
    store: string;
    home: string;
    rows: RowView[];
    now: number;
    key: string;
    /** The rows' live signature (see {@link serversSection}). */
    live?: string;
  },
): Html {
  return html`
    <!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="mcp-oauth-key" content="${model.key}">
        <title>mcp-oauth</title>
        <link rel="icon" href="/assets/icon.svg">
        <link rel="stylesheet" href="/assets/app.css">
        <script src="/assets/htmx.min.js" defer></script>
        <script src="/assets/app.js" defer></script>
      </head>
      <body>
        <header>
          <h1>mcp-oauth</h1>
          <p>Sign in to remote MCP servers. Store: <strong>${model
            .store}</strong> · config: <code>${model.home}</code></p>
        </header>
        <main id="main">
    ${mainSection(model.rows, model.now, undefined, model.live)}
        </main>
        <section id="details" aria-live="polite"></section>
      </body>
    </html>
  `;
}

/** The servers table and the add form (re-rendered after adding). */
export function mainSection(
  rows: RowView[],
  now: number,
  form?: { values: AddFormValues; error?: string },
  live?: string,
): Html {
  return html`${serversSection(rows, now, live)}
${addForm(form?.values ?? {}, form?.error)}`;
}

/**
 * The servers table. With `live` (a signature of what the rows show) it asks the dashboard
 * every 2 s whether that changed (a sign-in in a terminal, a refresh by another process): the
 * answer is 204, nothing to do, until it did; then this whole section, with the new signature.
 * Times count down in the page (app.js), so the clock alone changes nothing here.
 */
export function serversSection(rows: RowView[], now: number, live?: string): Html {
  const poll = live === undefined ? "" : raw(
    ` hx-get="/servers/live?since=${
      encodeURIComponent(live)
    }" hx-trigger="every 2s" hx-swap="outerHTML" hx-sync="this:drop"`,
  );
  return html`
    <section id="servers" aria-labelledby="servers-title" ${poll}>
      <h2 id="servers-title">Servers</h2>
      ${rows.length
        ? html`<table class="servers">
    <thead><tr><th>Name</th><th>Status</th><th>Issuer</th><th>Scopes</th><th>URL</th><th>Actions</th></tr></thead>
    ${rows.map((r) => serverRows(r, now))}
  </table>`
        : html`<p class="note">No servers yet. Add one below, or with <code>mcp-oauth add NAME URL</code>.</p>`}
    </section>
  `;
}

/** One server: its row and a message row, as one tbody that htmx replaces. */
export function serverRows(r: RowView, now: number): Html {
  const s = r.status;
  const base = `/s/${r.id}`;
  const poll = r.pending
    ? raw(` hx-get="${base}/row" hx-trigger="every 1s" hx-swap="outerHTML"`)
    : "";
  // While one of the row's requests runs, the row shows it (htmx-request) and its buttons rest.
  // It also holds the servers section's request slot: a live poll in flight is aborted, and none
  // starts until the action's answer is in (a poll answered later would replace the row the
  // action's answer is meant for, and that answer would land in a row no longer on the page).
  const busy = raw(
    ` hx-indicator="#srv-${r.id}" hx-disable="#srv-${r.id} button" hx-sync="#servers:replace"`,
  );
  const target = raw(` hx-target="#srv-${r.id}" hx-swap="outerHTML"${busy}`);
  const details = raw(` hx-target="#details" hx-swap="innerHTML show:top"${busy}`);
  const [plain, cls] = statusLabel(r, now);
  // A machine grant is named after the status; a browser sign-in, the usual case, is not.
  const label = s.grant ? `${plain}; ${describeGrant(s.grant)}` : plain;
  const signedIn = s.state !== "needs-authorization" && !s.error;
  const expiry = s.state === "authorized" && s.expiresAt && !r.pending && !r.refreshError
    ? raw(` data-expires-at="${s.expiresAt}"`)
    : "";
  // The main action of each state: Authorize when not signed in, Test when signed in,
  // Refresh when the token expired but can be refreshed.
  const primary = (action: "authorize" | "test" | "refresh") =>
    action === (s.state === "authorized" ? "test" : signedIn ? "refresh" : "authorize")
      ? raw(' class="primary"')
      : "";
  return html`
    <tbody id="srv-${r.id}" data-server="${s.name}" data-state="${cls}" ${poll}>
      <tr>
        <td data-label="Name"><strong>${s.name}</strong></td>
        <td
          data-label="Status"><span class="status ${cls}"${expiry}>${label}</span><span class="busy" aria-hidden="true"></span></td>
        <td data-label="Issuer" class="issuer">${s.issuer ?? "–"}</td>
        <td data-label="Scopes" class="scopes">${s.scopes.join(" ") || "–"}</td>
        <td data-label="URL" class="url">${s.url}</td>
        <td class="actions-cell">
          <div class="actions">
            <form method="post" action="${base}/authorize" target="_blank"
              data-refresh="srv-${r.id}" data-row-url="${base}/row">
              <button${primary("authorize")} type="submit">${signedIn
                ? "Sign in again"
                : "Authorize"}</button>
            </form>
            ${signedIn
              ? html`<button${
                primary("test")
              } type="button" hx-post="${base}/test" ${details}>Test</button>
            <button${
                primary("refresh")
              } type="button" hx-post="${base}/refresh" ${target}>Refresh</button>
            <button type="button" hx-get="${base}/claims" ${details}>Claims</button>`
              : ""}
            <button type="button" hx-get="${base}/connect" ${details}>Connect</button>
            <button type="button" hx-get="${base}/trace" ${details}>Trace</button>
            ${signedIn
              ? html`
                <button type="button" hx-post="${base}/revoke"
                  hx-confirm="Revoke the tokens of ${s.name}?" ${target}>Revoke</button>
              `
              : ""}
            <button type="button" hx-post="${base}/remove"
              hx-confirm="Remove ${s.name} and revoke its tokens?" hx-target="#srv-${r.id}"
              hx-swap="delete"${busy}>Remove</button>
          </div>
        </td>
      </tr>
      <tr class="message">
        <td colspan="6" aria-live="polite">${message(r)}</td>
      </tr>
    </tbody>
  `;
}

function statusLabel(r: RowView, now: number): [string, string] {
  const s = r.status;
  if (r.pending) return ["waiting for sign-in…", "pending"];
  if (s.error) return ["unreadable token entry", "needs-authorization"];
  if (s.state === "authorized" && r.refreshError) return ["refresh failing", "refresh-failing"];
  if (s.state === "authorized") {
    // A DPoP-bound token (RFC 9449) is said so: it works only through mcp-oauth's proofs.
    const bound = s.dpop ? " (DPoP)" : "";
    return [
      s.expiresAt
        ? `authorized${bound}, expires ${relative(s.expiresAt, now)}`
        : `authorized${bound}`,
      "authorized",
    ];
  }
  if (s.state === "expired-refreshable") return ["expired, refreshable", "expired-refreshable"];
  // A machine grant gets its next token by itself when it is used.
  if (s.grant) {
    return [
      s.expiresAt ? "expired, renewed on use" : "no token yet, obtained on use",
      "expired-refreshable",
    ];
  }
  return ["needs authorization", "needs-authorization"];
}

function message(r: RowView): Html | string {
  if (r.refreshError && !r.message) {
    return html`<span class="error">Refresh failed: ${r.refreshError}</span>`;
  }
  if (r.status.error && !r.message) return html`<span class="error">${r.status.error}</span>`;
  const m = r.message;
  if (!m) return "";
  if (m.kind === "error") return html`<span class="error" role="alert">${m.text}</span>`;
  return html`<span class="note">${m.text}</span>`;
}

function addForm(v: AddFormValues, error?: string): Html {
  return html`<section aria-labelledby="add-title">
  <h2 id="add-title">Add a server</h2>
  <form hx-post="/servers" hx-target="#main" hx-swap="innerHTML">
    <fieldset>
      <label>Name <input name="name" required pattern="[A-Za-z0-9][A-Za-z0-9._\\-]{0,63}" value="${
    v.name ?? ""
  }" placeholder="notion" list="catalog" autocomplete="off"></label>
      <label>MCP server URL <input name="url" type="url" value="${
    v.url ?? ""
  }" placeholder="blank for a well-known name"></label>
      <label>Scopes (optional) <input name="scopes" value="${
    v.scopes ?? ""
  }" placeholder="let the server choose"></label>
      <label>Client ID (optional) <input name="clientId" value="${
    v.clientId ?? ""
  }" autocomplete="off"></label>
      <label>Client secret (optional) <input name="clientSecret" type="password" autocomplete="new-password"></label>
      <label>Client ID Metadata Document URL (optional) <input name="clientMetadataUrl" type="url" value="${
    v.clientMetadataUrl ?? ""
  }"></label>
      <label><span><input name="noResource" type="checkbox" value="1"${
    v.noResource ? raw(" checked") : ""
  }> do not send the resource parameter</span></label>
    </fieldset>
    ${catalogList()}
    <p class="note">Well-known servers (pick one in Name and leave the URL blank): ${
    CATALOG.map((e, i) => html`${i ? ", " : ""}<abbr title="${e.url}: ${e.notes}">${e.name}</abbr>`)
  }.</p>
    <p><button class="primary" type="submit">Add server</button> ${
    error ? html`<span class="error" role="alert">${error}</span>` : ""
  }</p>
  </form>
</section>`;
}

/** The built-in catalog as choices of the name field; the server fills in the URL. */
function catalogList(): Html {
  return html`<datalist id="catalog">${
    CATALOG.map((e) => html`<option value="${e.name}">${e.title}: ${e.url}</option>`)
  }</datalist>`;
}

/** The discovery trace of a server, step by step, and its registration. */
export function tracePanel(
  name: string,
  d: Discovery,
  registration?: {
    client_id: string;
    token_endpoint_auth_method: string;
    redirect_uris: string[];
    registered_at: number;
    hasSecret: boolean;
    source: string;
  },
): Html {
  return html`
    <h2>Discovery of ${name}</h2>
    <p>${d.trace.requests} requests in ${d.trace.rounds} sequential rounds. Resource <code>${d
      .resource}</code>, issuer <code>${d.issuer}</code>${d.legacy
      ? " (2025-03-26 server: no protected resource metadata)"
      : ""}.</p>
    <table>
      <thead>
        <tr>
          <th>Round</th>
          <th>Request</th>
          <th>Status</th>
          <th>ms</th>
          <th>URL</th>
          <th>Outcome</th>
        </tr>
      </thead>
      <tbody>${d.trace.steps.map((s) =>
        html`
          <tr>
            <td>${s.round}</td>
            <td>${s.method}</td>
            <td>${s.status ?? "–"}</td>
            <td>${Math.round(s.ms)}</td>
            <td class="url">${s.url}</td>
            <td><strong>${s.outcome}</strong>: ${s.detail}</td>
          </tr>
        `
      )}</tbody>
    </table>
    <h3>Authorization server</h3>
    <table>
      <tbody>
        <tr>
          <th>Authorization endpoint</th>
          <td class="url">${d.as.authorization_endpoint}</td>
        </tr>
        <tr>
          <th>Token endpoint</th>
          <td class="url">${d.as.token_endpoint}</td>
        </tr>
        <tr>
          <th>Registration</th>
          <td class="url">${d.as.registration_endpoint ?? "not offered"}</td>
        </tr>
        <tr>
          <th>Revocation</th>
          <td class="url">${d.as.revocation_endpoint ?? "not offered"}</td>
        </tr>
        <tr>
          <th>PKCE S256</th>
          <td>${d.as.code_challenge_methods_supported?.includes("S256")
            ? "yes"
            : "no: sign-in will be refused"}</td>
        </tr>
      </tbody>
    </table>
    <h3>Client registration</h3>
    ${registration
      ? html`
        <table>
          <tbody>
            <tr>
              <th>Client ID</th>
              <td><code>${registration.client_id}</code> (${registration.source})</td>
            </tr>
            <tr>
              <th>Token endpoint auth</th>
              <td>${registration.token_endpoint_auth_method}</td>
            </tr>
            <tr>
              <th>Client secret</th>
              <td>${registration.hasSecret ? "stored (hidden)" : "none (public client)"}</td>
            </tr>
            <tr>
              <th>Redirect URIs</th>
              <td>${registration.redirect_uris.join(" ")}</td>
            </tr>
            <tr>
              <th>Registered</th>
              <td>${isoTime(registration.registered_at / 1000) ?? "unknown"}</td>
            </tr>
          </tbody>
        </table>
      `
      : html`<p class="note">No client registered with this authorization server yet.</p>`}
  `;
}

/** Decoded claims of a JWT access token (never the token itself). */
export function claimsPanel(
  name: string,
  result: { hasToken: boolean; claims?: Record<string, unknown> },
): Html {
  if (!result.hasToken) {
    return html`
      <h2>Token of ${name}</h2>
      <p class="note">No token stored: authorize first.</p>
    `;
  }
  if (!result.claims) {
    return html`
      <h2>Token of ${name}</h2>
      <p class="note">The access token is opaque (not a JWT): there are no claims to show.</p>
    `;
  }
  const entries = Object.entries(result.claims);
  return html`
    <h2>Access token claims of ${name}</h2>
    <p class="note">Decoded for display only, not verified. The token itself is never shown.</p>
    <table>
      <tbody>${entries.map(([k, v]) =>
        html`
          <tr>
            <th>${k}</th>
            <td><code>${typeof v === "string" ? v : JSON.stringify(
              v,
            )}</code>${(k === "exp" || k === "iat" || k === "nbf" || k === "auth_time") &&
                isoTime(v)
              ? html`
                <span class="note">(${isoTime(v)})</span>
              `
              : ""}</td>
          </tr>
        `
      )}</tbody>
    </table>
  `;
}

/**
 * The answer without the access key (or with a wrong one). Its script takes the tab back in
 * when the tab still holds the key (a reload), or forgets a key that is refused.
 */
export function lockedPage(message: string): Html {
  return html`
    <!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>mcp-oauth: locked</title>
        <link rel="icon" href="/assets/icon.svg">
        <link rel="stylesheet" href="/assets/app.css">
        <script src="/assets/app.js" defer></script>
      </head>
      <body data-locked>
        <main class="locked">
          <h1>mcp-oauth</h1>
          <p>${message}</p>
          <p class="note">To open the dashboard, run <code>mcp-oauth serve --open</code> in a
            terminal, or open the address it printed: <code>http://127.0.0.1:PORT/?k=…</code>.</p>
        </main>
      </body>
    </html>
  `;
}

/** A small page for the tab that opens the authorization server. */
export function redirectPage(url: string): Html {
  return html`
    <!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8">
        <meta http-equiv="refresh" content="0;url=${url}">
        <title>mcp-oauth: opening the sign-in page</title>
        <link rel="icon" href="/assets/icon.svg">
        <link rel="stylesheet" href="/assets/app.css">
      </head>
      <body>
        <p>Opening the sign-in page… If nothing happens, <a href="${url}">continue to the authorization server</a>.</p>
      </body>
    </html>
  `;
}

/** An out-of-band swap that empties the details panel (its content may be stale). */
export function clearDetails(): Html {
  return html`<section id="details" aria-live="polite" hx-swap-oob="true"></section>`;
}

/** An error in the details panel. */
export function errorPanel(title: string, text: string): Html {
  return html`
    <h2>${title}</h2>
    <p class="error" role="alert">${text}</p>
  `;
}

/** A small error page for the sign-in tab. */
export function errorPage(title: string, text: string): Html {
  return html`
    <!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8">
        <title>mcp-oauth: ${title}</title>
        <link rel="icon" href="/assets/icon.svg">
        <link rel="stylesheet" href="/assets/app.css">
      </head>
      <body>
        <h1>${title}</h1>
        <p class="error">${text}</p>
        <p>You can close this tab.</p>
      </body>
    </html>
  `;
}

/** A NumericDate (seconds) as ISO 8601; undefined when no Date can hold it (a claim of 1e20). */
function isoTime(seconds: unknown): string | undefined {
  if (typeof seconds !== "number" || !Number.isFinite(seconds)) return undefined;
  const ms = seconds * 1000;
  return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : undefined;
}

/** "in 4m 05s": the same text as the page's countdown (web/app.js, `expiresIn`). */
function relative(at: number, now: number): string {
  const s = Math.round((at - now) / 1000);
  if (s < 0) return "now";
  if (s < 60) return `in ${s}s`;
  if (s < 600) return `in ${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  if (s < 3600) return `in ${Math.floor(s / 60)}m`;
  if (s < 86400) return `in ${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `in ${Math.floor(s / 86400)}d`;
}
