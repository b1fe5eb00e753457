/**
 * A small YAML reader for the subset that Docker's MCP catalogs use (files written by
 * gopkg.in/yaml.v3 and by hand): block mappings and sequences (indented or not under
 * their key), plain, single- and double-quoted scalars, literal and folded block scalars
 * (`|`, `>`, with chomping), flow collections on one line (`[]`, `{a: 1}`), comments and
 * a leading `---`. Anchors, aliases, tags, multi-document streams and multi-line flow
 * collections are refused with the line number: convert such a file to JSON.
 *
 * @see https://yaml.org/spec/1.2.2/
 *
 * Over 400 lines on purpose: a YAML reader is one grammar; split, its rules would be harder
 * to check against each other (the property tests cover it as a whole).
 * @module
 */

/** A YAML file that this reader cannot read; `line` is 1-based. */
export class YamlSubsetError extends Error {
  constructor(message: string, readonly line: number) {
    // Messages quote the input ("bad escape \x4…"): a control character quoted raw would
    // break the one-line message (a lone CR) or act on the terminal, so it is shown escaped.
    super(`line ${line}: ${message.replace(CONTROLS, escapeControl)}`);
    this.name = "YamlSubsetError";
  }
}

/** C0 and C1 controls, DEL, line and paragraph separators and bidirectional controls. */
// deno-lint-ignore no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

