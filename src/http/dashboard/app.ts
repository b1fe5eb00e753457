/**
 * The dashboard: one Hono app that lists servers and their status, adds,
 * authorizes (the OAuth callback is served here too), refreshes, tests,
 * revokes and removes them, and shows each discovery trace. It takes the
 * engine and what it needs as arguments and never touches a runtime.
 *
 * Over 400 lines on purpose: the routes share the dashboard's per-process state (row
 * messages, sign-ins starting, the cached page); what needs none of it is in views.ts,
 * panels.ts and live.ts.
 * @module
 */
import { Hono, type MiddlewareHandler } from "hono";
import { html } from "hono/html";
import { secureHeaders } from "hono/secure-headers";
import type { Engine } from "../../core/engine.ts";
import { ErrorCode, McpOAuthError } from "../../core/errors.ts";
import type { ServerInput } from "../../core/server-input.ts";
import { ProcessSignInMarkers, SignInService } from "../../core/sign-in-service.ts";
import type { ServerDefinition } from "../../store/server-registry.ts";
import { callbackPage } from "../callback-app.ts";
import { localSecurity } from "../local-security.ts";
import { proxyHandler } from "../proxy.ts";
import { passed, rowsSignature } from "./live.ts";
import {
  callError,
  callResult,
  type CallView,
  connectPanel,
  toolsPanel,
  type ToolView,
} from "./panels.ts";
import {
  claimsPanel,
  clearDetails,
  errorPage,
  errorPanel,
  lockedPage,
  mainSection,
  page,
  redirectPage,
  type RowMessage,
  type RowView,
  serverRows,
  serversSection,
  tracePanel,
} from "./views.ts";

/** What the dashboard needs. */
export interface DashboardOptions {
  engine: Engine;
  /** The origin served, e.g. http://127.0.0.1:7777: the redirect URI's base. */
  origin: string;
  /** Accepted Host header values. */
  hosts: string[];
  /** The per-launch access key. */
  secret: string;
  /** Shown in the header. */
  home: string;
  /** `icon` is the favicon (web/icon.svg); without it there is none. */
  assets: { htmx: string; css: string; js: string; icon?: string };
  /** tools/list through authFetch, without starting a sign-in: the tools, or their names. */
  listTools: (server: ServerDefinition) => Promise<(string | ToolView)[]>;
  /** tools/call through authFetch, without starting a sign-in; without it Test offers no call. */
  callTool?: (
    server: ServerDefinition,
    tool: string,
    args: Record<string, unknown>,
  ) => Promise<CallView>;
  /** Global options the snippets of "Connect a client" repeat (`--home DIR`, `--store S`). */
  clientGlobals?: string[];
  /**
   * The sign-in service shared with the CLI (markers in the home: one sign-in per server
   * across processes); default: one for this process only.
   */
  signIns?: SignInService;
  /** The key MCP clients present to the proxy at /mcp/<name>; without it there is no proxy. */
  proxyKey?: () => Promise<string>;
  now?: () => number;
}

/** What the callback page links (the dashboard's CSP allows no inline style or script). */
const CALLBACK_ASSETS = {
  stylesheet: "/assets/app.css",
  script: "/assets/app.js",
  icon: "/assets/icon.svg",
};

