/**
 * The dashboard over a home's file store and config, with no MCP traffic (Test lists no tools):
 * for tests and benchmarks of its pages.
 *
 * @module
 */
import { createEngine } from "../../src/core/engine.ts";
import { dashboardApp } from "../../src/http/dashboard/app.ts";
import { assets } from "../../src/http/dashboard/assets.ts";
import type { CredentialStore } from "../../src/store/credential-store.ts";
import type { ServerRegistry } from "../../src/store/server-registry.ts";

/** The dashboard app at `origin` (default http://127.0.0.1:7777) with access key `secret`. */
export function offlineDashboard(o: {
  home: string;
  store: CredentialStore;
  servers: ServerRegistry;
  secret: string;
  origin?: string;
  now?: () => number;
}): ReturnType<typeof dashboardApp> {
  const origin = o.origin ?? "http://127.0.0.1:7777";
  return dashboardApp({
    engine: createEngine({ store: o.store, servers: o.servers, now: o.now }),
    origin,
    hosts: [new URL(origin).host],
    secret: o.secret,
    home: o.home,
    assets,
    listTools: () => Promise.resolve([]),
    now: o.now,
  });
}
