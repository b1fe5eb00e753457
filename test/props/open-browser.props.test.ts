/**
 * Properties of the browser opener (issue 10, S18): any `--browser` command text (or
 * $BROWSER) becomes an argument vector or a one-line usage error, never a crash; the browser
 * only ever gets an http(s) URL, as one intact argument, parsed rather than raw.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ErrorCode } from "../../src/core/errors.ts";
import { openBrowser, splitCommand } from "../../src/runtime/open-browser.ts";
import type { Runtime } from "../../src/runtime/runtime.ts";
import { anyString, hostileText, settle, settleAsync } from "./props-helpers.ts";

const RUNS = 2000;

/** A runtime that records what it would launch. */
function recorder(): { runtime: Runtime; launched: string[][] } {
  const launched: string[][] = [];
  const runtime = {
    name: "node",
    version: "0",
    launch: (argv: string[]) => {
      launched.push(argv);
      return Promise.resolve();
    },
  } as unknown as Runtime;
  return { runtime, launched };
}

const command = fc.oneof(
  anyString,
  hostileText([" ", "'", '"', "%s", "open", "-a", "Firefox", "\t", "\\", "firefox --new-tab"]),
  fc.constantFrom("none", "", "  ", "'", '"', "open -a 'Google Chrome'", "xdg-open %s", '"%s"'),
);
const url = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.constantFrom(
    "https://as.example/authorize?x=1&y=%s",
    "javascript:alert(1)",
    " https://as.example/ ",
    "JAVASCRIPT:alert(1)",
    "data:text/html,x",
    "file:///etc/passwd",
    "vbscript:x",
    "https://as.example/a b",
    "https://as.example/o$&x?a=$'&b=$$&c=$`",
  ),
  anyString,
);

describe("browser opener: properties (issue 10, S18)", () => {
  it(`any browser command text splits into words or is a usage error (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(command, (text) => {
        const r = settle(() => splitCommand(text), [ErrorCode.USAGE]);
        if (r.ok) {
          for (const w of r.value) assert.equal(typeof w, "string");
          if (!/['"]/.test(text)) {
            assert.deepEqual(r.value, text.split(/\s+/).filter(Boolean), "plain words");
          }
        }
        return true;
      }),
      { numRuns: RUNS },
    );
  });

  it(`S18: only an http(s) URL is ever launched, as one parsed argument (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(url, fc.option(command, { nil: undefined }), async (u, cmd) => {
        const { runtime, launched } = recorder();
        const r = await settleAsync(
          () => openBrowser(runtime, u, cmd, () => {}, {}),
          [ErrorCode.USAGE, ErrorCode.INSECURE_URL, ErrorCode.INVALID_URL],
        );
        if (!r.ok || cmd === "none") {
          assert.deepEqual(launched, [], "nothing launched");
          return true;
        }
        assert.equal(launched.length, 1);
        const parsed = new URL(u);
        assert.ok(parsed.protocol === "https:" || parsed.protocol === "http:", `S18: ${u}`);
        const argv = launched[0]!;
        const words = cmd ? splitCommand(cmd) : [];
        if (words.some((w) => w.includes("%s"))) {
          const expected = words.map((w) => w.split("%s").join(parsed.href));
          assert.deepEqual(argv, expected, "the URL, unchanged, replaces each %s");
        } else assert.equal(argv.at(-1), parsed.href, "the parsed URL is the last argument");
        return true;
      }),
      { numRuns: RUNS },
    );
  });
});
