/**
 * The relay as Cloudflare Workers runs it (issue 20): deploy/cloudflare/wrangler.jsonc served
 * by workerd through `wrangler dev --local`, offline, once for this file on a free port, and
 * every request case of relay-cases.ts and of the corpus
 * (test/corpus/local-relay-cases.ts) sent to it over HTTP. Fails, saying what to install,
 * when wrangler, workerd or Node 22 is missing. And `wrangler deploy --dry-run` with that
 * config, which is everything the deployer's one command does but the upload.
 *
 * @module
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EdgeServer, startEdge, wranglerDryRun } from "./relay-edge.ts";
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

describe("relay on Cloudflare Workers: the deployer's one command (issue 20)", () => {
  it("wrangler deploy --dry-run with deploy/cloudflare/wrangler.jsonc bundles it offline", () => {
    const out = mkdtempSync(join(tmpdir(), "mcp-oauth-dry-run-"));
    try {
      const output = wranglerDryRun(out);
      assert.match(output, /Total Upload: [\d.]+ KiB \/ gzip: [\d.]+ KiB/);
      assert.match(output, /--dry-run: exiting now/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