/** Build the dashboard app. */
export function dashboardApp(o: DashboardOptions): Hono {
  const now = o.now ?? Date.now;
  const signIns = o.signIns ?? new SignInService(o.engine, new ProcessSignInMarkers(), now);
  // What the rows show besides the stores; every change makes the cached list page stale.
  let changes = 0;
  const changed = () => void changes++;
  const refreshErrors = new WatchedMap<string, string>(changed);
  const messages = new WatchedMap<string, RowMessage>(changed);
  /** The token state each row's remembered action answer was given in (see `row`). */
  const answeredAt = new Map<string, string>();
  // Sign-ins between the Authorize click and their authorization URL (discovery, registration).
  const starting = new WatchedMap<string, true>(changed);
  let listPage: { key: string; body: string } | undefined;
  /** The rows' signature for the stamps `key` (see live.ts), and the expiry instants in them. */
  let live: { key: string; base: string; expiries: number[] } | undefined;
  const app = new Hono();

  app.use(dashboardSecureHeaders());
  app.use(localSecurity({
    hosts: o.hosts,
    origins: o.hosts.map((h) => `http://${h}`),
    secret: o.secret,
    // The proxy checks its own key; MCP clients are not browsers and send no Origin.
    isPublic: (path) =>
      path === "/callback" || path.startsWith("/assets/") || path.startsWith("/mcp/") ||
      path === "/favicon.ico",
    originOptional: (path) => path.startsWith("/mcp/"),
    // To a navigation a page, whose script takes the tab back in when it still holds the key;
    // to htmx (its requests say so) the line alone, shown where the answer goes.
    refusal: (c, message, status) =>
      c.req.header("hx-request") ? c.text(message, status) : c.html(lockedPage(message), status),
  }));
  app.use(async (c, next) => {
    await next();
    // On the response's own headers, as secureHeaders does: c.header() after the handler
    // would copy the whole Response (a fifth of the cached list page's time).
    c.res.headers.set(
      "Cache-Control",
      c.req.path.startsWith("/assets/") ? "public, max-age=3600" : "no-store",
    );
  });

  app.get(
    "/assets/htmx.min.js",
    (c) => c.body(o.assets.htmx, 200, { "content-type": "text/javascript; charset=utf-8" }),
  );
  app.get(
    "/assets/app.js",
    (c) => c.body(o.assets.js, 200, { "content-type": "text/javascript; charset=utf-8" }),
  );
  for (const path of ["/assets/icon.svg", "/favicon.ico"]) {
    app.get(
      path,
      (c) =>
        o.assets.icon
          ? c.body(o.assets.icon, 200, { "content-type": "image/svg+xml" })
          : c.text("Not found", 404),
    );
  }
  app.get(
    "/assets/app.css",
    (c) => c.body(o.assets.css, 200, { "content-type": "text/css; charset=utf-8" }),
  );

  // The list page is rendered once per change of what it shows (the config and credential
  // files, this dashboard's messages, pending sign-ins, the second on the clock), not per view.
  app.get("/", async (c) => {
    const key = listPageKey();
    if (key !== undefined && listPage?.key === key) return c.html(listPage.body);
    const body = String(
      await page({
        store: o.engine.store.name,
        home: o.home,
        ...withLive(await allRows()),
        now: now(),
        key: o.secret,
      }),
    );
    if (key !== undefined && key === listPageKey()) listPage = { key, body };
    return c.html(body);
  });

  app.post("/servers", async (c) => {
    const form = await c.req.parseBody();
    const field = (k: string) => (typeof form[k] === "string" ? (form[k] as string).trim() : "");
    const input: ServerInput = {
      name: field("name"),
      url: field("url"),
      scopes: field("scopes") || undefined,
      clientId: field("clientId") || undefined,
      clientSecret: field("clientSecret") || undefined,
      clientMetadataUrl: field("clientMetadataUrl") || undefined,
      resource: form.noResource ? false : undefined,
    };
    try {
      await o.engine.addServer(input);
      const { rows, live } = withLive(await allRows());
      return c.html(mainSection(rows, now(), undefined, live));
    } catch (err) {
      const values = { ...input, noResource: input.resource === false };
      return c.html(mainSection(await allRows(), now(), { values, error: describe(err) }), 422);
    }
  });

  app.get(
    "/s/:id/row",
    (c) => withServer(c.req.param("id"), async (def) => c.html(serverRows(await row(def), now()))),
  );

  app.post("/s/:id/authorize", (c) =>
    withServer(c.req.param("id"), async (def) => {
      starting.set(def.name, true);
      try {
        // A machine grant needs no person: get the token here and come back to the list.
        if (def.grant) {
          await o.engine.obtainGrant(def);
          messages.set(def.name, { kind: "info", text: "Token obtained." });
          refreshErrors.delete(def.name);
          return c.html(redirectPage("/"));
        }
        // The CLI's sign-in service: the same markers, so two tabs (or a tab and a terminal)
        // never run two sign-ins to one server.
        const { url } = await signIns.start(def, `${o.origin}/callback`);
        messages.delete(def.name);
        return c.html(redirectPage(url.href));
      } catch (err) {
        messages.set(def.name, { kind: "error", text: describe(err) });
        const busy = err instanceof McpOAuthError && err.code === ErrorCode.SIGN_IN_IN_PROGRESS;
        return c.html(errorPage("Sign-in could not start", describe(err)), busy ? 409 : 502);
      } finally {
        starting.delete(def.name);
      }
    }));

  app.get("/callback", async (c) => {
    const url = new URL(c.req.url);
    const state = url.searchParams.get("state") ?? "";
    const server = o.engine.flows.serverOf(state, now());
    try {
      const done = await signIns.complete(url);
      messages.set(done.server, { kind: "info", text: "Signed in." });
      refreshErrors.delete(done.server);
      return c.html(
        callbackPage(
          { ok: true, message: `mcp-oauth is now signed in to ${done.server}.` },
          CALLBACK_ASSETS,
        ),
      );
    } catch (err) {
      if (server) messages.set(server, { kind: "error", text: describe(err) });
      return c.html(callbackPage({ ok: false, message: describe(err) }, CALLBACK_ASSETS), 400);
    }
  });

  app.post("/s/:id/refresh", (c) =>
    withServer(c.req.param("id"), async (def) => {
      try {
        await o.engine.refresh(def);
        refreshErrors.delete(def.name);
        return c.html(serverRows(await row(def, { kind: "info", text: "Refreshed." }), now()));
      } catch (err) {
        const status = await o.engine.status(def);
        if (status.state === "authorized") refreshErrors.set(def.name, describe(err));
        return c.html(serverRows(await row(def, { kind: "error", text: describe(err) }), now()));
      }
    }));

  // Test: the tools with their parameters and a form to call each, in the details panel.
  app.post("/s/:id/test", (c) =>
    withServer(c.req.param("id"), async (def) => {
      try {
        const tools = (await o.listTools(def)).map((t) => typeof t === "string" ? { name: t } : t);
        return c.html(toolsPanel(def.name, encodeId(def.name), tools));
      } catch (err) {
        return c.html(errorPanel(`Tools of ${def.name}`, describe(err)));
      }
    }));

  app.post("/s/:id/call", (c) =>
    withServer(c.req.param("id"), async (def) => {
      // Every answer is 200: an error is part of the panel (shown in place), not a failed load.
      const form = await c.req.parseBody();
      const tool = typeof form.tool === "string" ? form.tool : "";
      const text = typeof form.args === "string" && form.args.trim() ? form.args : "{}";
      if (!o.callTool) return c.html(callError("This dashboard cannot call tools."));
      let args: unknown;
      try {
        args = JSON.parse(text);
      } catch (err) {
        return c.html(
          callError(`The arguments are not valid JSON (${(err as Error).message}).`),
        );
      }
      if (!args || typeof args !== "object" || Array.isArray(args)) {
        return c.html(
          callError('The arguments must be a JSON object, such as {"text": "hi"}.'),
        );
      }
      try {
        return c.html(callResult(await o.callTool(def, tool, args as Record<string, unknown>)));
      } catch (err) {
        return c.html(callError(describe(err)));
      }
    }));

  // "Connect a client": the snippets of `mcp-oauth config`; the proxy key only when asked.
  app.get(
    "/s/:id/connect",
    (c) =>
      withServer(c.req.param("id"), async (def) =>
        c.html(connectPanel({
          name: def.name,
          id: encodeId(def.name),
          port: Number(new URL(o.origin).port || 80),
          globals: o.clientGlobals ?? ["--home", o.home],
          proxy: o.proxyKey !== undefined,
          proxyKey: c.req.query("key") === "show" && o.proxyKey ? await o.proxyKey() : undefined,
        }))),
  );

  // The servers section asks every 2 s whether it changed: 204 (from the stamps of the config
  // and credential files, without reading them) until it did, then the section itself.
  app.get("/servers/live", async (c) => {
    const since = c.req.query("since") ?? "";
    const key = stampsKey();
    if (key !== undefined && live?.key === key) {
      if (since === `${live.base}.${passed(live.expiries, now())}`) return c.body(null, 204);
    }
    const rows = await allRows();
    const signature = liveSignature(rows);
    if (key !== undefined && key === stampsKey()) {
      live = { key, base: rowsSignature(rows), expiries: expiriesOf(rows) };
    }
    if (since === signature) return c.body(null, 204);
    return c.html(serversSection(rows, now(), signature));
  });

  app.post("/s/:id/revoke", (c) =>
    withServer(c.req.param("id"), async (def) => {
      const r = await o.engine.revoke(def);
      refreshErrors.delete(def.name);
      const msg: RowMessage = r.failures.length
        ? { kind: "error", text: `Deleted locally; ${r.failures.join(" ")}` }
        : { kind: "info", text: r.hadToken ? "Revoked." : "No tokens were stored." };
      return c.html(html`${serverRows(await row(def, msg), now())}${clearDetails()}`);
    }));

  app.post("/s/:id/remove", (c) =>
    withServer(c.req.param("id"), async (def) => {
      await o.engine.remove(def);
      messages.delete(def.name);
      refreshErrors.delete(def.name);
      return c.html(clearDetails());
    }));

  app.get("/s/:id/trace", (c) =>
    withServer(c.req.param("id"), async (def) => {
      try {
        const d = await o.engine.discover(def);
        return c.html(
          tracePanel(def.name, d, await o.engine.registration(d.issuer).catch(() => undefined)),
        );
      } catch (err) {
        return c.html(errorPanel("Discovery failed", describe(err)));
      }
    }));

  app.get(
    "/s/:id/claims",
    (c) =>
      withServer(c.req.param("id"), async (def) =>
        c.html(
          claimsPanel(def.name, await o.engine.tokenClaims(def).catch(() => ({ hasToken: false }))),
        )),
  );

  if (o.proxyKey) {
    app.all(
      "/mcp/:name",
      proxyHandler({
        engine: o.engine,
        proxyKey: o.proxyKey,
        dashboardUrl: `${o.origin}/`,
        signInNeeded: (server, reason) => {
          messages.set(server.name, {
            kind: "error",
            text: `An MCP client is waiting: ${reason}. Press Authorize.`,
          });
        },
      }),
    );
  }

  app.notFound((c) => c.text("Not found", 404));
  app.onError((err, c) =>
    c.text(
      `mcp-oauth could not do that: ${describe(err)}`,
      err instanceof McpOAuthError ? 400 : 500,
    )
  );
  return app;

  async function withServer(
    id: string,
    use: (def: ServerDefinition) => Promise<Response>,
  ): Promise<Response> {
    const name = decodeId(id);
    const def = name === undefined ? undefined : await o.engine.servers.get(name);
    if (!def) {
      return new Response(`No server with id ${id.slice(0, 80)}; reload the page.`, {
        status: 404,
      });
    }
    return await use(def);
  }

  async function row(def: ServerDefinition, message?: RowMessage): Promise<RowView> {
    const status = await o.engine.status(def);
    // An action's answer is remembered with the token state it left: the live section,
    // re-rendered because that action changed the tokens, shows it too instead of wiping it,
    // and drops it once the state moved on (a sign-in in a terminal after "Revoked.").
    const state = `${status.state}|${status.obtainedAt ?? ""}`;
    if (message) {
      messages.set(def.name, message);
      answeredAt.set(def.name, state);
    } else if (answeredAt.has(def.name) && answeredAt.get(def.name) !== state) {
      answeredAt.delete(def.name);
      messages.delete(def.name);
    }
    const pending = starting.has(def.name) || o.engine.flows.forServer(def.name, now()).length > 0;
    return {
      id: encodeId(def.name),
      status,
      pending,
      refreshError: refreshErrors.get(def.name),
      message: message ?? (pending ? undefined : messages.get(def.name)),
    };
  }

  /** What the stores, messages and sign-ins are now; undefined when a store cannot tell. */
  function stampsKey(): string | undefined {
    const config = o.engine.servers.stamp?.();
    const store = o.engine.store.stamp?.();
    if (config === undefined || store === undefined) return undefined;
    return `${config}|${store}|${changes}|${o.engine.flows.version}`;
  }

  function liveSignature(rows: RowView[]): string {
    return `${rowsSignature(rows)}.${passed(expiriesOf(rows), now())}`;
  }

  function withLive(rows: RowView[]): { rows: RowView[]; live: string } {
    return { rows, live: liveSignature(rows) };
  }

  /** Undefined when a store cannot tell whether it changed (credential helpers): no caching. */
  function listPageKey(): string | undefined {
    const config = o.engine.servers.stamp?.();
    const store = o.engine.store.stamp?.();
    if (config === undefined || store === undefined) return undefined;
    return `${config}|${store}|${changes}|${o.engine.flows.version}|${Math.floor(now() / 1000)}`;
  }

  async function allRows(): Promise<RowView[]> {
    const defs = await o.engine.servers.list();
    return await Promise.all(defs.map((d) => row(d)));
  }
}

