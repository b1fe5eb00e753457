#!/usr/bin/env bash
# Resident memory of an idle `mcp-oauth serve` (after one page load) under Bun and Deno, in KiB.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
for rt in bun deno; do
  home="$(mktemp -d)"; log="$home/serve.log"
  MCP_OAUTH_HOME="$home" MCP_OAUTH_RUNTIME=$rt "$root/scripts/mcp-oauth" serve --port 0 >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 50); do grep -q 'k=' "$log" && break; sleep 0.1; done
  curl -s -o /dev/null "$(grep -o 'http://[^ ]*k=[^ ]*' "$log")"
  sleep 2
  echo "$rt: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status) resident, idle"
  kill "$pid"; wait "$pid" 2>/dev/null || true; rm -rf "$home"
done
