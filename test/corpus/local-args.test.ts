/**
 * Bad-input corpus, CLI arguments (issue 10): every command given unknown flags, missing
 * values, bad URLs and names, extra positionals, `--`, empty strings, very long arguments and
 * unicode. Each case asserts the one error line the user sees, the exit code, nothing on
 * stdout, and that every file under the home (where a server is signed in) is unchanged.
 * In-process (`main()`) for the whole table, then a subprocess for a representative set.
 *
 * @module
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { removeHome, runCli, runMain } from "../cli/helpers.ts";
import { assertFailure, homeTree, re, SEEDED, signedInHome } from "./local-helpers.ts";

/** A usage error of `command`, as args.ts words it. */
const u = (command: string, problem: string) => `${problem}; see "mcp-oauth help ${command}".`;
const NOT_A_NAME = (name: string) =>
  `"${name}" is not a valid name: use letters, digits, ".", "_" or "-" (at most 64)`;
const NEITHER = (text: string) =>
  `"${text}" is neither a server name nor a URL: names use letters, digits, ".", "_" or "-", URLs start with https://.`;
const SCHEME = (scheme: string, url: string) =>
  `Server URL has the scheme "${scheme}" (${url}); only https (or http on loopback) is allowed.`;
const USERINFO =
  'Server URL must not carry a user name or password ("user:password@"); give the URL without them';
const BAD_SCOPE = (shown: string) =>
  `The scopes have "${shown}", which is not a scope: use printable ASCII without quotes or backslashes, separated by spaces`;
const NEEDS_DASH_VALUE = (command: string, option: string) =>
  u(command, `option ${option} needs a value (one that starts with "-" is written ${option}=-…)`);

const LONG = "a".repeat(100_000);
const URL_ = "https://a.example/mcp";

/** [what, argv, exit code, the error line after "mcp-oauth: " (exact) or a RegExp]. */
type Case = [string, string[], number, string | RegExp];