/** The dashboard's security headers: a strict CSP with no inline script, no framing. */
export function dashboardSecureHeaders(): MiddlewareHandler {
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", "data:"],
      connectSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
    },
    // "same-origin", not "no-referrer": with no-referrer, browsers send `Origin: null` on the
    // dashboard's own form posts; cross-origin requests (the AS) still get no Referer.
    referrerPolicy: "same-origin",
    xFrameOptions: "DENY",
  });
}

/** The expiry instants of the rows' tokens: passing one changes what a row shows. */
function expiriesOf(rows: RowView[]): number[] {
  return rows.flatMap((r) => r.status.expiresAt === undefined ? [] : [r.status.expiresAt]);
}

/** A Map that reports every change, so the cached list page knows it is stale. */
class WatchedMap<K, V> extends Map<K, V> {
  readonly #onChange: () => void;
  constructor(onChange: () => void) {
    super();
    this.#onChange = onChange;
  }
  override set(key: K, value: V): this {
    this.#onChange();
    return super.set(key, value);
  }
  override delete(key: K): boolean {
    this.#onChange();
    return super.delete(key);
  }
}

/** Row ids are base64url of the server name: names may be URLs. */
export function encodeId(name: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(name))).replace(/\+/g, "-").replace(
    /\//g,
    "_",
  ).replace(/=+$/, "");
}

function decodeId(id: string): string | undefined {
  try {
    const b = atob(id.replace(/-/g, "+").replace(/_/g, "/"));
    return new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(b, (ch) => ch.charCodeAt(0)),
    );
  } catch {
    return undefined;
  }
}

function describe(err: unknown): string {
  if (err instanceof McpOAuthError) return err.message;
  const e = new McpOAuthError(ErrorCode.NETWORK, err instanceof Error ? err.message : String(err));
  return e.message;
}
