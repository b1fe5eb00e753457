/**
 * One server for the relay benchmark: `relay` (the real relay app) or `bare`
 * (a bare Hono app answering one fixed 302), served by the runtime adapter.
 *
 *   bun scripts/bench/relay-server.ts relay|bare PORT
 */
import { Hono } from "hono";
import { relayApp } from "../../src/http/relay.ts";
import { detectRuntime } from "../../src/runtime/detect.ts";

const [kind, port] = [process.argv[2], Number(process.argv[3] ?? 0)];
const app = kind === "relay"
  ? relayApp()
  : new Hono().get("/callback", (c) =>
    c.redirect("http://localhost:49152/callback?code=x&state=y", 302));
const runtime = await detectRuntime();
const listener = await runtime.serve(app.fetch, { hostname: "127.0.0.1", port });
console.log(`${kind} ${listener.port}`);
