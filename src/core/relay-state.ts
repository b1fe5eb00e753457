/**
 * The state format of the redirect relay, built and parsed in this one place:
 * the relay (http/relay.ts) redirects `mcp-oauth:PORT:NONCE` (or Docker's
 * gateway's `mcp-gateway:PORT:UUID`) to `http://localhost:PORT/callback` with
 * the bare nonce, and the sign-in sends it.
 *
 * @module
 */

/**
 * `mcp-oauth:PORT:NONCE`: the state a relay turns into a redirect to
 * `http://localhost:PORT/callback` with the bare nonce.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-4.1.1
 */
export function relayState(port: number, nonce: string): string {
  return `mcp-oauth:${port}:${nonce}`;
}

/** The loopback port and bare nonce of a relay state (ours or Docker's gateway's), else undefined. */
export function parseRelayState(
  state: string,
): { kind: "mcp-oauth" | "mcp-gateway"; port: number; nonce: string } | undefined {
  const m = /^(mcp-oauth|mcp-gateway):([1-9][0-9]{3,4}):([A-Za-z0-9_-]{16,128})$/.exec(state);
  if (!m) return undefined;
  return { kind: m[1] as "mcp-oauth" | "mcp-gateway", port: Number(m[2]), nonce: m[3]! };
}
