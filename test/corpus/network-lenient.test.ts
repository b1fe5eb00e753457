/**
 * Interop corpus: answers that deployed servers send and every peer accepts, which mcp-oauth
 * must accept too (lenient where refusing protects nobody), beside the checks that stay strict
 * because they protect the user (resource and issuer binding). Each case runs the CLI against
 * test/fixtures/hostile-server.ts answering exactly that shape.
 *
 * @module
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type HostileServer, startHostileServer } from "../fixtures/hostile-server.ts";
import { removeHome, runMain, storedRecords, tempHome } from "../cli/helpers.ts";
import { recordSecret } from "../helpers/secret-ledger.ts";
import { seedToken } from "../helpers/seed.ts";
import { FileStore } from "../../src/store/file-store.ts";
import {
  json,
  lastForm,
  registered,
  runAuthorize,
  signedInHome,
  snapshotTree,
  theError,
  tokenRecordAt,
} from "./network-harness.ts";

let s: HostileServer;
before(async () => {
  s = await startHostileServer();
});
after(() => s.close());

/** The authorization URL the CLI printed. */
function printedUrl(err: string[]): URL {
  const u = /Open this URL to sign in to demo:\n\n {2}(\S+)/.exec(err.join("\n"))?.[1];
  assert.ok(u, `an authorization URL was printed:\n${err.join("\n")}`);
  return new URL(u);
}

describe("interop: registration responses peers accept", () => {
  it("a client_secret without client_secret_expires_at is a secret that does not expire (RFC 7591 §3.2.1)", async () => {
    s.reset();
    const seeded = await signedInHome(s, { client: false });
    recordSecret("client_secret", "dcr-secret");
    s.set({
      register: registered(s, {
        token_endpoint_auth_method: "client_secret_basic",
        client_secret: "dcr-secret",
      }),
    });
    try {
      const r = await runAuthorize(seeded.home, s.origin);
      assert.equal(r.code, 0, r.err.join("\n"));
      assert.equal(
        s.hits("/token").at(-1)?.headers.authorization,
        `Basic ${btoa("hostile-client:dcr-secret")}`,
        "the registered secret authenticates the code exchange",
      );
      const client = (await storedRecords(seeded.home))[seeded.clientKey] as Record<
        string,
        unknown
      >;
      assert.equal(client.client_secret, "dcr-secret");
      assert.equal(client.client_secret_expires_at, undefined, "no expiry invented");
    } finally {
      await removeHome(seeded.home);
    }
  });

  it("a registration answered 200 instead of 201 is the same registration", async () => {
    s.reset();
    const seeded = await signedInHome(s, { client: false });
    s.set({ register: registered(s, {}, 200) });
    try {
      const r = await runAuthorize(seeded.home, s.origin);
      assert.equal(r.code, 0, r.err.join("\n"));
      assert.equal(lastForm(s, "/token").get("client_id"), "hostile-client");
    } finally {
      await removeHome(seeded.home);
    }
  });

  it("the registration asks for a native app with the refresh grant (MCP 2026-07-28)", async () => {
    s.reset();
    const seeded = await signedInHome(s, { client: false });
    try {
      const r = await runAuthorize(seeded.home, s.origin);
      assert.equal(r.code, 0, r.err.join("\n"));
      const body = JSON.parse(s.hits("/register")[0]!.body) as Record<string, unknown>;
      assert.equal(body.application_type, "native");
      assert.ok(Array.isArray(body.grant_types));
      for (const g of ["authorization_code", "refresh_token"]) {
        assert.ok((body.grant_types as string[]).includes(g), `grant_types has ${g}`);
      }
    } finally {
      await removeHome(seeded.home);
    }
  });

  it("client_secret_basic encodes only what must be encoded, so servers that do not form-decode accept it (RFC 6749 §2.3.1)", async () => {
    s.reset();
    const seeded = await signedInHome(s, { client: false });
    const id = "my-client.id_1~x";
    const secret = "s3cr-et.x_y~z:+% !";
    recordSecret("client_secret", secret);
    s.set({
      register: registered(s, {
        client_id: id,
        token_endpoint_auth_method: "client_secret_basic",
        client_secret: secret,
      }),
    });
    try {
      const r = await runAuthorize(seeded.home, s.origin);
      assert.equal(r.code, 0, r.err.join("\n"));
      const basic = s.hits("/token").at(-1)?.headers.authorization ?? "";
      assert.equal(
        atob(basic.replace(/^Basic /, "")),
        "my-client.id_1~x:s3cr-et.x_y~z%3A%2B%25%20!",
      );
    } finally {
      await removeHome(seeded.home);
    }
  });
});

