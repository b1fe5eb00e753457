/**
 * SEP-2243 `Mcp-Param-*` headers for a `tools/call` the stdio bridge forwards: the local client
 * speaks stdio, which has no headers, so the bridge (the HTTP client here) mirrors the
 * arguments the tool's `x-mcp-header` declarations name, as the server's `tools/list` gave them.
 *
 * Hand-written: @modelcontextprotocol/client 2.4.0 does this inside `Client.callTool`
 * (`scanXMcpHeaderDeclarations`, `buildMcpParamHeaders`) but exports neither, and the bridge
 * forwards raw messages rather than calling tools through a `Client`. The rules are the
 * SDK's: a declaration is a non-empty RFC 9110 token on a `string`, `integer` or `boolean`
 * property reached through `properties` only, case-insensitively unique; a tool with any other
 * declaration gets no headers (its server will refuse the call, as it must be refused).
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http
 * @module
 */

/** One declared parameter: where its argument is, and the header name. */
export interface ParamDeclaration {
  path: string[];
  header: string;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const PRIMITIVE = new Set(["string", "integer", "boolean"]);
/** Keywords under which a declaration is not allowed (not statically reachable). */
const ELSEWHERE = [
  "items",
  "prefixItems",
  "contains",
  "additionalProperties",
  "unevaluatedProperties",
  "unevaluatedItems",
  "propertyNames",
  "patternProperties",
  "dependentSchemas",
  "oneOf",
  "anyOf",
  "allOf",
  "not",
  "if",
  "then",
  "else",
  "$defs",
  "definitions",
];

/**
 * The declarations of a tool's input schema; undefined when one is invalid (the tool then
 * gets no headers).
 */
export function paramDeclarations(inputSchema: unknown): ParamDeclaration[] | undefined {
  const found: ParamDeclaration[] = [];
  const seen = new Set<string>();
  const visit = (node: unknown, path: string[], reachable: boolean): boolean => {
    if (!node || typeof node !== "object") return true;
    const schema = node as Record<string, unknown>;
    if ("x-mcp-header" in schema) {
      const header = schema["x-mcp-header"];
      if (!reachable || !path.length || typeof header !== "string" || !TOKEN.test(header)) {
        return false;
      }
      if (!PRIMITIVE.has(schema.type as string) || seen.has(header.toLowerCase())) return false;
      seen.add(header.toLowerCase());
      found.push({ path, header });
    }
    const props = schema.properties;
    if (props && typeof props === "object") {
      for (const [k, child] of Object.entries(props)) {
        if (!visit(child, [...path, k], reachable)) return false;
      }
    }
    for (const k of ELSEWHERE) {
      const sub = schema[k];
      if (sub === undefined || sub === null || typeof sub !== "object") continue;
      const branches = Array.isArray(sub)
        ? sub
        : k === "patternProperties" || k === "dependentSchemas" || k === "$defs" ||
            k === "definitions"
        ? Object.values(sub)
        : [sub];
      for (const b of branches) if (!visit(b, [...path, `<${k}>`], false)) return false;
    }
    return true;
  };
  return visit(inputSchema, [], true) ? found : undefined;
}

/**
 * The `Mcp-Param-*` headers for a call's arguments: strings as they are, numbers in decimal,
 * booleans as `true`/`false`; a value that is not a safe field value (non-ASCII, controls,
 * leading or trailing whitespace, empty, or the sentinel's own shape) as `=?base64?…?=` of its
 * UTF-8; none for an absent or null argument.
 */
export function paramHeaders(
  declarations: readonly ParamDeclaration[],
  args: unknown,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { path, header } of declarations) {
    let value: unknown = args;
    for (const key of path) {
      value = value && typeof value === "object"
        ? (value as Record<string, unknown>)[key]
        : undefined;
    }
    const text = typeof value === "string"
      ? value
      : typeof value === "boolean"
      ? String(value)
      : typeof value === "number" && Number.isFinite(value) &&
          (!Number.isInteger(value) || Number.isSafeInteger(value))
      ? String(value)
      : undefined;
    if (text !== undefined) out[`Mcp-Param-${header}`] = encodeValue(text);
  }
  return out;
}

function encodeValue(text: string): string {
  const safe = text.length > 0 && text === text.trim() &&
    !(text.startsWith("=?base64?") && text.endsWith("?=")) &&
    /^[\t\x20-\x7e]*$/.test(text);
  if (safe) return text;
  let binary = "";
  for (const b of new TextEncoder().encode(text)) binary += String.fromCharCode(b);
  return `=?base64?${btoa(binary)}?=`;
}
