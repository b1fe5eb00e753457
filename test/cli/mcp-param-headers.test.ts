/**
 * The stdio bridge's SEP-2243 rules, on the conformance suite's own cases (http-custom-headers
 * and http-invalid-tool-headers): which declarations are valid, and how each argument value
 * becomes its `Mcp-Param-*` header.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { paramDeclarations, paramHeaders } from "../../src/cli/mcp-param-headers.ts";

const schema = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  type: "object",
  properties,
  ...extra,
});
const b64 = (text: string) =>
  `=?base64?${btoa(String.fromCharCode(...new TextEncoder().encode(text)))}?=`;

describe("Mcp-Param-* headers for the stdio bridge (SEP-2243)", () => {
  it("an invalid declaration makes the whole tool's declarations invalid", () => {
    const invalid: Record<string, unknown>[] = [
      { value: { type: "string", "x-mcp-header": "" } },
      { data: { type: "object", "x-mcp-header": "Data" } },
      { items: { type: "array", items: { type: "string" }, "x-mcp-header": "Items" } },
      { nil: { type: "null", "x-mcp-header": "Nil" } },
      { score: { type: "number", "x-mcp-header": "Score" } },
      {
        field1: { type: "string", "x-mcp-header": "Region" },
        field2: { type: "string", "x-mcp-header": "Region" },
      },
      {
        field1: { type: "string", "x-mcp-header": "MyField" },
        field2: { type: "string", "x-mcp-header": "myfield" },
      },
      { value: { type: "string", "x-mcp-header": "My Region" } },
      { value: { type: "string", "x-mcp-header": "Region:Primary" } },
      { value: { type: "string", "x-mcp-header": "Région" } },
      { value: { type: "string", "x-mcp-header": "Region\t1" } },
      { list: { type: "array", items: { type: "string", "x-mcp-header": "Item" } } },
    ];
    for (const properties of invalid) {
      assert.equal(paramDeclarations(schema(properties)), undefined, JSON.stringify(properties));
    }
    assert.equal(
      paramDeclarations(
        schema({}, { anyOf: [{ properties: { a: { type: "string", "x-mcp-header": "A" } } }] }),
      ),
      undefined,
      "not reachable through properties alone",
    );
  });

  it("valid declarations, nested ones too; none is an empty list", () => {
    assert.deepEqual(paramDeclarations(schema({ q: { type: "string" } })), []);
    assert.deepEqual(
      paramDeclarations(schema({
        region: { type: "string", "x-mcp-header": "Region" },
        opts: { type: "object", properties: { tier: { type: "integer", "x-mcp-header": "Tier" } } },
      })),
      [{ path: ["region"], header: "Region" }, { path: ["opts", "tier"], header: "Tier" }],
    );
  });

  it("values: plain ASCII as is, integers and booleans as text, the rest Base64, null omitted", () => {
    const names = {
      region: "Region",
      priority: "Priority",
      verbose: "Verbose",
      debug: "Debug",
      empty_val: "EmptyVal",
      method_val: "Method",
      non_ascii_val: "NonAscii",
      whitespace_val: "Whitespace",
      leading_space_val: "LeadingSpace",
      trailing_space_val: "TrailingSpace",
      internal_space_val: "InternalSpace",
      control_char_val: "ControlChar",
      crlf_val: "CrLf",
      tab_val: "Tab",
      gone: "Gone",
    };
    const properties = Object.fromEntries(
      Object.entries(names).map(([k, h]) => [k, {
        type: k === "priority"
          ? "integer"
          : k === "verbose" || k === "debug"
          ? "boolean"
          : "string",
        "x-mcp-header": h,
      }]),
    );
    const declared = paramDeclarations(schema({ ...properties, query: { type: "string" } }))!;
    assert.deepEqual(
      paramHeaders(declared, {
        region: "us-west1",
        priority: 42,
        verbose: false,
        debug: true,
        empty_val: "",
        method_val: "test-method",
        non_ascii_val: "Hello, 世界",
        whitespace_val: " padded ",
        leading_space_val: " us-west1",
        trailing_space_val: "us-west1 ",
        internal_space_val: "us west 1",
        control_char_val: "line1\nline2",
        crlf_val: "line1\r\nline2",
        tab_val: "\tindented",
        gone: null,
        query: "SELECT * FROM users",
      }),
      {
        "Mcp-Param-Region": "us-west1",
        "Mcp-Param-Priority": "42",
        "Mcp-Param-Verbose": "false",
        "Mcp-Param-Debug": "true",
        "Mcp-Param-EmptyVal": "=?base64??=",
        "Mcp-Param-Method": "test-method",
        "Mcp-Param-NonAscii": b64("Hello, 世界"),
        "Mcp-Param-Whitespace": b64(" padded "),
        "Mcp-Param-LeadingSpace": b64(" us-west1"),
        "Mcp-Param-TrailingSpace": b64("us-west1 "),
        "Mcp-Param-InternalSpace": "us west 1",
        "Mcp-Param-ControlChar": b64("line1\nline2"),
        "Mcp-Param-CrLf": b64("line1\r\nline2"),
        "Mcp-Param-Tab": b64("\tindented"),
      },
    );
    assert.deepEqual(
      paramHeaders(declared, { region: "=?base64?eA==?=" }),
      { "Mcp-Param-Region": b64("=?base64?eA==?=") },
      "a value shaped like the sentinel is encoded, so it is not read as one",
    );
  });
});