describe("interop: token responses peers accept", () => {
  const hs256 = [
    btoa(JSON.stringify({ alg: "HS256", typ: "JWT" })),
    btoa(JSON.stringify({ iss: "elsewhere", sub: "someone", aud: "x", exp: 1 })),
    "c2lnbmVkIHdpdGggYSBzZWNyZXQgd2UgZG8gbm90IGhhdmU",
  ].join(".").replaceAll("=", "");
  const shapes: [string, Record<string, unknown>][] = [
    ["token_type missing (read as Bearer)", { token_type: undefined }],
    ["an id_token signed with HS256 and a secret mcp-oauth does not have", { id_token: hs256 }],
    ["an id_token that is garbage", { id_token: "garbage" }],
    ["an id_token that is a number", { id_token: 3 }],
    ["expires_in as a numeric string", { expires_in: "3600" }],
  ];
  for (const [name, over] of shapes) {
    it(`code exchange: ${name}: signed in`, async () => {
      s.reset();
      const seeded = await signedInHome(s, { client: true });
      s.set({ token: ({ form }) => json({ ...s.good.token(form), ...over }) });
      try {
        const r = await runAuthorize(seeded.home, s.origin);
        assert.equal(r.code, 0, r.err.join("\n"));
        const record = await tokenRecordAt(seeded.home, seeded.tokenKey);
        assert.match(record?.access_token ?? "", /^hostile-at-/);
        assert.equal(record?.token_type.toLowerCase(), "bearer");
        if (over.expires_in) {
          const left = (record!.expires_at ?? 0) - Date.now();
          assert.ok(left > 3_500_000 && left <= 3_600_000, `expires in an hour (${left} ms)`);
        }
      } finally {
        await removeHome(seeded.home);
      }
    });
    it(`refresh: ${name}: refreshed`, async () => {
      s.reset();
      const seeded = await signedInHome(s);
      s.set({ token: ({ form }) => json({ ...s.good.token(form), ...over }) });
      try {
        const r = await runMain(["refresh", "demo"], { home: seeded.home });
        assert.equal(r.code, 0, r.err.join("\n"));
        const record = await tokenRecordAt(seeded.home, seeded.tokenKey);
        assert.match(record?.access_token ?? "", /^hostile-at-/);
      } finally {
        await removeHome(seeded.home);
      }
    });
  }
});

describe("interop: a token issued without a refresh token is kept until it expires", () => {
  async function withShortToken(expiresInMs: number) {
    const seeded = await signedInHome(s);
    await seedToken(new FileStore(seeded.home), {
      issuer: s.origin,
      url: s.mcpUrl,
      token_endpoint: `${s.origin}/token`,
      access_token: "short-lived-at",
      refresh_token: undefined,
      obtained_at: Date.now() - 3_000_000,
      expires_at: Date.now() + expiresInMs,
    });
    return seeded;
  }

  it("token in the last minute before expiry prints it and asks the AS nothing", async () => {
    s.reset();
    const seeded = await withShortToken(30_000);
    try {
      const before = await snapshotTree(seeded.home);
      const r = await runMain(["token", "demo"], { home: seeded.home });
      assert.equal(r.code, 0, r.err.join("\n"));
      assert.deepEqual(r.out, ["short-lived-at"]);
      assert.equal(s.hits("/token").length, 0);
      assert.deepEqual(await snapshotTree(seeded.home), before, "the token is kept");
    } finally {
      await removeHome(seeded.home);
    }
  });

  it("refresh says there is no refresh token and until when the token stays valid, exit 0", async () => {
    s.reset();
    const seeded = await withShortToken(30_000);
    try {
      const before = await snapshotTree(seeded.home);
      const r = await runMain(["refresh", "demo"], { home: seeded.home });
      assert.equal(r.code, 0, r.err.join("\n"));
      assert.match(
        r.out.join("\n"),
        /^demo has no refresh token \(the server issued none\), so nothing was refreshed; the current token stays valid until \d{4}-\d\d-\d\dT[\d:.]+Z \(in \d+s\), then run "mcp-oauth authorize demo"\.$/,
      );
      assert.equal(s.hits("/token").length, 0);
      assert.deepEqual(await snapshotTree(seeded.home), before, "the token is kept");
    } finally {
      await removeHome(seeded.home);
    }
  });

  it("once it has really expired, token exits 3 (sign in again)", async () => {
    s.reset();
    const seeded = await withShortToken(-1_000);
    try {
      const r = await runMain(["token", "demo"], { home: seeded.home });
      assert.equal(r.code, 3, r.err.join("\n"));
      assert.match(
        theError(r),
        /has expired and there is no refresh token; re-authorization needed/,
      );
    } finally {
      await removeHome(seeded.home);
    }
  });
});

