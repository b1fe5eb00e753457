/**
 * The relay as Cloudflare Workers runs it (issue 20): deploy/cloudflare/wrangler.jsonc served
 * by workerd through `wrangler dev --local`, offline, once for this file on a free port, and
 * every request case of relay-cases.ts and of the corpus
 * (test/corpus/local-relay-cases.ts) sent to it over HTTP. Fails, saying what to install,
 * when wrangler, workerd or Node 22 is missing.
 *
 * @module
 */
import { after, before, describe } from "node:test";
import { type EdgeServer, startEdge } from "./relay-edge.ts";
import { relayRequestCases } from "./relay-cases.ts";
import { relayCorpusCases } from "../corpus/local-relay-cases.ts";

describe("relay in workerd, wrangler dev --local (issue 20)", () => {
  let server: EdgeServer | undefined;
  before(async () => {
    server = await startEdge("wrangler-dev");
  });
  after(async () => {
    await server?.close();
  });

  const edge = () => {
    if (!server) throw new Error("workerd did not start (see the error of the before hook)");
    return server;
  };
  relayRequestCases((query) => edge().request(`/callback${query}`));
  // Cloudflare refuses URLs over 16 KiB before a Worker sees them.
  relayCorpusCases((path, init) => edge().request(path, init), { urlLimit: 16 * 1024 });
});