const CASES: Case[] = [
  // Dispatch and global options.
  ["unknown command", ["nope"], 2, 'Unknown command "nope"; see "mcp-oauth help".'],
  ["a flag as the command", ["-x"], 2, 'Unknown command "-x"; see "mcp-oauth help".'],
  ["`--` as the command", ["--"], 2, 'Unknown command "--"; see "mcp-oauth help".'],
  ["unicode command", ["lś"], 2, 'Unknown command "lś"; see "mcp-oauth help".'],
  ["--home without a value", ["--home"], 2, 'option --home needs a value; see "mcp-oauth help".'],
  [
    "--home '' (an unset variable)",
    ["--home", "", "ls"],
    2,
    u("ls", "--home needs a folder, not an empty string"),
  ],
  [
    "--home= after the command",
    ["token", SEEDED.name, "--home="],
    2,
    u("token", "--home needs a folder, not an empty string"),
  ],
  [
    "--store without a value",
    ["--store"],
    2,
    'option --store needs a value; see "mcp-oauth help".',
  ],
  [
    "--store= (empty)",
    ["--store=", "ls"],
    2,
    u("ls", 'unknown --store ""; use file, helper:NAME (e.g. helper:pass) or docker'),
  ],
  [
    "--store with a path for a helper name",
    ["ls", "--store", "helper:../../bin/sh"],
    2,
    '"../../bin/sh" is not a credential helper name; use e.g. helper:pass or helper:osxkeychain.',
  ],
  [
    "help for an unknown command",
    ["help", "nope"],
    2,
    'Unknown command "nope"; see "mcp-oauth help".',
  ],

  // add
  [
    "add without arguments",
    ["add"],
    2,
    u("add", '"add" needs a name (and a URL unless the name is in the catalog)'),
  ],
  [
    "add -- (nothing after)",
    ["add", "--"],
    2,
    u("add", '"add" needs a name (and a URL unless the name is in the catalog)'),
  ],
  ["add -- -x: a dash name after --", ["add", "--", "-x", URL_], 2, NOT_A_NAME("-x")],
  ["add with an unknown flag", ["add", "-x", URL_], 2, u("add", 'unknown option -x for "add"')],
  ["add with an empty name", ["add", "", URL_], 2, NOT_A_NAME("")],
  ["add with a unicode name", ["add", "ünï", URL_], 2, NOT_A_NAME("ünï")],
  ["add with a newline in the name", ["add", "a\nb", URL_], 2, NOT_A_NAME("a b")],
  ["add with a 65-character name", ["add", "n".repeat(65), URL_], 2, NOT_A_NAME("n".repeat(65))],
  [
    "add with a 100 kB name (the line is capped)",
    ["add", LONG, URL_],
    2,
    /^mcp-oauth: "a{200,}…$/,
  ],
  [
    "add with an extra positional",
    ["add", "a", URL_, "extra"],
    2,
    u("add", 'unexpected argument "extra" for "add"'),
  ],
  [
    "add --scopes without a value",
    ["add", "a", URL_, "--scopes"],
    2,
    u("add", "option --scopes needs a value"),
  ],
  [
    "add --scopes with a dash value",
    ["add", "a", URL_, "--scopes", "-x"],
    2,
    NEEDS_DASH_VALUE("add", "--scopes"),
  ],
  [
    "add --scopes with a NUL",
    ["add", "a", URL_, "--scopes", "read\u0000write"],
    2,
    BAD_SCOPE("read write"),
  ],
  [
    "add --scopes with quotes",
    ["add", "a", URL_, "--scopes", 'read "write"'],
    2,
    BAD_SCOPE('"write"'),
  ],
  [
    "add --scopes with unicode",
    ["add", "a", URL_, "--scopes", "lire écrire"],
    2,
    BAD_SCOPE("écrire"),
  ],
  [
    "add a javascript: URL",
    ["add", "a", "javascript:alert(1)"],
    2,
    SCHEME("javascript:", "javascript:alert(1)"),
  ],
  [
    "add a file: URL",
    ["add", "a", "file:///etc/passwd"],
    2,
    SCHEME("file:", "file:///etc/passwd"),
  ],
  [
    "add something that is not a URL",
    ["add", "a", "not-a-url"],
    2,
    'Server URL is not a valid URL: "not-a-url". Give an absolute https:// URL.',
  ],
  [
    "add a broken IPv6 URL",
    ["add", "a", "https://[::1/mcp"],
    2,
    'Server URL is not a valid URL: "https://[::1/mcp". Give an absolute https:// URL.',
  ],
  [
    "add plain http to another host",
    ["add", "a", "http://example.com/mcp"],
    2,
    "Server URL http://example.com/mcp uses plain http on a non-loopback host; use https, or set allowInsecureHttp (--insecure-http) for development only.",
  ],
  ["add a URL with a password", ["add", "a", "https://user:pw@a.example/mcp"], 2, USERINFO],
  ["add a URL with a user name", ["add", "a", "https://user@a.example/mcp"], 2, USERINFO],
  [
    "add a name that is not in the catalog, with an empty URL",
    ["add", "a", ""],
    2,
    '"a" is not in the built-in catalog; give the server\'s URL too (see "mcp-oauth catalog").',
  ],
  [
    "add a catalog server that needs a client, without one",
    ["add", "github"],
    2,
    /^mcp-oauth: GitHub needs a client you register yourself: GitHub offers no Dynamic Client Registration: .* --client-id ID --client-secret SECRET\.$/,
  ],
  [
    "add --compat x",
    ["add", "a", URL_, "--compat", "x"],
    2,
    u("add", '--compat takes "docker", not "x"'),
  ],
  [
    "add --no-resource=1",
    ["add", "a", URL_, "--no-resource=1"],
    2,
    u("add", "option --no-resource takes no value"),
  ],
  [
    "add --client-secret without --client-id",
    ["add", "a", URL_, "--client-secret", "s3cr3t"],
    2,
    "A client secret was given without its client id; --client-secret needs --client-id.",
  ],
  [
    "add --client-id '' with a secret",
    ["add", "a", URL_, "--client-id", "", "--client-secret", "s3cr3t"],
    2,
    "A client secret was given without its client id; --client-secret needs --client-id.",
  ],
  [
    "add --client-metadata-url over http",
    ["add", "a", URL_, "--client-metadata-url", "http://x.example/c"],
    2,
    '--client-metadata-url must be an https URL with a path, not "http://x.example/c"',
  ],

  // ls
  ["ls with a positional", ["ls", "extra"], 2, u("ls", 'unexpected argument "extra" for "ls"')],
  ["ls -", ["ls", "-"], 2, u("ls", 'unexpected argument "-" for "ls"')],
  ["ls -- --json", ["ls", "--", "--json"], 2, u("ls", 'unexpected argument "--json" for "ls"')],
  ["ls --json=yes", ["ls", "--json=yes"], 2, u("ls", "option --json takes no value")],
  ["ls -j", ["ls", "-j"], 2, u("ls", 'unknown option -j for "ls"')],

  // token
  ["token without a server", ["token"], 2, u("token", '"token" needs a server name or URL')],
  ["token ''", ["token", ""], 2, NEITHER("")],
  ["token -", ["token", "-"], 2, NEITHER("-")],
  ["token -- --json", ["token", "--", "--json"], 2, NEITHER("--json")],
  ["token with a unicode name", ["token", "ünï"], 2, NEITHER("ünï")],
  ["token with a right-to-left override", ["token", "a\u202eb"], 2, NEITHER("a b")],
  ["token with an escape sequence", ["token", "x\u001b[31mred"], 2, NEITHER("x [31mred")],
  [
    "token with a 100 kB name",
    ["token", LONG],
    2,
    new RegExp(`^mcp-oauth: "a{79}…" ${re("is neither")}`),
  ],
  [
    "token of an unknown name",
    ["token", "nope"],
    1,
    'No server named "nope"; add it with "mcp-oauth add nope <url>" or pass the server\'s URL.',
  ],
  [
    "token of a javascript: URL",
    ["token", "javascript:alert(1)"],
    2,
    SCHEME("javascript:", "javascript:alert(1)"),
  ],
  [
    "token of a file: URL",
    ["token", "file:///etc/passwd"],
    2,
    SCHEME("file:", "file:///etc/passwd"),
  ],
  [
    "token of a URL without a host",
    ["token", "http://"],
    2,
    'Server URL is not a valid URL: "http://". Give an absolute https:// URL.',
  ],
  ["token of a URL with a password", ["token", "https://u:p@mcp0.example.com/mcp"], 2, USERINFO],
  [
    "token --json=1",
    ["token", SEEDED.name, "--json=1"],
    2,
    u("token", "option --json takes no value"),
  ],
  [
    "token with an extra positional",
    ["token", SEEDED.name, "extra"],
    2,
    u("token", 'unexpected argument "extra" for "token"'),
  ],

  // refresh, revoke, remove, discover
  [
    "refresh without a server",
    ["refresh"],
    2,
    u("refresh", '"refresh" needs a server name or URL'),
  ],
  ["refresh ''", ["refresh", ""], 2, NEITHER("")],
  [
    "refresh --bogus",
    ["refresh", SEEDED.name, "--bogus"],
    2,
    u("refresh", 'unknown option --bogus for "refresh"'),
  ],
  ["revoke with nothing", ["revoke"], 2, u("revoke", "give either a server or --all")],
  [
    "revoke a server and --all",
    ["revoke", SEEDED.name, "--all"],
    2,
    u("revoke", "give either a server or --all"),
  ],
  [
    "revoke a javascript: URL",
    ["revoke", "javascript:alert(1)"],
    2,
    SCHEME("javascript:", "javascript:alert(1)"),
  ],
  [
    "revoke --al (a prefix)",
    ["revoke", "--al"],
    2,
    u("revoke", 'unknown option --al for "revoke"'),
  ],
  [
    "revoke --forget-client=x",
    ["revoke", "--all", "--forget-client=x"],
    2,
    u("revoke", "option --forget-client takes no value"),
  ],
  ["remove without a name", ["remove"], 2, u("remove", '"remove" needs a server name')],
  ["remove ''", ["remove", ""], 1, 'No server named ""; see "mcp-oauth ls".'],
  [
    "remove twice the same name",
    ["remove", SEEDED.name, SEEDED.name],
    2,
    u("remove", `unexpected argument "${SEEDED.name}" for "remove"`),
  ],
  [
    "discover without a server",
    ["discover"],
    2,
    u("discover", '"discover" needs a server name or URL'),
  ],
  ["discover an ftp: URL", ["discover", "ftp://x"], 2, SCHEME("ftp:", "ftp://x/")],
  [
    "discover --json=1",
    ["discover", SEEDED.name, "--json=1"],
    2,
    u("discover", "option --json takes no value"),
  ],

  // authorize (all refused before any network)
  [
    "authorize --browser without a value",
    ["authorize", SEEDED.name, "--browser"],
    2,
    u("authorize", "option --browser needs a value"),
  ],
  [
    "authorize --timeout 0",
    ["authorize", SEEDED.name, "--timeout", "0"],
    2,
    u("authorize", '--timeout must be a whole number from 1 to 86400, not "0"'),
  ],
  [
    "authorize --timeout 1e3",
    ["authorize", SEEDED.name, "--timeout", "1e3"],
    2,
    u("authorize", '--timeout must be a whole number from 1 to 86400, not "1e3"'),
  ],
  [
    "authorize --timeout with fullwidth digits",
    ["authorize", SEEDED.name, "--timeout", "３０"],
    2,
    u("authorize", '--timeout must be a whole number from 1 to 86400, not "３０"'),
  ],
  [
    "authorize --timeout of 100 kB of digits",
    ["authorize", SEEDED.name, "--timeout", "9".repeat(100_000)],
    2,
    /^mcp-oauth: --timeout must be a whole number from 1 to 86400, not "9{200,}…$/,
  ],
  [
    "authorize --port 65536",
    ["authorize", SEEDED.name, "--port", "65536"],
    2,
    u("authorize", '--port must be a whole number from 1 to 65535, not "65536"'),
  ],
  [
    "authorize --port -1",
    ["authorize", SEEDED.name, "--port", "-1"],
    2,
    NEEDS_DASH_VALUE("authorize", "--port"),
  ],
  [
    "authorize --port=-1",
    ["authorize", SEEDED.name, "--port=-1"],
    2,
    u("authorize", '--port must be a whole number from 1 to 65535, not "-1"'),
  ],
  [
    "authorize --redirect-uri javascript:",
    ["authorize", SEEDED.name, "--redirect-uri", "javascript:alert(1)"],
    2,
    '--redirect-uri has the scheme "javascript:" (javascript:alert(1)); only https (or http on loopback) is allowed.',
  ],
  [
    "authorize --redirect-uri on loopback with a fragment",
    ["authorize", SEEDED.name, "--redirect-uri", "http://127.0.0.1:8080/cb#frag"],
    2,
    u("authorize", "--redirect-uri must not have a fragment"),
  ],
  [
    "authorize --redirect-uri with an empty fragment",
    ["authorize", SEEDED.name, "--redirect-uri", "http://127.0.0.1:8080/cb#"],
    2,
    u("authorize", "--redirect-uri must not have a fragment"),
  ],
  [
    "authorize --redirect-uri that is not a URL",
    ["authorize", SEEDED.name, "--redirect-uri", "callback"],
    2,
    '--redirect-uri is not a valid URL: "callback". Give an absolute https:// URL.',
  ],
  [
    "authorize --device with --port",
    ["authorize", SEEDED.name, "--device", "--port", "8000"],
    2,
    u("authorize", "--device takes no --port or --redirect-uri"),
  ],
  [
    "authorize --client-metadata-url without a path",
    ["authorize", SEEDED.name, "--client-metadata-url", "https://x.example/"],
    2,
    u(
      "authorize",
      '--client-metadata-url must be an https URL with a path, not "https://x.example/"',
    ),
  ],
  ["authorize --scopes é", ["authorize", SEEDED.name, "--scopes", "é"], 2, BAD_SCOPE("é")],
  [
    "authorize --compat x",
    ["authorize", SEEDED.name, "--compat", "x"],
    2,
    u("authorize", '--compat takes "docker", not "x"'),
  ],
  [
    "authorize --compat docker of an ad-hoc URL",
    ["authorize", "https://x.example/mcp", "--compat", "docker"],
    2,
    u(
      "authorize",
      '--compat docker needs a named server: run "mcp-oauth add NAME https://x.example/mcp --compat docker" first',
    ),
  ],
  [
    "authorize a data: URL",
    ["authorize", "data:text/html,hi"],
    2,
    SCHEME("data:", "data:text/html,hi"),
  ],
  ["authorize ''", ["authorize", ""], 2, NEITHER("")],

  // tools, call, stdio
  ["tools without a server", ["tools"], 2, u("tools", '"tools" needs a server name or URL')],
  [
    "tools --timeout abc",
    ["tools", SEEDED.name, "--timeout", "abc"],
    2,
    u("tools", '--timeout must be a whole number from 1 to 86400, not "abc"'),
  ],
  [
    "tools --json=x",
    ["tools", SEEDED.name, "--json=x"],
    2,
    u("tools", "option --json takes no value"),
  ],
  [
    "call without a tool",
    ["call", SEEDED.name],
    2,
    u("call", '"call" needs a server name or URL and a tool name'),
  ],
  [
    "call --args []",
    ["call", SEEDED.name, "t", "--args", "[]"],
    2,
    u("call", `--args must be a JSON object such as '{"text": "hi"}'`),
  ],
  [
    "call --args null",
    ["call", SEEDED.name, "t", "--args", "null"],
    2,
    u("call", `--args must be a JSON object such as '{"text": "hi"}'`),
  ],
  [
    "call --args that is not JSON",
    ["call", SEEDED.name, "t", "--args", "{"],
    2,
    /^mcp-oauth: --args is not valid JSON \(.+\); see "mcp-oauth help call"\.$/,
  ],
  [
    "call with an extra positional",
    ["call", SEEDED.name, "t", "extra"],
    2,
    u("call", 'unexpected argument "extra" for "call"'),
  ],
  ["stdio without a server", ["stdio"], 2, u("stdio", '"stdio" needs a server name or URL')],
  ["stdio ''", ["stdio", ""], 2, NEITHER("")],
  [
    "stdio of an unknown name",
    ["stdio", "nope"],
    1,
    'No server named "nope"; add it with "mcp-oauth add nope <url>" or pass the server\'s URL.',
  ],
  [
    "stdio --timeout 0",
    ["stdio", SEEDED.name, "--timeout", "0"],
    2,
    u("stdio", '--timeout must be a whole number from 1 to 86400, not "0"'),
  ],

  // config, proxy-key
  ["config without a name", ["config"], 2, u("config", '"config" needs a server name')],
  [
    "config without --client",
    ["config", SEEDED.name],
    2,
    u("config", "--client must be one of claude, cursor, vscode"),
  ],
  [
    "config --client x",
    ["config", SEEDED.name, "--client", "x"],
    2,
    u("config", "--client must be one of claude, cursor, vscode"),
  ],
  [
    "config --transport x",
    ["config", SEEDED.name, "--client", "cursor", "--transport", "x"],
    2,
    u("config", '--transport must be stdio or proxy, not "x"'),
  ],
  [
    "config proxy for Claude Desktop",
    ["config", SEEDED.name, "--client", "claude", "--transport", "proxy"],
    2,
    u("config", "Claude Desktop's config file takes local commands only; use --transport stdio"),
  ],
  [
    "config of an unknown name",
    ["config", "nope", "--client", "claude"],
    2,
    u("config", 'no server named "nope"; add it first with "mcp-oauth add nope URL"'),
  ],
  [
    "config --port x",
    ["config", SEEDED.name, "--client", "cursor", "--port", "x"],
    2,
    u("config", '--port must be a whole number from 1 to 65535, not "x"'),
  ],
  [
    "proxy-key with a positional",
    ["proxy-key", "x"],
    2,
    u("proxy-key", 'unexpected argument "x" for "proxy-key"'),
  ],
  [
    "proxy-key --rotate=1",
    ["proxy-key", "--rotate=1"],
    2,
    u("proxy-key", "option --rotate takes no value"),
  ],

  // serve, relay (refused before listening)
  [
    "serve --port x",
    ["serve", "--port", "x"],
    2,
    u("serve", '--port must be a whole number from 0 to 65535, not "x"'),
  ],
  [
    "serve on 0.0.0.0 without --allow-remote",
    ["serve", "--host", "0.0.0.0"],
    2,
    u(
      "serve",
      "--host 0.0.0.0 is not a loopback address; add --allow-remote if you really mean it",
    ),
  ],
  ["serve --open=1", ["serve", "--open=1"], 2, u("serve", "option --open takes no value")],
  [
    "serve with a positional",
    ["serve", "now"],
    2,
    u("serve", 'unexpected argument "now" for "serve"'),
  ],
  [
    "relay --port 70000",
    ["relay", "--port", "70000"],
    2,
    u("relay", '--port must be a whole number from 0 to 65535, not "70000"'),
  ],
  [
    "relay --host without a value",
    ["relay", "--host"],
    2,
    u("relay", "option --host needs a value"),
  ],
  ["relay with a positional", ["relay", "x"], 2, u("relay", 'unexpected argument "x" for "relay"')],

  // import, catalog, completion
  [
    "import without what",
    ["import"],
    2,
    u("import", '"import" needs what to import (docker, or docker-catalog FILE)'),
  ],
  [
    "import x",
    ["import", "x"],
    2,
    u("import", 'cannot import "x"; use "import docker" or "import docker-catalog FILE"'),
  ],
  [
    "import docker with a file",
    ["import", "docker", "x"],
    2,
    u("import", 'unexpected argument "x" for "import docker"'),
  ],
  [
    "import docker --compat docker",
    ["import", "docker", "--compat", "docker"],
    2,
    u("import", '"import docker" always keeps Docker\'s layout: drop --compat'),
  ],
  [
    "import docker-catalog without a file",
    ["import", "docker-catalog"],
    2,
    u("import", '"import docker-catalog" needs the catalog FILE'),
  ],
  [
    "import docker-catalog of a missing file",
    ["import", "docker-catalog", "/nonexistent/catalog.yaml"],
    2,
    "cannot read /nonexistent/catalog.yaml: ENOENT",
  ],
  [
    "catalog of an unknown name",
    ["catalog", "nope"],
    2,
    u("catalog", '"nope" is not in the catalog'),
  ],
  [
    "catalog with two names",
    ["catalog", "a", "b"],
    2,
    u("catalog", 'unexpected argument "b" for "catalog"'),
  ],
  [
    "completion without a shell",
    ["completion"],
    2,
    u("completion", '"completion" needs a shell: bash, zsh or fish'),
  ],
  [
    "completion powershell",
    ["completion", "powershell"],
    2,
    u("completion", 'no completion for "powershell"; use bash, zsh or fish'),
  ],
];