function escapeControl(ch: string): string {
  return `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/** Deeper nesting is refused: catalogs are a few levels deep, and recursion must not overflow. */
const MAX_DEPTH = 200;

/** Set an own property, as JSON.parse does: a "__proto__" key must not replace the prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

interface Line {
  /** 1-based line number. */
  no: number;
  indent: number;
  /** The text after the indentation, comments removed. */
  text: string;
}

/** Parse `source` (one YAML document in the supported subset) into plain values. */
export function parseYamlSubset(source: string): unknown {
  const raw = source.replace(/^\uFEFF/, "").split(/\r?\n/);
  // The file's final line break ends its last line; it adds no empty line ("|+" keeps lines).
  if (raw.length > 1 && raw[raw.length - 1] === "") raw.pop();
  const p = new Parser(raw);
  const value = p.document();
  return value;
}

class Parser {
  #raw: string[];
  #i = 0;
  /** A virtual line replacing the current one (the content after a sequence's "- "). */
  #pending: Line | undefined;
  #depth = 0;

  constructor(raw: string[]) {
    this.#raw = raw;
  }

  document(): unknown {
    let first = this.#peek();
    if (first && first.indent === 0 && /^---(\s|$)/.test(first.text)) {
      if (first.text.slice(3).trim()) {
        throw new YamlSubsetError("content after --- is not supported", first.no);
      }
      this.#take();
      first = this.#peek();
    }
    if (!first) return null;
    const value = this.#block(first.indent);
    const rest = this.#peek();
    if (rest) {
      if (/^(---|\.\.\.)(\s|$)/.test(rest.text)) {
        throw new YamlSubsetError("only one YAML document is supported", rest.no);
      }
      throw new YamlSubsetError("unexpected indentation", rest.no);
    }
    return value;
  }

  /** The next line with content, without consuming it. */
  #peek(): Line | undefined {
    if (this.#pending) return this.#pending;
    for (let j = this.#i; j < this.#raw.length; j++) {
      const line = this.#line(j);
      if (line) {
        this.#i = j;
        return line;
      }
    }
    this.#i = this.#raw.length;
    return undefined;
  }

  #take(): Line {
    const line = this.#peek()!;
    if (this.#pending) this.#pending = undefined;
    else this.#i++;
    return line;
  }

  #line(j: number): Line | undefined {
    const text = this.#raw[j]!;
    // Not /(.*)/: "." stops at a lone \r or \u2028, which a line may hold.
    const indent = /^ */.exec(text)![0].length;
    const body = text.slice(indent);
    if (body.startsWith("\t")) throw new YamlSubsetError("tabs cannot indent YAML", j + 1);
    const stripped = stripComment(body).trimEnd();
    if (!stripped) return undefined;
    return { no: j + 1, indent, text: stripped };
  }

  /** A node whose lines are indented exactly `indent`. */
  #block(indent: number): unknown {
    const line = this.#peek()!;
    if (++this.#depth > MAX_DEPTH) {
      throw new YamlSubsetError(
        `nesting deeper than ${MAX_DEPTH} levels is not supported`,
        line.no,
      );
    }
    try {
      if (isSeqItem(line.text)) return this.#sequence(line.indent);
      if (mappingKey(line.text)) return this.#mapping(line.indent);
      this.#take();
      return this.#plainOrFlow(line, line.text, indent);
    } finally {
      this.#depth--;
    }
  }

  #sequence(indent: number): unknown[] {
    const out: unknown[] = [];
    for (let line = this.#peek(); line && line.indent === indent; line = this.#peek()) {
      // A sequence at its key's own indentation ends at the next key.
      if (!isSeqItem(line.text)) break;
      this.#take();
      const rest = line.text.slice(1);
      const pad = rest.length - rest.trimStart().length;
      const content = rest.trimStart();
      if (!content) {
        const next = this.#peek();
        out.push(next && next.indent > indent ? this.#block(next.indent) : null);
        continue;
      }
      // "- |" as yaml.v3 writes a multi-line string in a list: indented past the dash.
      if (/^[|>]/.test(content)) {
        out.push(this.#blockScalar(line, content, indent));
        continue;
      }
      // "- key: value" starts a mapping whose keys line up after the dash.
      this.#pending = { no: line.no, indent: indent + 1 + pad, text: content };
      out.push(this.#block(indent + 1 + pad));
    }
    return out;
  }

  #mapping(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let line = this.#peek(); line && line.indent === indent; line = this.#peek()) {
      if (isSeqItem(line.text) || /^(---|\.\.\.)(\s|$)/.test(line.text)) break;
      const key = mappingKey(line.text);
      if (!key) throw new YamlSubsetError("expected a key: value line", line.no);
      this.#take();
      const rest = line.text.slice(key.length).replace(/^\s*:/, "").trim();
      const name = keyName(key.trim(), line.no);
      if (Object.hasOwn(out, name)) throw new YamlSubsetError(`duplicate key "${name}"`, line.no);
      if (rest) {
        setOwn(out, name, this.#inlineValue(line, rest, indent));
        continue;
      }
      const next = this.#peek();
      if (next && next.indent > indent) setOwn(out, name, this.#block(next.indent));
      // A sequence may sit at its key's own indentation.
      else if (next && next.indent === indent && isSeqItem(next.text)) {
        setOwn(out, name, this.#sequence(indent));
      } else setOwn(out, name, null);
    }
    return out;
  }

  #inlineValue(line: Line, rest: string, indent: number): unknown {
    if (/^[|>]/.test(rest)) return this.#blockScalar(line, rest, indent);
    return this.#plainOrFlow(line, rest, indent);
  }

  /** A scalar or flow collection on `line`, with plain continuation lines. */
  #plainOrFlow(line: Line, text: string, indent: number): unknown {
    if (/^[&*!]/.test(text)) {
      throw new YamlSubsetError("anchors, aliases and tags are not supported", line.no);
    }
    if (text.startsWith("[") || text.startsWith("{")) return parseFlow(text, line.no);
    if (text.startsWith('"') || text.startsWith("'")) {
      const [value, end] = quoted(text, 0, line.no);
      if (text.slice(end).trim()) throw new YamlSubsetError("text after a quoted string", line.no);
      return value;
    }
    let value = text;
    // A plain scalar continues on more indented lines (folded into one line).
    for (let next = this.#peek(); next && next.indent > indent; next = this.#peek()) {
      if (mappingKey(next.text) || isSeqItem(next.text)) {
        throw new YamlSubsetError("unexpected nested block after a value", next.no);
      }
      value += ` ${this.#take().text}`;
    }
    return plain(value);
  }

  #blockScalar(line: Line, header: string, indent: number): string {
    const m = /^([|>])([+-]?)(\d?)([+-]?)$/.exec(header);
    if (!m) throw new YamlSubsetError(`unsupported block scalar header "${header}"`, line.no);
    const folded = m[1] === ">";
    const chomp = m[2] || m[4];
    this.#pending = undefined;
    const lines: string[] = [];
    let blockIndent = m[3] ? indent + Number(m[3]) : -1;
    // The header line is consumed: the block starts on the next raw line.
    let j = line.no;
    for (; j < this.#raw.length; j++) {
      const text = this.#raw[j]!;
      if (!text.trim()) {
        lines.push("");
        continue;
      }
      const lead = text.length - text.trimStart().length;
      if (blockIndent < 0) {
        if (lead <= indent) break;
        blockIndent = lead;
      }
      if (lead < blockIndent) break;
      lines.push(text.slice(blockIndent));
    }
    this.#i = j;
    // Trailing blank lines belong to chomping, not to the following content.
    let trailing = 0;
    while (lines.length && lines[lines.length - 1] === "") {
      lines.pop();
      trailing++;
    }
    let body = "";
    if (folded) {
      // Breaks between two ordinary lines fold into spaces; blank and more indented lines keep them.
      let prevNormal = false;
      for (const l of lines) {
        const normal = l !== "" && !/^\s/.test(l);
        if (l === "") body += "\n";
        else if (body === "") body = l;
        else if (prevNormal && normal) body += ` ${l}`;
        else body += `${body.endsWith("\n") ? "" : "\n"}${l}`;
        prevNormal = normal;
      }
    } else body = lines.join("\n");
    if (chomp === "-") return body;
    if (chomp === "+") return `${body}\n${"\n".repeat(trailing)}`;
    return lines.length ? `${body}\n` : "";
  }
}

