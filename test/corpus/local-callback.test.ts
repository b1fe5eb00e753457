/**
 * Bad-input corpus, the sign-in's way back (issue 10): hostile requests to the loopback
 * callback listener of `authorize`, and hostile addresses pasted into
 * `authorize --browser none`. Against a real authorization server (oidc-provider) and MCP
 * server. Each case asserts what the browser page says (status, escaped text), the one error
 * line and exit code of the CLI (or that it kept waiting), and that every file under the home,
 * where another server is signed in, is unchanged.
 *
 * @module
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  type AuthorizationServer,
  startAuthorizationServer,
} from "../fixtures/authorization-server.ts";
import { type McpTestServer, startMcpServer } from "../fixtures/mcp-server.ts";
import { CLEAR_ADDRESS } from "../../src/http/callback-app.ts";
import { type MainResult, removeHome, runMain, startCli } from "../cli/helpers.ts";
import { assertFailure, homeTree, re, SEEDED, signedInHome } from "./local-helpers.ts";

const SLOW = { timeout: 30_000 };

/** What a case's script can do while `authorize demo --browser none` waits. */
interface Attempt {
  /** The authorization URL the CLI printed. */
  authUrl: URL;
  /** The state it carries. */
  state: string;
  /** The redirect URI the CLI listens on, `http://127.0.0.1:PORT/callback`. */
  redirect: string;
  /** Type a line on the CLI's stdin. */
  paste(line: string): void;
  /** `redirect` with these query parameters. */
  back(params: [string, string][] | Record<string, string>): string;
  /** Wait until stderr has a line matching `pattern` (the CLI's answer to a paste). */
  stderrMatches(pattern: RegExp): Promise<void>;
}

/** The line that ends a sign-in the CLI is still waiting on (the real state and iss). */
const TERMINATOR = "corpus-terminator";
const TERMINATED =
  `The authorization server refused the sign-in: access_denied (${TERMINATOR}); try again, or check the client and scopes.`;

