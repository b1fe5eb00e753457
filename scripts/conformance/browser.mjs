#!/usr/bin/env node
// The conformance runs' browser: what a person's browser does with the authorization URL when
// the sign-in needs no typing: follow the redirects (to the suite's authorization server, then
// to mcp-oauth's loopback callback). Run by mcp-oauth as `--browser "node browser.mjs"`.
const url = process.argv[2];
if (!url) {
  console.error("browser.mjs: give the URL to open");
  process.exit(2);
}
try {
  const res = await fetch(url, { redirect: "follow", signal: AbortSignal.timeout(30_000) });
  await res.arrayBuffer();
} catch (err) {
  console.error(`browser.mjs: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
