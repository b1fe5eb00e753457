/**
 * A tool's parameters as a person writes them in `call --args`: name, type and whether it is
 * required, read from the tool's input JSON Schema. Shared by `mcp-oauth tools` and the
 * dashboard's Test panel.
 *
 * @module
 */

/** One parameter of a tool. */
export interface ToolParameter {
  name: string;
  /** A short type: `string`, `number`, `string[]`, `"a" | "b"`, `object`, or `any`. */
  type: string;
  required: boolean;
  description?: string;
}

/**
 * The top-level properties of a tool's `inputSchema`, required ones first (in schema order).
 * Server data: anything that is not the expected shape is read as "no parameters".
 * @see https://modelcontextprotocol.io/specification/2026-07-28/server/tools#tool
 */
export function toolParameters(inputSchema: unknown): ToolParameter[] {
  const schema = inputSchema as { properties?: unknown; required?: unknown } | undefined;
  const props = schema?.properties;
  if (!props || typeof props !== "object" || Array.isArray(props)) return [];
  const required = new Set(Array.isArray(schema!.required) ? schema!.required : []);
  const out: ToolParameter[] = [];
  for (const [name, spec] of Object.entries(props as Record<string, unknown>)) {
    const description = (spec as { description?: unknown } | null)?.description;
    out.push({
      name,
      type: typeOf(spec, 0),
      required: required.has(name),
      ...(typeof description === "string" ? { description } : {}),
    });
  }
  return out.sort((a, b) => Number(b.required) - Number(a.required));
}

/** `text: string, limit?: integer`: TypeScript's notation, which `--args` JSON follows. */
export function formatParameters(params: readonly ToolParameter[]): string {
  return params.map((p) => `${p.name}${p.required ? "" : "?"}: ${p.type}`).join(", ");
}

function typeOf(spec: unknown, depth: number): string {
  if (!spec || typeof spec !== "object" || depth > 3) return "any";
  const s = spec as {
    type?: unknown;
    enum?: unknown;
    const?: unknown;
    items?: unknown;
    anyOf?: unknown;
    oneOf?: unknown;
  };
  if (Array.isArray(s.enum) && s.enum.length && s.enum.length <= 6) {
    return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  }
  if (s.const !== undefined) return JSON.stringify(s.const);
  const union = Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : undefined;
  if (union) return [...new Set(union.map((u) => typeOf(u, depth + 1)))].join(" | ");
  const types = (Array.isArray(s.type) ? s.type : [s.type]).filter((t) => typeof t === "string");
  if (!types.length) return "any";
  return types.map((t) =>
    t === "array" ? `${s.items ? wrap(typeOf(s.items, depth + 1)) : "any"}[]` : String(t)
  ).join(" | ");
}

function wrap(type: string): string {
  return type.includes(" | ") ? `(${type})` : type;
}