describe("corpus: bad CLI arguments (issue 10)", () => {
  let home: string;
  let before_: Record<string, string>;

  before(async () => {
    home = await signedInHome();
    before_ = await homeTree(home);
  });
  after(() => removeHome(home));

  for (const [what, argv, code, expected] of CASES) {
    it(`${what}: exit ${code}, one line, every file unchanged`, async () => {
      const r = await runMain(argv, { home });
      assertFailure(r, code, expected);
      assert.deepEqual(await homeTree(home), before_);
    });
  }

  it("import docker-catalog of a folder: exit 2 naming EISDIR", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mcp-oauth-corpus-dir-"));
    try {
      const r = await runMain(["import", "docker-catalog", dir], { home });
      assertFailure(r, 2, `cannot read ${dir}: EISDIR`);
      assert.deepEqual(await homeTree(home), before_);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("as a subprocess, a representative set prints the same line with the same exit code", async () => {
    const picked = [
      "unknown command",
      "--home without a value",
      "add with a unicode name",
      "add a javascript: URL",
      "add a URL with a password",
      "token with a right-to-left override",
      "token of an unknown name",
      "authorize --port -1",
      "authorize --redirect-uri on loopback with a fragment",
      "call --args []",
      "revoke with nothing",
    ];
    const chosen = CASES.filter(([what]) => picked.includes(what));
    assert.equal(chosen.length, picked.length, "every picked case exists");
    const results = await Promise.all(chosen.map(([, argv]) => runCli(argv, { home })));
    for (const [i, [what, , code, expected]] of chosen.entries()) {
      assertFailure(results[i]!, code, expected);
      assert.ok(results[i]!.stderr.endsWith("\n"), `${what}: the line ends with a newline`);
    }
    assert.deepEqual(await homeTree(home), before_);
  });

  it("the comparison is not vacuous: the seeded server is signed in, and the table is large", async () => {
    assert.ok(Object.keys(before_).includes("credentials.json"));
    assert.ok(Object.keys(before_).includes("config.json"));
    const r = await runMain(["token", SEEDED.name], { home });
    assert.equal(r.code, 0, r.err.join("\n"));
    assert.deepEqual(r.out, [SEEDED.accessToken]);
    assert.ok(CASES.length >= 100, `${CASES.length} cases`);
  });
});
