/**
 * A model of YAML values and an emitter that writes them in every style the YAML subset
 * reader supports (block and flow collections, plain, quoted and block scalars, comments,
 * "---", CRLF), for the round-trip properties of the reader and of the catalog import.
 *
 * @module
 */

/** A YAML (and JSON) value. */
export type V = null | boolean | number | string | V[] | { [k: string]: V };

const KEYWORDS = /^(null|Null|NULL|~|true|True|TRUE|false|False|FALSE)$/;
const SAFE_PLAIN = /^[A-Za-z_](?:[A-Za-z0-9_ ./-]*[A-Za-z0-9_./-])?$/;
const SAFE_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
/** Characters a single-quoted scalar cannot hold on one line (controls, line separators). */
// deno-lint-ignore no-control-regex
const UNQUOTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Characters YAML does not allow raw in a document (outside c-printable). */
const NON_PRINTABLE =
  // deno-lint-ignore no-control-regex
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u0084\u0086-\u009f\ufffe\uffff]/;

/** A double-quoted scalar: JSON's escapes, plus \u escapes for what YAML may not hold raw. */
function dq(v: string): string {
  return JSON.stringify(v).replace(
    /[\u007f-\u009f\ufffe\uffff]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Style choices, drawn once per document and consumed in order. */
export class Choices {
  #i = 0;
  constructor(readonly bits: number[]) {}
  next(n: number): number {
    const b = this.bits.length ? this.bits[this.#i++ % this.bits.length]! : 0;
    return b % n;
  }
}

function key(k: string, c: Choices): string {
  if (SAFE_KEY.test(k) && !KEYWORDS.test(k) && c.next(3) !== 0) return k;
  if (!UNQUOTABLE.test(k) && c.next(2) === 0) return `'${k.replace(/'/g, "''")}'`;
  return dq(k);
}

/** A scalar on one line, or undefined when it needs a block scalar. */
function inline(v: V, c: Choices): string | undefined {
  if (v === null) return ["null", "~", "Null", "NULL"][c.next(4)];
  if (v === true) return ["true", "True", "TRUE"][c.next(3)];
  if (v === false) return ["false", "False", "FALSE"][c.next(3)];
  if (typeof v === "number") return String(v);
  if (typeof v !== "string") return undefined;
  const style = c.next(4);
  if (style === 0 && SAFE_PLAIN.test(v) && !KEYWORDS.test(v)) return v;
  if (style === 1 && !UNQUOTABLE.test(v)) {
    return `'${v.replace(/'/g, "''")}'`;
  }
  if (style === 2 && blockable(v)) return undefined;
  return dq(v);
}

/** Strings a literal block scalar can carry exactly. */
function blockable(v: string): boolean {
  if (!v.includes("\n") || /[\r\u0085\u2028\u2029]/.test(v) || !v.trim()) return false;
  if (NON_PRINTABLE.test(v) || !v.isWellFormed()) return false;
  const lines = v.replace(/\n+$/, "").split("\n");
  return lines.every((l) => l === "" || /^[^\s]/.test(l)) && /^[^\s]/.test(lines[0]!);
}

function blockScalar(v: string, indent: number): string[] {
  const trailing = /\n*$/.exec(v)![0].length;
  const body = v.slice(0, v.length - trailing).split("\n");
  const chomp = trailing === 0 ? "-" : trailing === 1 ? "" : "+";
  const pad = " ".repeat(indent);
  return [
    `|${chomp}`,
    ...body.map((l) => (l ? pad + l : "")),
    ...Array.from({ length: Math.max(0, trailing - 1) }, () => ""),
  ];
}

/** A flow collection on one line, when `v` holds only scalars. */
function flow(v: V[] | { [k: string]: V }, c: Choices): string | undefined {
  const scalar = (x: V) =>
    typeof x === "string" ? dq(x) : x === null || typeof x !== "object" ? inline(x, c) : undefined;
  if (Array.isArray(v)) {
    const parts = v.map(scalar);
    return parts.every((p) => p !== undefined) ? `[${parts.join(", ")}]` : undefined;
  }
  const parts = Object.entries(v).map(([k, x]) => {
    const s = scalar(x);
    return s === undefined || k === "__proto__" ? undefined : `${dq(k)}: ${s}`;
  });
  return parts.every((p) => p !== undefined) ? `{${parts.join(", ")}}` : undefined;
}

/** Lines of `v` as the value after "key:" or "-" at `indent`; the first is the inline part. */
function node(v: V, indent: number, c: Choices, inSequence: boolean): [string, string[]] {
  if (v !== null && typeof v === "object") {
    const empty = Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0;
    if (empty) return [Array.isArray(v) ? " []" : " {}", []];
    if (c.next(4) === 0) {
      const f = flow(v, c);
      if (f) return [` ${f}`, []];
    }
    if (Array.isArray(v)) {
      // yaml.v3 writes a mapping's sequence at the key's own indentation.
      const at = !inSequence && c.next(2) === 0 ? indent : indent + 2;
      return ["", sequence(v, at, c)];
    }
    return ["", mapping(v, indent + 2, c)];
  }
  const text = inline(v, c);
  if (text !== undefined) return [` ${text}${c.next(5) === 0 ? " # note" : ""}`, []];
  const [header, ...body] = blockScalar(v as string, indent + 2);
  return [` ${header}`, body];
}

function mapping(v: { [k: string]: V }, indent: number, c: Choices): string[] {
  const pad = " ".repeat(indent);
  const out: string[] = [];
  for (const [k, x] of Object.entries(v)) {
    if (c.next(7) === 0) out.push(`${pad}# a comment`);
    const [first, rest] = node(x, indent, c, false);
    out.push(`${pad}${key(k, c)}:${first}`, ...rest);
  }
  return out;
}

function sequence(v: V[], indent: number, c: Choices): string[] {
  const pad = " ".repeat(indent);
  const out: string[] = [];
  for (const x of v) {
    if (x !== null && typeof x === "object" && !Array.isArray(x) && Object.keys(x).length) {
      // "- key: value" with the other keys lined up after the dash.
      const lines = mapping(x, indent + 2, c);
      const firstKey = lines.findIndex((l) => !l.trimStart().startsWith("#"));
      // Comments before the first key move to the dash's indentation: deeper, right after a
      // block scalar of the previous item, they would be part of that scalar.
      const comments = lines.slice(0, firstKey).map((l) => `${pad}${l.trimStart()}`);
      out.push(...comments, `${pad}- ${lines[firstKey]!.slice(indent + 2)}`);
      out.push(...lines.slice(firstKey + 1));
      continue;
    }
    const [first, rest] = node(x, indent, c, true);
    out.push(`${pad}-${first}`, ...rest);
  }
  return out;
}

/** The YAML text of `v`, with style choices drawn from `c`. */
export function emit(v: V, c: Choices): string {
  let lines: string[];
  if (Array.isArray(v) && v.length) lines = sequence(v, 0, c);
  else if (v !== null && typeof v === "object" && Object.keys(v).length) {
    lines = mapping(v as { [k: string]: V }, 0, c);
  } else if (v !== null && typeof v === "object") lines = [Array.isArray(v) ? "[]" : "{}"];
  else lines = [inline(v, c) ?? dq(v as string)]; // no block scalar at the top level
  if (c.next(3) === 0) lines.unshift("---");
  if (c.next(4) === 0) lines.unshift("# generated");
  const eol = c.next(4) === 0 ? "\r\n" : "\n";
  // Without a final line break the last empty line of a "|+" scalar would not exist.
  return lines.join(eol) + (c.next(3) === 0 && lines.at(-1) !== "" ? "" : eol);
}
