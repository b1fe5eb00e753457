/**
 * Decode the claims of a JWT access token for display. Nothing is verified:
 * the claims are shown to the person, never trusted by mcp-oauth.
 *
 * @module
 */

/**
 * The payload of `token` if it is a JWS compact serialization with a JSON
 * object payload, else undefined (opaque tokens).
 * @see https://datatracker.ietf.org/doc/html/rfc9068#section-2.2
 */
export function decodeJwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const b64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
    const value = JSON.parse(
      new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))),
    );
    return value && typeof value === "object" && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