function isSeqItem(text: string): boolean {
  return text === "-" || text.startsWith("- ");
}

/** The key part of a "key: value" line (up to the colon), or undefined. */
function mappingKey(text: string): string | undefined {
  const m =
    /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"[\]{},&*!|>%@`-][^#]*?|-[^\s#][^#]*?)\s*:(?=\s|$)/
      .exec(text);
  return m ? m[1] : undefined;
}

function keyName(key: string, no: number): string {
  if (key.startsWith('"') || key.startsWith("'")) return String(quoted(key, 0, no)[0]);
  return key;
}

/** Remove a comment: "#" at the start or after whitespace, outside quotes. */
function stripComment(text: string): string {
  let quote: string | undefined;
  for (let k = 0; k < text.length; k++) {
    const c = text[k]!;
    if (quote) {
      if (quote === '"' && c === "\\") k++;
      else if (c === quote) {
        if (quote === "'" && text[k + 1] === "'") k++;
        else quote = undefined;
      }
    } else if ((c === '"' || c === "'") && (k === 0 || /[\s:,[{-]/.test(text[k - 1]!))) {
      quote = c;
    } else if (c === "#" && (k === 0 || /\s/.test(text[k - 1]!))) {
      return text.slice(0, k);
    }
  }
  return text;
}

/** A quoted scalar starting at `text[at]`; returns its value and the index after it. */
function quoted(text: string, at: number, no: number): [string, number] {
  const q = text[at]!;
  if (q === "'") {
    let out = "";
    for (let k = at + 1; k < text.length; k++) {
      if (text[k] === "'") {
        if (text[k + 1] === "'") {
          out += "'";
          k++;
        } else return [out, k + 1];
      } else out += text[k];
    }
    throw new YamlSubsetError("unterminated single-quoted string", no);
  }
  let out = "";
  for (let k = at + 1; k < text.length; k++) {
    const c = text[k]!;
    if (c === '"') return [out, k + 1];
    if (c !== "\\") {
      out += c;
      continue;
    }
    const e = text[++k];
    const hex = (n: number) => {
      const h = text.slice(k + 1, k + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(h)) {
        throw new YamlSubsetError(`bad escape \\${e}${h}`, no);
      }
      k += n;
      return String.fromCodePoint(parseInt(h, 16));
    };
    const simple: Record<string, string> = {
      "0": "\0",
      a: "\x07",
      b: "\b",
      t: "\t",
      "\t": "\t",
      n: "\n",
      v: "\v",
      f: "\f",
      r: "\r",
      e: "\x1b",
      " ": " ",
      '"': '"',
      "/": "/",
      "\\": "\\",
      N: "\x85",
      _: "\xa0",
      L: "\u2028",
      P: "\u2029",
    };
    if (e === undefined) break;
    if (e in simple) out += simple[e];
    else if (e === "x") out += hex(2);
    else if (e === "u") out += hex(4);
    else if (e === "U") out += hex(8);
    else throw new YamlSubsetError(`unknown escape \\${e}`, no);
  }
  throw new YamlSubsetError(
    "unterminated double-quoted string (multi-line strings are not supported)",
    no,
  );
}

/** The value of a plain scalar: null, booleans and numbers as YAML 1.2's core schema says. */
function plain(text: string): unknown {
  if (/^(null|Null|NULL|~)$/.test(text)) return null;
  if (/^(true|True|TRUE)$/.test(text)) return true;
  if (/^(false|False|FALSE)$/.test(text)) return false;
  if (/^[-+]?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$/.test(text)) return Number(text);
  return text;
}

/** A flow collection that fits on one line: [a, "b"], {k: v, l: [1]}. */
function parseFlow(text: string, no: number): unknown {
  let k = 0;
  const ws = () => {
    while (text[k] === " ") k++;
  };
  let depth = 0;
  const value = (): unknown => {
    if (++depth > MAX_DEPTH) {
      throw new YamlSubsetError(`nesting deeper than ${MAX_DEPTH} levels is not supported`, no);
    }
    try {
      return collection();
    } finally {
      depth--;
    }
  };
  const collection = (): unknown => {
    ws();
    const c = text[k];
    if (c === "[") {
      k++;
      const out: unknown[] = [];
      ws();
      if (text[k] === "]") {
        k++;
        return out;
      }
      for (;;) {
        out.push(value());
        ws();
        if (text[k] === ",") {
          k++;
          ws();
          if (text[k] === "]") {
            k++;
            return out;
          }
          continue;
        }
        if (text[k] === "]") {
          k++;
          return out;
        }
        throw new YamlSubsetError("expected , or ] (flow sequences must end on their line)", no);
      }
    }
    if (c === "{") {
      k++;
      const out: Record<string, unknown> = {};
      ws();
      if (text[k] === "}") {
        k++;
        return out;
      }
      for (;;) {
        ws();
        const key = String(scalar(":"));
        ws();
        if (text[k] !== ":") throw new YamlSubsetError("expected : in a flow mapping", no);
        k++;
        setOwn(out, key, value());
        ws();
        if (text[k] === ",") {
          k++;
          ws();
          if (text[k] === "}") {
            k++;
            return out;
          }
          continue;
        }
        if (text[k] === "}") {
          k++;
          return out;
        }
        throw new YamlSubsetError("expected , or } (flow mappings must end on their line)", no);
      }
    }
    return scalar("");
  };
  const scalar = (stop: string): unknown => {
    if (text[k] === '"' || text[k] === "'") {
      const [v, end] = quoted(text, k, no);
      k = end;
      return v;
    }
    const start = k;
    while (k < text.length && !",]}".includes(text[k]!) && !(stop && text[k] === stop)) k++;
    return plain(text.slice(start, k).trim());
  };
  const v = value();
  ws();
  if (k !== text.length) throw new YamlSubsetError("text after a flow collection", no);
  return v;
}
