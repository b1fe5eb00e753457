/**
 * The machine grants' building blocks (issue 19): the secret method chosen from the AS's list,
 * a PKCS#8 key imported for its algorithm (guessed from the key, or checked against the one
 * named), the workload assertion read from its source and refused when expired, and the grant
 * checks `add` runs before storing anything.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { secretMethod } from "../../src/core/grants/client-credentials.ts";
import { validateGrantInput } from "../../src/core/grants/grant-input.ts";
import { describeGrant, isGrantConfig } from "../../src/core/grants/grant.ts";
import { assertNotExpired, readAssertion } from "../../src/core/grants/jwt-bearer.ts";
import { importSigningKey } from "../../src/core/grants/private-key.ts";
import { ErrorCode, McpOAuthError } from "../../src/core/errors.ts";
import { storedClient } from "../../src/core/grants/client-auth.ts";
import type { GrantContext } from "../../src/core/grants/grant.ts";
import { staticClientKey, writeRecord } from "../../src/core/records.ts";
import { MemoryStore } from "../../src/store/memory-store.ts";
import { recordSecret } from "../helpers/secret-ledger.ts";

async function pem(params: EcKeyGenParams | RsaHashedKeyGenParams | Algorithm): Promise<string> {
  const pair = await crypto.subtle.generateKey(params, true, ["sign", "verify"]) as CryptoKeyPair;
  const der = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const b64 = btoa(String.fromCharCode(...der));
  recordSecret("private key (base64)", b64);
  return `-----BEGIN PRIVATE KEY-----\n${
    b64.replace(/(.{64})/g, "$1\n")
  }\n-----END PRIVATE KEY-----\n`;
}

const jwt = (claims: Record<string, unknown>) =>
  `${btoa('{"alg":"ES256"}')}.${btoa(JSON.stringify(claims)).replace(/=+$/, "")}.c2ln`;

describe("client credentials: the secret method", () => {
  it("basic unless the AS lists only client_secret_post (RFC 8414 §2 default: basic)", () => {
    const as = (methods?: string[]) => ({
      issuer: "https://as.example",
      token_endpoint_auth_methods_supported: methods,
    });
    assert.equal(secretMethod("client_secret_basic", as()), "client_secret_basic");
    assert.equal(
      secretMethod("client_secret_basic", as(["client_secret_post"])),
      "client_secret_post",
    );
    assert.equal(
      secretMethod("client_secret_basic", as(["client_secret_post", "client_secret_basic"])),
      "client_secret_basic",
    );
    assert.equal(secretMethod("private_key_jwt", as(["client_secret_post"])), "private_key_jwt");
  });
});

describe("private_key_jwt keys", () => {
  it("the key's type decides the algorithm when none is named", async () => {
    assert.equal(
      (await importSigningKey(await pem({ name: "ECDSA", namedCurve: "P-256" }))).alg,
      "ES256",
    );
    assert.equal(
      (await importSigningKey(await pem({ name: "ECDSA", namedCurve: "P-384" }))).alg,
      "ES384",
    );
    const rsa = await pem({
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    });
    assert.equal((await importSigningKey(rsa)).alg, "RS256");
    assert.equal((await importSigningKey(rsa, "PS256")).alg, "PS256");
    const key = (await importSigningKey(rsa, "RS256")).key;
    assert.deepEqual(key.usages, ["sign"]);
    assert.equal(key.extractable, false);
  });
  it("a named algorithm the key cannot sign with, a bad PEM, an unknown algorithm: USAGE, never the key", async () => {
    const ec = await pem({ name: "ECDSA", namedCurve: "P-256" });
    const cases: [() => Promise<unknown>, RegExp][] = [
      [() => importSigningKey(ec, "RS256"), /cannot sign with RS256/],
      [() => importSigningKey(ec, "ES384"), /cannot sign with ES384/],
      [() => importSigningKey(ec, "HS256"), /"HS256" is not supported/],
      [() => importSigningKey("not a key"), /not a PEM private key/],
      [() => importSigningKey(ec.slice(0, 120) + "!!!" + ec.slice(140)), /malformed/],
      [
        () =>
          importSigningKey("-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----"),
        /not a PKCS#8/,
      ],
    ];
    for (const [p, message] of cases) {
      await assert.rejects(p(), (err: unknown) => {
        assert.ok(err instanceof McpOAuthError);
        assert.equal(err.code, "USAGE");
        assert.match(err.message, message);
        assert.doesNotMatch(err.message, new RegExp(ec.slice(40, 80).replace(/[+/]/g, ".")));
        return true;
      });
    }
  });
});

describe("workload assertions", () => {
  const environment = (files: Record<string, string>, env: Record<string, string> = {}) => ({
    env: (name: string) => env[name],
    readFile: (path: string) =>
      path in files
        ? Promise.resolve(files[path]!)
        : Promise.reject(Object.assign(new Error("no"), { code: "ENOENT" })),
  });
  it("read from the file or the variable as it is now, trimmed", async () => {
    const token = jwt({ exp: 9e9 });
    assert.equal(await readAssertion({ file: "/t" }, environment({ "/t": `${token}\n` })), token);
    assert.equal(await readAssertion({ env: "T" }, environment({}, { T: token })), token);
  });
  it("missing, empty or no JWT: one line naming the source", async () => {
    await assert.rejects(
      readAssertion({ file: "/gone" }, environment({})),
      /assertion file \/gone cannot be read \(ENOENT\)/,
    );
    await assert.rejects(
      readAssertion({ env: "T" }, environment({})),
      /assertion variable T is empty or not set/,
    );
    await assert.rejects(
      readAssertion({ file: "/t" }, environment({ "/t": "hello" })),
      /does not hold a JWT/,
    );
  });
  it("an expired one is refused before sending, saying when", () => {
    const now = Date.parse("2026-01-02T03:04:05Z");
    assert.throws(
      () => assertNotExpired(jwt({ exp: now / 1000 - 60 }), "the assertion file /t", now),
      /expired at 2026-01-02T03:03:05\.000Z/,
    );
    assertNotExpired(jwt({ exp: now / 1000 + 60 }), "x", now);
    assertNotExpired(jwt({}), "x", now);
  });
});

describe("grant configs", () => {
  it("stored grants are checked; each is named as ls shows it", () => {
    assert.ok(isGrantConfig({ kind: "client_credentials", auth: "private_key_jwt", alg: "ES256" }));
    assert.ok(isGrantConfig({ kind: "jwt_bearer", assertion: { env: "X" } }));
    assert.ok(isGrantConfig({ kind: "id_jag", idp: "corp" }));
    assert.ok(!isGrantConfig({ kind: "client_credentials", auth: "tls_client_auth" }));
    assert.ok(!isGrantConfig({ kind: "jwt_bearer", assertion: {} }));
    assert.ok(!isGrantConfig({ kind: "password" }));
    assert.equal(describeGrant(undefined), "browser");
    assert.equal(
      describeGrant({ kind: "client_credentials", auth: "private_key_jwt" }),
      "client credentials (private_key_jwt)",
    );
    assert.equal(describeGrant({ kind: "jwt_bearer", assertion: { file: "/t" } }), "workload JWT");
    assert.equal(describeGrant({ kind: "id_jag", idp: "corp" }), "enterprise IdP corp");
  });
  it("add's checks: the client id, the secret or key, the algorithm resolved from the key", async () => {
    const ec = await pem({ name: "ECDSA", namedCurve: "P-256" });
    const checked = await validateGrantInput({
      grant: { kind: "client_credentials", auth: "private_key_jwt" },
      clientId: "c",
      privateKey: ec,
    });
    assert.deepEqual(checked?.config, {
      kind: "client_credentials",
      auth: "private_key_jwt",
      alg: "ES256",
    });
    assert.equal(await validateGrantInput({}), undefined);
    await assert.rejects(validateGrantInput({ privateKey: ec }), /signs in with a browser/);
    await assert.rejects(
      validateGrantInput({
        grant: { kind: "jwt_bearer", assertion: { env: "A-B" } },
        clientId: "c",
      }),
      /not an environment variable name/,
    );
  });
});

describe("a grant's stored client is bound to its authorization server (RFC 6749 §2.3)", () => {
  const SERVER = "https://mcp.example/mcp";
  const secret = "bound-client-secret-1a2b3c4d";
  recordSecret("client secret", secret);
  const ctx = (store: MemoryStore, issuer: string, clientId = "ci-bot") =>
    ({
      store,
      clientId,
      discovery: { issuer },
      server: { name: "ci", canonical: SERVER },
    }) as unknown as GrantContext;
  async function stored(issuer = ""): Promise<MemoryStore> {
    const store = new MemoryStore();
    await writeRecord(store, staticClientKey(SERVER), "mcp-oauth-static-client", {
      v: 1,
      source: "static",
      issuer,
      client_id: "ci-bot",
      client_secret: secret,
      token_endpoint_auth_method: "client_secret_basic",
      redirect_uris: [],
      registered_at: 0,
    });
    return store;
  }

  it("first use binds it to the AS; another client id finds none", async () => {
    const store = await stored();
    const found = await storedClient(ctx(store, "https://as-1.example"));
    assert.equal(found.saved?.client_secret, secret);
    await found.bind();
    const again = await storedClient(ctx(store, "https://as-1.example"));
    assert.equal(again.saved?.issuer, "https://as-1.example");
    assert.equal(
      (await storedClient(ctx(store, "https://as-1.example", "other"))).saved,
      undefined,
    );
  });

  it("an AS other than the one it is bound to gets nothing: one line, the record unchanged", async () => {
    const store = await stored("https://as-1.example");
    await assert.rejects(storedClient(ctx(store, "https://as-2.example")), (err: unknown) => {
      assert.ok(err instanceof McpOAuthError);
      assert.equal(err.code, ErrorCode.CLIENT_ISSUER_CHANGED);
      assert.match(
        err.message,
        /belongs to https:\/\/as-1\.example; its credentials were not sent/,
      );
      assert.ok(!err.message.includes(secret));
      return true;
    });
    const kept = await storedClient(ctx(store, "https://as-1.example"));
    assert.equal(kept.saved?.issuer, "https://as-1.example");
  });
});