describe("interop: protected resource metadata for a resource that covers the server", () => {
  const rootPrm = (resource: string) => ({
    mcp: { status: 401, headers: [["WWW-Authenticate", "Bearer"]] as [string, string][] },
    prm: { status: 404, json: { error: "not_found" } },
    "prm-root": json({ ...s.good.prm(), resource }),
  });

  it("a PRM at the root naming the origin is used, and the origin is sent as resource byte for byte", async () => {
    s.reset();
    const seeded = await signedInHome(s, { client: true });
    s.set(rootPrm(s.origin));
    try {
      const r = await runAuthorize(seeded.home, s.origin);
      assert.equal(r.code, 0, r.err.join("\n"));
      assert.equal(printedUrl(r.err).searchParams.get("resource"), s.origin);
      assert.equal(lastForm(s, "/token").get("resource"), s.origin);
      // Stored under the server's own URL: token and refresh find it, and refresh sends the same.
      const refreshed = await runMain(["refresh", "demo"], { home: seeded.home });
      assert.equal(refreshed.code, 0, refreshed.err.join("\n"));
      assert.equal(lastForm(s, "/token").get("resource"), s.origin);
    } finally {
      await removeHome(seeded.home);
    }
  });

  it("the PRM's resource is sent exactly as written (a trailing slash kept)", async () => {
    s.reset();
    const seeded = await signedInHome(s, { client: true });
    s.set({ prm: json({ ...s.good.prm(), resource: `${s.mcpUrl}/` }) });
    try {
      const r = await runAuthorize(seeded.home, s.origin);
      assert.equal(r.code, 0, r.err.join("\n"));
      assert.equal(lastForm(s, "/token").get("resource"), `${s.mcpUrl}/`);
    } finally {
      await removeHome(seeded.home);
    }
  });

  it("discover says which resource it will send", async () => {
    s.reset();
    const home = await tempHome();
    s.set(rootPrm(s.origin));
    try {
      const r = await runMain(["discover", s.mcpUrl], { home });
      assert.equal(r.code, 0, r.err.join("\n"));
      assert.match(
        r.out.join("\n"),
        new RegExp(
          `resource parameter: ${s.origin.replaceAll(".", "\\.")} as the metadata names it`,
        ),
      );
    } finally {
      await removeHome(home);
    }
  });

  for (
    const [name, resource] of [
      ["a path that is not a prefix", "/other"],
      ["a prefix that is not a whole path segment", "/mc"],
      ["another origin", "https://evil.example/mcp"],
    ]
  ) {
    it(`still refused: ${name}`, async () => {
      s.reset();
      const seeded = await signedInHome(s, { client: true });
      const full = resource.startsWith("/") ? `${s.origin}${resource}` : resource;
      s.set(rootPrm(full));
      try {
        const before = await snapshotTree(seeded.home);
        const r = await runMain(["authorize", "demo", "--browser", "none"], { home: seeded.home });
        assert.equal(r.code, 1);
        assert.match(theError(r), /is for ".+", not .+ \(RFC 9728 §3.3\); not authorizing/);
        assert.deepEqual(await snapshotTree(seeded.home), before);
      } finally {
        await removeHome(seeded.home);
      }
    });
  }
});

describe("interop: a 2025-03-26 server whose metadata names an issuer below its origin", () => {
  it("the metadata at the origin is used (its endpoints, its issuer for iss), not /register", async () => {
    s.reset();
    const seeded = await signedInHome(s, { client: false });
    const issuer = `${s.origin}/oauth`;
    s.set({
      mcp: { status: 401, headers: [["WWW-Authenticate", "Bearer"]] },
      prm: { status: 404, json: {} },
      "as-metadata": json({
        ...s.good.asMetadata(),
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        registration_endpoint: `${issuer}/register`,
        revocation_endpoint: `${issuer}/revoke`,
      }),
      paths: {
        "/oauth/register": registered(s, {}),
        "/oauth/token": ({ form }) => json(s.good.token(form)),
      },
    });
    try {
      const r = await runAuthorize(seeded.home, issuer);
      assert.equal(r.code, 0, r.err.join("\n"));
      assert.equal(s.hits("/oauth/register").length, 1);
      assert.equal(s.hits("/register").length, 0);
      assert.equal(s.hits("/oauth/token").length, 1);
    } finally {
      await removeHome(seeded.home);
    }
  });
});

describe("strict: the callback's iss is compared byte for byte (RFC 9207 §2.4)", () => {
  const variants: [string, (o: string) => string, boolean][] = [
    ["a trailing slash", (o) => `${o}/`, true],
    ["an upper-case scheme", (o) => o.replace("http:", "HTTP:"), true],
    ["a wrong iss from an AS that does not advertise iss", (o) => `${o}/other`, false],
  ];
  for (const [name, iss, advertised] of variants) {
    it(`${name}: refused, nothing stored`, async () => {
      s.reset();
      const seeded = await signedInHome(s, { client: true });
      if (!advertised) {
        s.set({
          "as-metadata": json({
            ...s.good.asMetadata(),
            authorization_response_iss_parameter_supported: undefined,
          }),
        });
      }
      try {
        const before = await snapshotTree(seeded.home);
        const r = await runAuthorize(seeded.home, iss(s.origin));
        assert.equal(r.code, 1);
        assert.match(theError(r), /^The callback's iss ".+" is not .+ \(RFC 9207 mix-up defence\)/);
        assert.equal(s.hits("/token").length, 0, "the code was not exchanged");
        assert.deepEqual(await snapshotTree(seeded.home), before);
      } finally {
        await removeHome(seeded.home);
      }
    });
  }
});
