/**
 * The details panels that answer Test and Connect: a server's tools with their parameters and
 * a form to call each one, a call's result, and the MCP client snippets ("Connect a client").
 * Server text is escaped by hono/html, as everywhere on the dashboard.
 *
 * @module
 */
import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import {
  CLIENT_FILES,
  type ClientName,
  CLIENTS,
  clientSnippet,
  shellWord,
} from "../../cli/client-snippet.ts";
import { toolParameters } from "../../cli/tool-params.ts";

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** A tool as tools/list describes it (what the panel uses of it). */
export interface ToolView {
  name: string;
  description?: string;
  inputSchema?: unknown;
}

/** What a tools/call answered (what the panel shows of it). */
export interface CallView {
  content?: unknown;
  isError?: boolean;
}

/** Bidirectional controls: tool text with them could reorder what the panel shows. */
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const clean = (text: string) => text.replace(BIDI, "");

/**
 * The tools of server `name` (row id `id`): each with its description, its parameters (name,
 * type, required) and a form that calls it with arguments as JSON.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/server/tools
 */
export function toolsPanel(name: string, id: string, tools: ToolView[]): Html {
  return html`
    <h2>Tools of ${clean(name)}</h2>
    ${tools.length
      ? html`
        <p
          class="note">${tools.length} tool${tools.length === 1
            ? ""
            : "s"}. Arguments are JSON, as <code>mcp-oauth call ${clean(
              name,
            )} TOOL --args '…'</code> takes them.</p>
      `
      : html`<p class="note">The server offers no tools.</p>`}
    <div class="tools-list">${tools.map((t, i) => toolCard(id, t, i))}</div>
  `;
}

function toolCard(id: string, tool: ToolView, i: number): Html {
  const params = toolParameters(tool.inputSchema);
  const example = Object.fromEntries(
    params.filter((p) => p.required).map((p) => [p.name, sample(p.type)]),
  );
  const result = `call-${id}-${i}`;
  return html`<article class="tool" data-tool="${clean(tool.name)}">
      <h3><code>${clean(tool.name)}</code></h3>
      ${tool.description ? html`<p>${clean(tool.description)}</p>` : ""}
      ${
    params.length
      ? html`
        <table class="params">
          <thead>
            <tr>
              <th>Parameter</th>
              <th>Type</th>
              <th>Required</th>
              <th>Description</th>
            </tr>
          </thead>
          <tbody>${params.map((p) =>
            html`
              <tr>
                <td><code>${clean(p.name)}</code></td>
                <td><code>${clean(p.type)}</code></td>
                <td>${p.required ? "required" : "optional"}</td>
                <td>${clean(p.description ?? "")}</td>
              </tr>
            `
          )}</tbody>
        </table>
      `
      : html`<p class="note">No parameters.</p>`
  }
      <form class="call" hx-post="/s/${id}/call" hx-target="#${result}" hx-swap="innerHTML"
        hx-indicator="#${result}" hx-disable="find button">
        <input type="hidden" name="tool" value="${clean(tool.name)}">
        <label>Arguments (JSON)
          <textarea name="args" rows="${
    Math.min(6, Math.max(1, params.length))
  }" spellcheck="false" autocomplete="off">${JSON.stringify(example)}</textarea>
        </label>
        <p><button type="submit">Call ${clean(tool.name)}</button></p>
      </form>
      <div id="${result}" class="call-result" aria-live="polite"></div>
    </article>`;
}

/** A placeholder of a parameter's type for the example arguments. */
function sample(type: string): unknown {
  if (type === "number" || type === "integer") return 0;
  if (type === "boolean") return false;
  if (type.endsWith("[]")) return [];
  if (type === "object") return {};
  return "";
}

/** The answer of one call: its text content, or the error, in place under the form. */
export function callResult(result: CallView): Html {
  const parts = Array.isArray(result.content) ? result.content : [];
  const shown = parts.map((p: { type?: unknown; text?: unknown }) =>
    p?.type === "text" ? clean(String(p.text ?? "")) : `[${clean(String(p?.type))} content]`
  ).join("\n");
  return html`
    <p class="${result.isError ? "error" : "ok"}">${result.isError
      ? "The tool reported an error:"
      : "Result:"}</p>
    <pre>${shown || "(no content)"}</pre>
  `;
}

/** An error of a call (bad JSON, no token, the server failed), in place under the form. */
export function callError(text: string): Html {
  return html`<p class="error" role="alert">${clean(text)}</p>`;
}

/**
 * "Connect a client": the snippets of `mcp-oauth config` for Claude Desktop, Cursor and VS
 * Code, by the stdio bridge and by this dashboard's proxy, each with a copy button. The proxy
 * key appears only once asked for (`proxyKey`); until then the snippets hold a placeholder.
 */
export function connectPanel(o: {
  name: string;
  id: string;
  port: number;
  globals: string[];
  /** Whether this dashboard serves the proxy. */
  proxy: boolean;
  /** The key, when asked to show it. */
  proxyKey?: string;
}): Html {
  const name = clean(o.name);
  const placeholder = "PROXY-KEY (press Show the proxy key)";
  const block = (client: ClientName, transport: "stdio" | "proxy") => {
    const snippet = clientSnippet(client, {
      name: o.name,
      transport,
      port: o.port,
      globals: o.globals,
      proxyKey: o.proxyKey ?? placeholder,
    });
    if (!snippet) return "";
    const id = `snippet-${o.id}-${client}-${transport}`;
    const copyable = transport === "stdio" || o.proxyKey !== undefined;
    return html`
      <div class="snippet">
        <div class="snippet-head"><strong>${CLIENT_FILES[client].title}</strong>
          ${copyable
            ? html`<button type="button" class="copy" data-copy="${id}">Copy</button>`
            : ""}</div>
        <div class="note file">${CLIENT_FILES[client].file}</div>
        <pre id="${id}"><code>${JSON.stringify(snippet, null, 2)}</code></pre>
      </div>
    `;
  };
  const serve = ["mcp-oauth", "serve", "--port", String(o.port), ...o.globals.map(shellWord)]
    .join(" ");
  return html`
    <h2>Connect a client to ${name}</h2>
    <p>Paste one of these into the client's MCP configuration. The client never sees the
      server's own token: mcp-oauth adds it, refreshed as needed.</p>
    <h3>Through the stdio bridge (the client starts <code>mcp-oauth stdio ${name}</code>)</h3>
    <div class="snippets">${CLIENTS.map((c) => block(c, "stdio"))}</div>
    ${o.proxy
      ? html`
        <h3>Through this dashboard's proxy</h3>
        <p>The proxy answers at <code>http://127.0.0.1:${o.port}/mcp/${name}</code> while
              <code>${serve}</code> runs (this dashboard). Clients present mcp-oauth's proxy key,
              never the server's token.
              ${o.proxyKey === undefined
                ? html`
                  <button type="button" hx-get="/s/${o.id}/connect?key=show" hx-target="#details"
                    hx-swap="innerHTML">Show the proxy key</button>
                `
                : html`<span class="note">The key is shown: anyone who sees it can use the proxy
        (<code>mcp-oauth proxy-key --rotate</code> replaces it).</span>`}</p>
        <div class="snippets">${CLIENTS.map((c) => block(c, "proxy"))}</div>
        <p class="note">Claude Desktop's file takes local commands only: use the stdio bridge there.</p>
      `
      : raw("")}
  `;
}
