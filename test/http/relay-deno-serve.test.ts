/**
 * The relay as Deno Deploy runs it (issue 20): deploy/deno/main.ts under `deno serve`, with no
 * permission flags, once for this file on a free port, and every request case of
 * relay-cases.ts sent to it over HTTP.
 *
 * @module
 */
import { after, before, describe } from "node:test";
import { type EdgeServer, startEdge } from "./relay-edge.ts";
import { relayRequestCases } from "./relay-cases.ts";
import { relayCorpusCases } from "../corpus/local-relay-cases.ts";

describe("relay under deno serve, the Deno Deploy entry (issue 20)", () => {
  let server: EdgeServer | undefined;
  before(async () => {
    server = await startEdge("deno-serve");
  });
  after(async () => {
    await server?.close();
  });

  const edge = () => {
    if (!server) throw new Error("deno serve did not start (see the error of the before hook)");
    return server;
  };
  relayRequestCases((query) => edge().request(`/callback${query}`));
  // Cloudflare refuses URLs over 16 KiB before a Worker sees them.
  relayCorpusCases((path, init) => edge().request(path, init), { urlLimit: 16 * 1024 });
});