describe("corpus: the callback route and pasted redirect addresses (issue 10)", () => {
  let as: AuthorizationServer;
  let mcp: McpTestServer;
  let home: string;
  let before_: Record<string, string>;

  /** Run `authorize demo --browser none` and `script` against it; resolves when the CLI exits. */
  async function attempt(
    script: (a: Attempt) => Promise<void> | void,
  ): Promise<MainResult & { stderr: string }> {
    const queue: string[] = [];
    let wake: (() => void) | undefined;
    let closed = false;
    let stderr = "";
    const watchers: { pattern: RegExp; resolve: () => void }[] = [];
    let ready!: (a: { authUrl: URL; redirect: string }) => void;
    const printed = new Promise<{ authUrl: URL; redirect: string }>((r) => (ready = r));
    let authUrl: URL | undefined;
    let scriptError: unknown;
    let scriptDone: Promise<void> = Promise.resolve();
    const run = runMain(["authorize", "demo", "--browser", "none", "--timeout", "20"], {
      home,
      onErr: (t) => {
        stderr += `${t}\n`;
        const url = /^Open this URL to sign in to demo:\n\n {2}(\S+)/.exec(t)?.[1];
        if (url) authUrl = new URL(url);
        const redirect = /\(it starts with (\S+)\):/.exec(t)?.[1];
        if (redirect && authUrl) ready({ authUrl, redirect });
        for (const w of [...watchers]) {
          if (w.pattern.test(stderr)) {
            watchers.splice(watchers.indexOf(w), 1);
            w.resolve();
          }
        }
      },
      stdinLines: async function* () {
        for (;;) {
          while (queue.length) yield queue.shift()!;
          if (closed) return;
          await new Promise<void>((r) => (wake = r));
        }
      },
    });
    scriptDone = printed.then(async ({ authUrl, redirect }) => {
      const state = authUrl.searchParams.get("state")!;
      const a: Attempt = {
        authUrl,
        state,
        redirect,
        paste(line) {
          queue.push(line);
          wake?.();
        },
        back(params) {
          const u = new URL(redirect);
          u.search = new URLSearchParams(params).toString();
          return u.href;
        },
        stderrMatches(pattern) {
          return new Promise((resolve) => {
            if (pattern.test(stderr)) return resolve();
            watchers.push({ pattern, resolve });
          });
        },
      };
      await Promise.resolve().then(() => script(a)).catch((err) => {
        scriptError = err;
        // End the sign-in so the run finishes and the failure is reported.
        a.paste(a.back({ error: "access_denied", state, iss: as.issuer }));
      });
    });
    const r = await run;
    closed = true;
    wake?.();
    await Promise.race([scriptDone, new Promise((res) => setTimeout(res, 2000))]);
    if (scriptError) throw scriptError;
    return { ...r, stderr };
  }

  /** Paste the line that ends the sign-in (access_denied with the real state and iss). */
  const end = (a: Attempt) =>
    a.paste(
      a.back({
        error: "access_denied",
        error_description: TERMINATOR,
        state: a.state,
        iss: as.issuer,
      }),
    );

  /** The home is as it was, and the authorization server never exchanged a code. */
  async function assertUnchanged() {
    assert.deepEqual(await homeTree(home), before_);
    assert.equal(as.counts.authorizationCode, 0, "no code was ever exchanged");
  }

  /** A failed sign-in page: status 400, the message escaped, the strict CSP, no caching. */
  async function failedPage(res: Response, message: string): Promise<string> {
    const body = await res.text();
    assert.equal(res.status, 400, body);
    assert.match(body, /<h1 class="fail">Sign-in failed<\/h1>/);
    assert.ok(body.includes(`<p>${escapeHtml(message)}</p>`), `the page says: ${message}\n${body}`);
    assert.match(res.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    assert.equal(res.headers.get("cache-control"), "no-store");
    return body;
  }

  before(async () => {
    home = await signedInHome();
    as = await startAuthorizationServer();
    mcp = await startMcpServer({ issuer: as.issuer, introspect: (t) => as.introspect(t) });
    as.allowResource(mcp.url);
    const add = await runMain(["add", "demo", mcp.url], { home });
    assert.equal(add.code, 0, add.err.join("\n"));
    // A first sign-in that is ended at once registers the client and learns the issuer.
    const first = await attempt((a) => end(a));
    assertFailure(first, 1, TERMINATED);
    assert.equal(as.counts.registration, 1);
    before_ = await homeTree(home);
  }, SLOW);

  after(async () => {
    await mcp?.close();
    await as?.close();
    await removeHome(home);
  });

  // ---- The callback route, as a browser (or a page) would request it. ----

  /** Cases that the CLI must ignore (a stray request): it keeps waiting for the real one. */
  const strays: [string, (a: Attempt) => string, string][] = [
    [
      "no parameters at all",
      (a) => a.redirect,
      "The callback's state is missing; nothing was stored. Start the sign-in again.",
    ],
    [
      "a code without a state",
      (a) => a.back({ code: "c0de", iss: as.issuer }),
      "The callback's state is missing; nothing was stored. Start the sign-in again.",
    ],
    [
      "an unknown state",
      (a) => a.back({ code: "c0de", state: `${a.state}x`, iss: as.issuer }),
      "The callback's state is unknown, already used or expired; nothing was stored. Start the sign-in again.",
    ],
    [
      "the real state twice",
      (a) => a.back([["code", "c0de"], ["state", a.state], ["state", a.state], ["iss", as.issuer]]),
      "The callback's state is repeated; nothing was stored. Start the sign-in again.",
    ],
    [
      "an empty state",
      (a) => a.back({ code: "c0de", state: "", iss: as.issuer }),
      "The callback's state is unknown, already used or expired; nothing was stored. Start the sign-in again.",
    ],
    [
      "access_denied with a state of 10 kB",
      (a) => a.back({ error: "access_denied", state: "s".repeat(10_000), iss: as.issuer }),
      "The callback's state is unknown, already used or expired; nothing was stored. Start the sign-in again.",
    ],
  ];

  for (const [what, url, message] of strays) {
    it(`callback with ${what}: a 400 page saying so, and the CLI keeps waiting`, SLOW, async () => {
      const r = await attempt(async (a) => {
        await failedPage(await fetch(url(a)), message);
        end(a);
      });
      assertFailure(r, 1, TERMINATED);
      assert.doesNotMatch(r.stderr, /c0de/, "S26: the code is never echoed");
      await assertUnchanged();
    });
  }

  for (
    const [what, method, path] of [
      ["another path on the listener", "GET", "/admin?code=c0de&state=S"],
      ["the path with a trailing slash", "GET", "/callback/?code=c0de&state=S"],
      ["a POST to the callback", "POST", "/callback?code=c0de&state=S"],
    ] as const
  ) {
    it(`${what}: 404 Not found, and the CLI keeps waiting`, SLOW, async () => {
      const r = await attempt(async (a) => {
        const res = await fetch(new URL(path.replace("S", a.state), a.redirect), { method });
        assert.equal(res.status, 404);
        assert.equal(await res.text(), "Not found");
        end(a);
      });
      assertFailure(r, 1, TERMINATED);
      await assertUnchanged();
    });
  }

  /** Cases with the real state: the sign-in ends with this error (exit 1). */
  const fatal: [string, (a: Attempt) => [string, string][], string | RegExp][] = [
    [
      "a wrong iss (RFC 9207 mix-up)",
      (a) => [["code", "c0de"], ["state", a.state], ["iss", "https://evil.example"]],
      "", // filled in below: it names the expected issuer
    ],
    [
      "no iss",
      (a) => [["code", "c0de"], ["state", a.state]],
      "",
    ],
    [
      "an error with a wrong iss (errors are not acted on either, S16)",
      (a) => [["error", "access_denied"], ["state", a.state], ["iss", "https://evil.example"]],
      "",
    ],
    [
      "neither code nor error",
      (a) => [["state", a.state], ["iss", as.issuer]],
      "The callback is not a valid authorization response (it carries neither a code nor an error); start the sign-in again.",
    ],
    [
      "an empty code",
      (a) => [["code", ""], ["state", a.state], ["iss", as.issuer]],
      "The callback is not a valid authorization response (it carries neither a code nor an error); start the sign-in again.",
    ],
    [
      "the code twice",
      (a) => [["code", "c0de"], ["code", "c0de2"], ["state", a.state], ["iss", as.issuer]],
      'The callback is not a valid authorization response ("code" appears more than once); start the sign-in again.',
    ],
    [
      "error twice",
      (
        a,
      ) => [["error", "access_denied"], ["error", "server_error"], ["state", a.state], [
        "iss",
        as.issuer,
      ]],
      'The callback is not a valid authorization response ("error" appears more than once); start the sign-in again.',
    ],
    [
      "iss twice",
      (a) => [["code", "c0de"], ["state", a.state], ["iss", as.issuer], ["iss", as.issuer]],
      "",
    ],
    [
      "a code the authorization server never issued",
      (a) => [["code", "c0de-forged"], ["state", a.state], ["iss", as.issuer]],
      /^mcp-oauth: The code exchange at http:\/\/127\.0\.0\.1:\d+\/token failed \(400 invalid_grant: grant request is invalid\); start the sign-in again\.$/,
    ],
    [
      "access_denied with an HTML and script error_description",
      (a) => [
        ["error", "access_denied"],
        ["error_description", '<script>alert(1)</script><img src=x onerror="alert(2)">'],
        ["state", a.state],
        ["iss", as.issuer],
      ],
      `The authorization server refused the sign-in: access_denied (<script>alert(1)</script><img src=x onerror="alert(2)">); try again, or check the client and scopes.`,
    ],
    [
      "access_denied with control characters, an escape sequence and a bidi override",
      (a) => [
        ["error", "access_denied"],
        ["error_description", "no\r\nmcp-oauth: Authorized demo\u001b[2J\u202eevil"],
        ["state", a.state],
        ["iss", as.issuer],
      ],
      "The authorization server refused the sign-in: access_denied (no mcp-oauth: Authorized demo [2J evil); try again, or check the client and scopes.",
    ],
    [
      "access_denied with a 10 kB error_description",
      (a) => [
        ["error", "access_denied"],
        ["error_description", "d".repeat(10_000)],
        ["state", a.state],
        ["iss", as.issuer],
      ],
      `The authorization server refused the sign-in: access_denied (${
        "d".repeat(159)
      }…); try again, or check the client and scopes.`,
    ],
    [
      "an unknown error code of 10 kB and a javascript: error_uri",
      (a) => [
        ["error", "e".repeat(10_000)],
        ["error_uri", "javascript:alert(1)"],
        ["state", a.state],
        ["iss", as.issuer],
      ],
      `The authorization server refused the sign-in: ${
        "e".repeat(59)
      }…; try again, or check the client and scopes.`,
    ],
  ];

  /** The expected line of a `fatal` case (the iss ones name the issuer, known only now). */
  const expectedOf = (what: string, given: string | RegExp): string | RegExp => {
    if (given !== "") return given;
    if (what === "iss twice") {
      return `The callback's iss appears more than once; expected ${as.issuer} once (RFC 9207 mix-up defence); ignoring the response. Start the sign-in again; if this repeats, tell the authorization server's operator.`;
    }
    if (what.startsWith("no iss")) {
      return `The callback's iss is missing; expected ${as.issuer} (RFC 9207 mix-up defence); ignoring the response. Start the sign-in again; if this repeats, tell the authorization server's operator.`;
    }
    return `The callback's iss "https://evil.example" is not ${as.issuer} (RFC 9207 mix-up defence); ignoring the response. Start the sign-in again; if this repeats, tell the authorization server's operator.`;
  };

  for (const [what, params, given] of fatal) {
    it(
      `callback with the real state and ${what}: exit 1 with one line, the page says the same`,
      SLOW,
      async () => {
        let page = "";
        const r = await attempt(async (a) => {
          const u = new URL(a.redirect);
          u.search = new URLSearchParams(params(a)).toString();
          const res = await fetch(u);
          page = await res.text();
          assert.equal(res.status, 400, page);
          assert.match(page, /<h1 class="fail">Sign-in failed<\/h1>/);
        });
        const expected = expectedOf(what, given);
        const line = assertFailure(r, 1, expected);
        // The browser shows the same sentence, escaped: no markup from the input survives.
        assert.ok(
          page.includes(`<p>${escapeHtml(line.slice("mcp-oauth: ".length))}</p>`),
          `the page shows the error line: ${page}`,
        );
        // Our own one line that clears the address (issue 18, item 10) aside.
        assert.doesNotMatch(
          page.replace(`<script>${CLEAR_ADDRESS}</script>`, ""),
          /<script>|<img /,
          "nothing from the input is markup",
        );
        assert.doesNotMatch(r.stderr, /c0de/, "S26: the code is never echoed");
        assert.deepEqual(await homeTree(home), before_);
      },
    );
  }

  // ---- Addresses pasted into `authorize --browser none`. ----

  const NOT_THE_REDIRECT = (redirect: string) =>
    `That is not the redirect address (it must start with ${redirect}); paste it again.`;

  const refusedPastes: [string, (a: Attempt) => string][] = [
    ["not a URL at all", () => "hello, I signed in"],
    ["a javascript: URL", () => "javascript:alert(document.cookie)"],
    ["a data: URL", (a) => `data:text/html,<a href="${a.redirect}">x</a>`],
    [
      "another host",
      (a) => a.back({ code: "c0de", state: a.state }).replace("127.0.0.1", "evil.example"),
    ],
    [
      "localhost for 127.0.0.1",
      (a) => a.back({ code: "c0de", state: a.state }).replace("127.0.0.1", "localhost"),
    ],
    ["another port", (a) => {
      const u = new URL(a.back({ code: "c0de", state: a.state }));
      u.port = String(Number(u.port) === 65535 ? 1024 : Number(u.port) + 1);
      return u.href;
    }],
    ["https for http", (a) => a.back({ code: "c0de", state: a.state }).replace("http:", "https:")],
    [
      "another path that starts like the callback",
      (a) =>
        `${a.redirect}-evil?${new URLSearchParams({
          code: "c0de",
          state: a.state,
          iss: as.issuer,
        })}`,
    ],
    [
      "a path below the callback",
      (a) =>
        `${a.redirect}/x?${new URLSearchParams({ code: "c0de", state: a.state, iss: as.issuer })}`,
    ],
    [
      "an escape sequence before the address",
      (a) => `\u001b[2J${a.back({ code: "c0de", state: a.state })}`,
    ],
    ["a line of 1 MB", () => "x".repeat(1_000_000)],
  ];

  for (const [what, line] of refusedPastes) {
    it(`pasting ${what}: "not the redirect address", and the CLI keeps waiting`, SLOW, async () => {
      const r = await attempt(async (a) => {
        a.paste(line(a));
        await a.stderrMatches(/That is not the redirect address/);
        end(a);
      });
      assertFailure(r, 1, TERMINATED);
      const redirect = /\(it starts with (\S+)\):/.exec(r.stderr)![1]!;
      const lines = r.stderr.split("\n");
      assert.equal(lines.filter((l) => l === NOT_THE_REDIRECT(redirect)).length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /c0de|evil|javascript|xxxx/, "the paste is not echoed");
      assert.ok(!r.stderr.includes("\u001b"), "no escape sequence reaches the terminal");
      await assertUnchanged();
    });
  }

  const strayPastes: [string, (a: Attempt) => string, string][] = [
    [
      "the redirect with the parameters in the fragment",
      (a) => `${a.redirect}#code=c0de&state=${a.state}`,
      "The callback's state is missing; nothing was stored. Start the sign-in again.",
    ],
    [
      "an unknown state",
      (a) => a.back({ code: "c0de", state: "not-the-state", iss: as.issuer }),
      "The callback's state is unknown, already used or expired; nothing was stored. Start the sign-in again.",
    ],
    [
      "the state twice",
      (a) => a.back([["code", "c0de"], ["state", a.state], ["state", a.state]]),
      "The callback's state is repeated; nothing was stored. Start the sign-in again.",
    ],
  ];

  for (const [what, line, message] of strayPastes) {
    it(`pasting ${what}: the reason, and the CLI keeps waiting`, SLOW, async () => {
      const r = await attempt(async (a) => {
        a.paste(line(a));
        await a.stderrMatches(new RegExp(re(message)));
        end(a);
      });
      assertFailure(r, 1, TERMINATED);
      assert.equal(r.stderr.split("\n").filter((l) => l === message).length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /c0de/);
      await assertUnchanged();
    });
  }

  it(
    "pasting the real state with a wrong iss and an HTML description: exit 1 naming the iss only",
    SLOW,
    async () => {
      const r = await attempt((a) => {
        a.paste(
          `  ${
            a.back({
              error: "access_denied",
              error_description: "<b>forged</b>",
              state: a.state,
              iss: "https://evil.example",
            })
          }  `,
        );
      });
      assertFailure(
        r,
        1,
        `The callback's iss "https://evil.example" is not ${as.issuer} (RFC 9207 mix-up defence); ignoring the response. Start the sign-in again; if this repeats, tell the authorization server's operator.`,
      );
      assert.doesNotMatch(
        r.stderr,
        /forged|access_denied/,
        "S16: nothing in the response is acted on",
      );
      await assertUnchanged();
    },
  );

  it(
    "as a subprocess: pasted addresses on another path and host are refused, a wrong iss ends it",
    SLOW,
    async () => {
      const cli = startCli(["authorize", "demo", "--browser", "none", "--timeout", "20"], { home });
      const [, url] = await cli.waitForStderr(/^Open this URL to sign in to demo:\n\n {2}(\S+)\n/);
      const [, redirect] = await cli.waitForStderr(/\(it starts with (\S+)\):/);
      const state = new URL(url!).searchParams.get("state")!;
      const query = new URLSearchParams({ code: "c0de", state, iss: as.issuer }).toString();
      cli.writeLine(`${redirect}-evil?${query}`);
      cli.writeLine(`${redirect!.replace("127.0.0.1", "evil.example")}?${query}`);
      cli.writeLine(
        `${redirect}?${new URLSearchParams({ code: "c0de", state, iss: "https://evil.example" })}`,
      );
      const r = await cli.done;
      assertFailure(
        r,
        1,
        `The callback's iss "https://evil.example" is not ${as.issuer} (RFC 9207 mix-up defence); ignoring the response. Start the sign-in again; if this repeats, tell the authorization server's operator.`,
      );
      const refused = r.stderr.split("\n").filter((l) => l === NOT_THE_REDIRECT(redirect!));
      assert.equal(refused.length, 2, r.stderr);
      assert.doesNotMatch(r.stderr, /c0de/);
      await assertUnchanged();
    },
  );

  it("the comparison is not vacuous: the seeded server is signed in and demo is registered", async () => {
    assert.ok(Object.keys(before_).includes("credentials.json"));
    const token = await runMain(["token", SEEDED.name], { home });
    assert.deepEqual([token.code, token.out], [0, [SEEDED.accessToken]]);
    const ls = await runMain(["ls", "--json"], { home });
    const { servers } = JSON.parse(ls.out.join("\n")) as {
      servers: { name: string; status: string; issuer: string | null }[];
    };
    const demo = servers.find((s) => s.name === "demo");
    assert.equal(demo?.status, "needs-authorization");
    assert.equal(demo?.issuer, as.issuer, "the issuer was learnt by the first sign-in");
  });
});

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}
