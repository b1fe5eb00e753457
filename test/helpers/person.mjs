#!/usr/bin/env node
// @ts-self-types="./person.d.mts"
/**
 * A scripted person standing in for a browser: signs in at the oidc-provider test fixture over
 * plain HTTP (devInteractions login form, then consent), follows redirects by hand with a cookie
 * jar, and finally GETs the loopback callback the authorization server redirects to.
 *
 * CLI: `node test/helpers/person.mjs <authorizationUrl>` (also bun / deno run -A); mcp-oauth's
 * one-time local link to the authorization URL (http://127.0.0.1:PORT/open/…) is followed first
 * and logged as `openedUrl`, the URL it leads to as `authorizationUrl`. Environment:
 * PERSON_LOGIN (default "alice"), PERSON_PASSWORD, PERSON_ACTION=deny (abort instead of
 * consenting: the callback gets error=access_denied), PERSON_USER_CODE (device flow),
 * PERSON_LOG=file (one JSON line per run). Exits 0 once the callback answered, else 1 with a
 * one-line message on stderr.
 *
 * Plain JavaScript so it runs on Node without a TypeScript loader; typed by person.d.mts.
 * @module
 */
import { appendFileSync, realpathSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";

const MAX_STEPS = 40;

/**
 * Signs in starting at `authorizationUrl` and opens the callback URL.
 * @param {string} authorizationUrl
 * @param {import("./person.d.mts").SignInOptions} [opts]
 * @returns {Promise<import("./person.d.mts").SignInResult>}
 */
export async function signIn(authorizationUrl, opts = {}) {
  const login = opts.login ?? "alice";
  const password = opts.password ?? "secret";
  const action = opts.action ?? "consent";
  /** @type {Map<string, Map<string, string>>} */
  const jar = new Map();
  /** The URL given, when it is mcp-oauth's one-time local link to the real one. */
  let openedUrl = null;
  let result;
  try {
    const start = new URL(authorizationUrl);
    if (start.hostname === "127.0.0.1" && start.pathname.startsWith("/open/")) {
      openedUrl = start.href;
      const res = await fetch(start, { redirect: "manual" });
      await res.body?.cancel();
      const location = res.headers.get("location");
      if (res.status !== 303 || !location) {
        throw new Error(`the one-time link answered ${res.status}, not a redirect`);
      }
      authorizationUrl = new URL(location, start).href;
    }
    result = await walk(new URL(authorizationUrl), {
      login,
      password,
      action,
      jar,
      userCode: opts.userCode,
      stopAtCallback: opts.stopAtCallback === true,
    });
    return result;
  } catch (error) {
    result = { error: error instanceof Error ? error.message : String(error) };
    throw error;
  } finally {
    if (opts.log) {
      const line = {
        authorizationUrl,
        openedUrl,
        callbackUrl: null,
        callbackStatus: null,
        action,
        ...result,
      };
      appendFileSync(opts.log, JSON.stringify(line) + "\n");
    }
  }
}

/**
 * @param {URL} start
 * @param {{login: string, password: string, action: string, userCode?: string,
 *   stopAtCallback: boolean, jar: Map<string, Map<string, string>>}} ctx
 */
async function walk(start, ctx) {
  /** @type {{url: URL, method: string, body?: URLSearchParams}} */
  let next = { url: start, method: "GET" };
  for (let step = 0; step < MAX_STEPS; step++) {
    const { url, method, body } = next;
    const res = await request(url, method, body, ctx.jar);

    if (res.status >= 300 && res.status < 400) {
      const location = res.headers.get("location");
      if (!location) throw new Error(`${res.status} without Location at ${url}`);
      const target = new URL(location, url);
      if (isCallback(target, url)) {
        // A person on another machine copies the address instead of loading it.
        if (ctx.stopAtCallback) return { callbackUrl: target.href, callbackStatus: 0 };
        return openCallback(target, ctx.jar);
      }
      next = { url: target, method: "GET" };
      continue;
    }

    const html = await res.text();
    if (res.status !== 200) throw new Error(`${res.status} at ${url.pathname}: ${describe(html)}`);
    const form = parseForm(html, url);
    const prompt = form?.fields.get("prompt");

    if (prompt === "login") {
      form.fields.set("login", ctx.login);
      form.fields.set("password", ctx.password);
      next = { url: form.action, method: "POST", body: form.fields };
    } else if (prompt === "consent") {
      const abort = ctx.action === "deny" ? findLink(html, url, /abort/) : undefined;
      if (ctx.action === "deny" && !abort) throw new Error("consent page without an abort link");
      next = abort
        ? { url: abort, method: "GET" }
        : { url: form.action, method: "POST", body: form.fields };
    } else if (/<title>\s*Sign-in Success/i.test(html) || /request was interrupted/i.test(html)) {
      // Device flow: no redirect; the success (or, after abort, "interrupted") page is the end.
      return { callbackUrl: url.href, callbackStatus: res.status };
    } else if (form?.id === "op.deviceInputForm") {
      const code = ctx.userCode ?? form.fields.get("user_code");
      if (!code) throw new Error("device code input page, but no user code (PERSON_USER_CODE)");
      form.fields.set("user_code", code);
      next = { url: form.action, method: "POST", body: form.fields };
    } else if (form?.id === "op.deviceConfirmForm") {
      if (ctx.action === "deny") form.fields.set("abort", "yes");
      next = { url: form.action, method: "POST", body: form.fields };
    } else if (form?.method === "POST" && isCallback(form.action, url)) {
      // response_mode=form_post: the page would auto-submit to the redirect URI.
      return openCallback(form.action, ctx.jar, form.fields);
    } else if (form?.method === "POST" && /<title>\s*Submitting Callback/i.test(html)) {
      // Auto-submitting page within the AS (device flow with user_code in the URL).
      next = { url: form.action, method: "POST", body: form.fields };
    } else {
      throw new Error(`unexpected page at ${url.pathname}: ${describe(html)}`);
    }
  }
  throw new Error(`no callback after ${MAX_STEPS} steps`);
}

/**
 * A redirect leaves the authorization server for the client's callback.
 * @param {URL} target
 * @param {URL} from
 */
function isCallback(target, from) {
  if (!/^https?:$/.test(target.protocol)) return true;
  if (target.pathname.endsWith("/callback")) return true;
  const params = target.searchParams;
  return target.origin !== from.origin && (params.has("code") || params.has("error"));
}

/**
 * What a browser does at the end: load the redirect URI (retrying briefly if nobody listens yet).
 * @param {URL} url
 * @param {Map<string, Map<string, string>>} jar
 * @param {URLSearchParams} [body]
 */
async function openCallback(url, jar, body) {
  if (!/^https?:$/.test(url.protocol)) throw new Error(`cannot open callback ${url.href}`);
  for (let attempt = 0;; attempt++) {
    try {
      const res = await request(url, body ? "POST" : "GET", body, jar);
      await res.body?.cancel();
      return { callbackUrl: url.href, callbackStatus: res.status };
    } catch (error) {
      if (attempt >= 10) throw new Error(`callback ${url.href} unreachable: ${error}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/**
 * @param {URL} url
 * @param {string} method
 * @param {URLSearchParams | undefined} body
 * @param {Map<string, Map<string, string>>} jar
 */
async function request(url, method, body, jar) {
  /** @type {Record<string, string>} */
  const headers = {
    accept: "text/html,application/xhtml+xml",
    "user-agent": "mcp-oauth-test-person",
  };
  const cookies = jar.get(url.host);
  if (cookies?.size) headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  if (body) headers["content-type"] = "application/x-www-form-urlencoded";
  const res = await fetch(url, { method, headers, body, redirect: "manual" });
  for (const line of res.headers.getSetCookie()) {
    const [pair, ...attrs] = line.split(";");
    const eq = pair.indexOf("=");
    if (eq < 1) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const gone = attrs.some((a) => {
      const [k, v = ""] = a.trim().split("=");
      return (/^max-age$/i.test(k) && Number(v) <= 0) ||
        (/^expires$/i.test(k) && Date.parse(v) < Date.now());
    });
    const host = jar.get(url.host) ?? new Map();
    jar.set(url.host, host);
    if (gone || value === "") host.delete(name);
    else host.set(name, value);
  }
  return res;
}

/**
 * The first form of a page: its action, method, id and input values.
 * @param {string} html
 * @param {URL} base
 */
function parseForm(html, base) {
  const match = html.match(/<form\b([^>]*)>([\s\S]*?)<\/form>/i);
  if (!match) return undefined;
  const attrs = attributes(match[1]);
  const fields = new URLSearchParams();
  for (const input of match[2].matchAll(/<input\b([^>]*)>/gi)) {
    const a = attributes(input[1]);
    if (a.name) fields.set(a.name, a.value ?? "");
  }
  return {
    id: attrs.id,
    method: (attrs.method ?? "GET").toUpperCase(),
    action: new URL(attrs.action ?? base.href, base),
    fields,
  };
}

/**
 * @param {string} html
 * @param {URL} base
 * @param {RegExp} pattern
 */
function findLink(html, base, pattern) {
  for (const a of html.matchAll(/<a\b([^>]*)>/gi)) {
    const href = attributes(a[1]).href;
    if (href && pattern.test(href)) return new URL(href, base);
  }
  return undefined;
}

/** @param {string} source */
function attributes(source) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const m of source.matchAll(/([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/g)) {
    out[m[1].toLowerCase()] = decode(m[2] ?? m[3] ?? m[4]);
  }
  return out;
}

/** @param {string} s */
function decode(s) {
  return s.replace(
    /&(amp|lt|gt|quot|#39|#x27);/g,
    (_, e) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'", "#x27": "'" })[e] ?? _,
  );
}

/** A short description of an HTML page (oidc-provider error pages list error/description). @param {string} html */
function describe(html) {
  const pre = [...html.matchAll(/<pre>([\s\S]*?)<\/pre>/gi)].map((m) => m[1]);
  const text =
    (pre.length ? pre.join("; ") : html.match(/<title>([\s\S]*?)<\/title>/i)?.[1] ?? html)
      .replace(/<[^>]+>/g, "").replace(/\s+/g, " ").trim();
  return decode(text).slice(0, 300);
}

function isMain() {
  // @ts-ignore: import.meta.main exists in Bun, Deno and Node >= 24, not in Node 20's types.
  if (typeof import.meta.main === "boolean") return import.meta.main;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  const url = process.argv[2];
  if (!url) {
    process.stderr.write("usage: person.mjs <authorizationUrl>\n");
    process.exit(2);
  }
  const env = process.env;
  signIn(url, {
    login: env.PERSON_LOGIN || undefined,
    password: env.PERSON_PASSWORD || undefined,
    action: env.PERSON_ACTION === "deny" ? "deny" : "consent",
    userCode: env.PERSON_USER_CODE || undefined,
    log: env.PERSON_LOG || undefined,
  }).then(
    () => process.exit(0),
    (error) => {
      process.stderr.write(`person: ${error instanceof Error ? error.message : error}\n`);
      process.exit(1);
    },
  );
}
