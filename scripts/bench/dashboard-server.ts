/**
 * One server for the dashboard throughput benchmark, served by the runtime adapter:
 * `dashboard` (the real dashboard app, N servers each with a stored token, the key header
 * required), `bare` (a bare Hono app answering GET / with the very bytes the dashboard's list
 * page renders, as text/html, after the same key comparison) or `bare-secure` (the same with
 * the dashboard's security headers).
 *
 *   bun scripts/bench/dashboard-server.ts dashboard|bare|bare-secure N PORT
 */
import { Hono } from "hono";

import { dashboardSecureHeaders } from "../../src/http/dashboard/app.ts";

import { detectRuntime } from "../../src/runtime/detect.ts";
import { seedHome } from "../../test/helpers/seed.ts";
import { offlineDashboard } from "../../test/helpers/offline-dashboard.ts";

/** The key both apps expect in the mcp-oauth-key header. */
export const KEY = "bench-key";

const [kind, n, port] = [process.argv[2], Number(process.argv[3] ?? 20), Number(process.argv[4])];
const origin = `http://127.0.0.1:${port}`;

async function dashboard(): Promise<Hono> {
  const { home, store, servers } = await seedHome(n, `mcp-oauth-bench-dash-${n}-`);
  return offlineDashboard({ home, store, servers, secret: KEY, origin });
}

const real = await dashboard();
let app: Hono = real;
if (kind === "bare" || kind === "bare-secure") {
  const page = await (await real.request(`${origin}/`, {
    headers: { host: `127.0.0.1:${port}`, "mcp-oauth-key": KEY },
  })).text();
  app = new Hono();
  // bare-secure: the same bytes with the dashboard's security headers, the one thing a page
  // served to a browser may not leave out.
  if (kind === "bare-secure") app.use(dashboardSecureHeaders());
  app.get(
    "/",
    (c) => c.req.header("mcp-oauth-key") === KEY ? c.html(page) : c.text("forbidden", 403),
  );
}
const res = await app.request(`${origin}/`, {
  headers: { host: `127.0.0.1:${port}`, "mcp-oauth-key": KEY },
});
const body = await res.text();
if (res.status !== 200 || !body.includes(`server-${n - 1}`)) {
  throw new Error(`${kind}: bad list page (${res.status})`);
}
const runtime = await detectRuntime();
const listener = await runtime.serve(app.fetch, { hostname: "127.0.0.1", port });
console.log(`${kind} ${listener.port} ${body.length}`);
