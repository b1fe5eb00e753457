/**
 * One server for the relay benchmark: `relay` (the real relay app), `bare` (a bare Hono app
 * answering one fixed 302) or `bare-relay` (a bare Hono app making the relay's redirect without
 * its checks), served by the runtime adapter.
 *
 *   bun scripts/bench/relay-server.ts relay|bare|bare-relay PORT
 */
import { Hono } from "hono";
import { relayApp } from "../../src/http/relay.ts";
import { detectRuntime } from "../../src/runtime/detect.ts";

const [kind, port] = [process.argv[2], Number(process.argv[3] ?? 0)];
// relay: the real relay app. bare: one fixed 302, reading nothing. bare-relay: the same
// redirect the relay makes (port from the state, code/state/iss copied) with no checks and
// no security headers: what the relay costs for its checks.
const app = kind === "relay"
  ? relayApp()
  : kind === "bare-relay"
  ? new Hono().get("/callback", (c) => {
    const [, port, nonce] = (c.req.query("state") ?? "").split(":");
    const q = new URLSearchParams({
      code: c.req.query("code") ?? "",
      state: nonce ?? "",
      iss: c.req.query("iss") ?? "",
    });
    return c.redirect(`http://localhost:${port}/callback?${q}`, 302);
  })
  : new Hono().get("/callback", (c) =>
    c.redirect("http://localhost:49152/callback?code=x&state=y", 302));
const runtime = await detectRuntime();
const listener = await runtime.serve(app.fetch, { hostname: "127.0.0.1", port });
console.log(`${kind} ${listener.port}`);
