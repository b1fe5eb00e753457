#!/usr/bin/env bash
# Requests per second of the relay versus a bare Hono app answering one fixed 302, on the
# same runtime, with the same load generator (wrk, from Debian: apt-get install wrk), side
# by side: 3 interleaved rounds of 5 s each, median and min-max.
#   bash scripts/bench/relay.sh [bun|deno]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
rt="${1:-bun}"
command -v wrk >/dev/null || { echo "relay.sh: needs wrk (apt-get install wrk)" >&2; exit 1; }
run() {
  if [ "$rt" = deno ]; then "$root/node_modules/.bin/deno" run -A --config "$root/deno.json" "$root/scripts/bench/relay-server.ts" "$@"
  else "$root/node_modules/.bin/bun" "$root/scripts/bench/relay-server.ts" "$@"; fi
}
run relay 18788 >/dev/null & relay=$!
run bare 18789 >/dev/null & bare=$!
trap 'kill $relay $bare 2>/dev/null' EXIT
sleep 2
q="/callback?code=SplxlOBeZQQYbYS6WxSbIA&state=mcp-oauth%3A49152%3Ak3hK3FK6ggOY6YuZCK_hkpadDp0GoYZA7NObe8sMtMs&iss=https%3A%2F%2Fas.example.com"
declare -A rps
for round in 1 2 3; do
  for kind in relay bare; do
    port=18788; [ $kind = bare ] && port=18789
    r=$(wrk -t2 -c32 -d5s "http://127.0.0.1:$port$q" | awk '/Requests\/sec/ {print $2}')
    rps[$kind]="${rps[$kind]:-} $r"
  done
done
echo "| $rt, wrk -t2 -c32, 3 x 5 s | median req/s | min-max |"
echo "|---|---|---|"
for kind in relay bare; do
  read -ra xs <<< "${rps[$kind]}"
  sorted=($(printf '%s\n' "${xs[@]}" | sort -n))
  echo "| $kind | ${sorted[1]} | ${sorted[0]}-${sorted[2]} |"
done
