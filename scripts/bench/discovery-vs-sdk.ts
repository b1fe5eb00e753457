/**
 * Discovery + registration to a ready authorization URL, mcp-oauth versus the official
 * @modelcontextprotocol/sdk client auth functions, in the four URL layouts of the spec, on
 * loopback servers that delay every answer by a fixed time. Time is measured by the server:
 * from the first request it sees to the end of the last response. Runs are interleaved
 * (ours, SDK, SDK, ours, …) on a fresh server each; medians and min–max are printed in delay
 * units (elapsed / delay ≈ sequential round trips) and the ratio ours / SDK.
 *
 *   node_modules/.bin/bun scripts/bench/discovery-vs-sdk.ts [delayMs] [runs]
 */
// @ts-types="@modelcontextprotocol/sdk/client/auth"
import {
  discoverOAuthServerInfo,
  extractWWWAuthenticateParams,
  registerClient,
  startAuthorization,
} from "@modelcontextprotocol/sdk/client/auth.js";
import { authorizationUrl } from "../../src/core/authorization.ts";
import { discover } from "../../src/core/discover.ts";
import { createHttpContext } from "../../src/core/http-context.ts";
import { ensureClient } from "../../src/core/registration.ts";
import { MemoryStore } from "../../src/store/memory-store.ts";
import { type BenchLayoutOptions, startBenchLayout } from "./layouts.ts";
import { fmtRange, median } from "./stats.ts";

const delay = Number(process.argv[2] ?? 100);
const runs = Number(process.argv[3] ?? 5);
const REDIRECT = "http://127.0.0.1:49152/callback";
const INITIALIZE = JSON.stringify({
  jsonrpc: "2.0",
  id: 0,
  method: "initialize",
  params: {
    protocolVersion: "2025-11-25",
    capabilities: {},
    clientInfo: { name: "bench", version: "0" },
  },
});

const layouts: [string, BenchLayoutOptions][] = [
  ["1. PRM from the 401 header; issuer without path", { prm: "header", delayMs: delay }],
  ["2. PRM path-inserted; issuer /t1, OpenID path insertion only", {
    prm: "path",
    issuerPath: "/t1",
    metadata: ["oidc-insert"],
    delayMs: delay,
  }],
  ["3. PRM at the root; issuer /t1, RFC 8414 path insertion", {
    prm: "root",
    issuerPath: "/t1",
    metadata: ["oauth-insert"],
    delayMs: delay,
  }],
  ["4. PRM at a custom URL (header); issuer /t1, OpenID appended", {
    prm: "header",
    issuerPath: "/t1",
    metadata: ["oidc-append"],
    delayMs: delay,
  }],
];

/** mcp-oauth: discover, register (DCR into a MemoryStore), build the URL. */
async function ours(mcpUrl: string): Promise<string> {
  const http = createHttpContext();
  const d = await discover(http, mcpUrl);
  const client = await ensureClient(http, new MemoryStore(), {
    as: d.as,
    redirectUri: REDIRECT,
    clientName: "bench",
    now: Date.now(),
    trace: d.trace,
  });
  const url = await authorizationUrl({
    state: "s",
    codeVerifier: "v".repeat(43),
    redirectUri: REDIRECT,
    issuer: d.issuer,
    as: d.as,
    client,
    resource: d.resource,
    resourceIndicator: d.resourceIndicator,
    sendResource: true,
    scopes: d.prm?.scopes_supported ?? [],
    server: "bench",
    expiresAt: Date.now() + 600_000,
  });
  return url.href;
}

/**
 * The SDK as its client does it: the MCP request gets a 401, whose resource_metadata (if any)
 * goes to discovery (auth() → discoverOAuthServerInfo), then registerClient, startAuthorization.
 */
async function sdk(mcpUrl: string): Promise<string> {
  const res = await fetch(mcpUrl, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: INITIALIZE,
  });
  const { resourceMetadataUrl } = extractWWWAuthenticateParams(res);
  await res.body?.cancel();
  const info = await discoverOAuthServerInfo(mcpUrl, { resourceMetadataUrl });
  const scope = info.resourceMetadata?.scopes_supported?.join(" ");
  const client = await registerClient(info.authorizationServerUrl, {
    metadata: info.authorizationServerMetadata,
    clientMetadata: {
      client_name: "bench",
      redirect_uris: [REDIRECT],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    },
    scope,
  });
  const { authorizationUrl } = await startAuthorization(info.authorizationServerUrl, {
    metadata: info.authorizationServerMetadata,
    clientInformation: client,
    redirectUrl: REDIRECT,
    scope,
    resource: new URL(info.resourceMetadata?.resource ?? mcpUrl),
  });
  return authorizationUrl.href;
}

interface Sample {
  ms: number;
  requests: number;
}

async function once(
  options: BenchLayoutOptions,
  run: (mcpUrl: string) => Promise<string>,
): Promise<Sample> {
  const l = await startBenchLayout(options);
  try {
    const url = await run(l.mcpUrl);
    if (!url.includes("client_id=bench-client-1") || !url.includes("code_challenge=")) {
      throw new Error(`not a ready authorization URL: ${url}`);
    }
    const ms = Math.max(...l.log.map((e) => e.done));
    return { ms, requests: l.log.length };
  } finally {
    await l.close();
  }
}

console.log(
  `| layout (${delay} ms per response, ${runs} interleaved runs) | mcp-oauth rounds | min–max | requests | SDK rounds | min–max | requests | ours/SDK |`,
);
console.log("|---|---|---|---|---|---|---|---|");
for (const [name, options] of layouts) {
  await once(options, ours); // warm-up: module and JIT
  await once(options, sdk);
  const a: Sample[] = [];
  const b: Sample[] = [];
  for (let r = 0; r < runs; r++) {
    if (r % 2 === 0) {
      a.push(await once(options, ours));
      b.push(await once(options, sdk));
    } else {
      b.push(await once(options, sdk));
      a.push(await once(options, ours));
    }
  }
  const ua = a.map((s) => s.ms / delay);
  const ub = b.map((s) => s.ms / delay);
  console.log(
    `| ${name} | ${median(ua).toFixed(2)} | ${fmtRange(ua, 2)} | ${a[0]!.requests} | ${
      median(ub).toFixed(2)
    } | ${fmtRange(ub, 2)} | ${b[0]!.requests} | ${(median(ua) / median(ub)).toFixed(2)} |`,
  );
}
process.exit(0);
