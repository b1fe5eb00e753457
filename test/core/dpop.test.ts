/**
 * core/dpop.ts (RFC 9449): which algorithm binds a server's tokens, the stored key pair, and
 * the claims of a resource request's proof, checked with WebCrypto apart from the module.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  chooseDpopAlgorithm,
  ensureDpopKey,
  loadDpopKey,
  withDpopNonceRetry,
} from "../../src/core/dpop.ts";
import { ErrorCode, McpOAuthError } from "../../src/core/errors.ts";
import { dpopKeyKey } from "../../src/core/records.ts";
import { tokenRecordFrom } from "../../src/core/tokens.ts";
import { MemoryStore } from "../../src/store/memory-store.ts";
import { ecThumbprint } from "../fixtures/dpop-check.ts";
import { recordSecret } from "../helpers/secret-ledger.ts";

const ISSUER = "https://as.example.com";
const RESOURCE = "https://mcp.example.com/mcp";
const b64u = (bytes: ArrayBuffer) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
const part = (s: string) =>
  JSON.parse(atob(s.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;

async function newKey(store = new MemoryStore()) {
  const key = await ensureDpopKey(store, ISSUER, RESOURCE, "ES256", ["ES256"], 1_000);
  const stored = JSON.parse((await store.get(dpopKeyKey(ISSUER, RESOURCE)))!.Secret);
  recordSecret("dpop_private_key", stored.jwk.d);
  return { key, store, stored };
}

describe("DPoP algorithm choice (RFC 9449 §5.1)", () => {
  const base = { server: "demo", issuer: ISSUER };

  it("prefers ES256 among the advertised algorithms, else the first one mcp-oauth has", () => {
    assert.equal(
      chooseDpopAlgorithm({ ...base, advertised: ["EdDSA", "RS256", "ES256"] }),
      "ES256",
    );
    assert.equal(chooseDpopAlgorithm({ ...base, advertised: ["RS256", "ES384"] }), "ES384");
    assert.equal(chooseDpopAlgorithm({ ...base, advertised: ["RS256"] }), "RS256");
  });

  it("is Bearer without DPoP in the metadata, ES256 when the server challenges with DPoP", () => {
    assert.equal(chooseDpopAlgorithm({ ...base }), undefined);
    assert.equal(chooseDpopAlgorithm({ ...base, advertised: ["EdDSA"] }), undefined);
    assert.equal(chooseDpopAlgorithm({ ...base, challenged: true }), "ES256");
  });

  it("refuses a required DPoP the AS does not offer, in one line", () => {
    assert.throws(
      () => chooseDpopAlgorithm({ ...base, required: true }),
      (err) =>
        err instanceof McpOAuthError && err.code === ErrorCode.DPOP_UNSUPPORTED &&
        err.message ===
          `demo was added with DPoP, but ${ISSUER} does not support DPoP (its metadata has no dpop_signing_alg_values_supported); add the server again without DPoP, or ask the provider to enable DPoP.`,
    );
    assert.throws(
      () => chooseDpopAlgorithm({ ...base, required: true, advertised: ["EdDSA"] }),
      /offers only the proof algorithms EdDSA/,
    );
  });
});

describe("the DPoP key pair in the credential store (RFC 9449 §2)", () => {
  it("is generated once, stored as a private JWK, and loaded with the same thumbprint", async () => {
    const { key, store, stored } = await newKey();
    assert.equal(stored.kind, "dpop-key");
    assert.equal(stored.jwk.kty, "EC");
    assert.equal(typeof stored.jwk.d, "string");
    assert.equal(stored.jkt, key.jkt);
    assert.equal(await ecThumbprint(stored.jwk), key.jkt);
    const again = await ensureDpopKey(store, ISSUER, RESOURCE, "ES256", ["ES256"], 2_000);
    assert.equal(again.jkt, key.jkt, "not replaced");
    assert.equal((await loadDpopKey(store, ISSUER, RESOURCE))?.jkt, key.jkt);
    assert.equal(await loadDpopKey(store, ISSUER, "https://other.example.com/mcp"), undefined);
  });
});

describe("the proof of an MCP request (RFC 9449 §4.2, §7)", () => {
  it("has typ, alg and the public jwk; htm, htu without query or fragment, iat, a fresh jti, ath", async () => {
    const { key } = await newKey();
    const token = "access-token-value";
    const proof = await key.proof("post", `${RESOURCE}?session=1#frag`, token);
    const [h, p, sig] = proof.split(".") as [string, string, string];
    const header = part(h);
    const claims = part(p);
    const jwk = header.jwk as Record<string, string>;
    assert.equal(header.typ, "dpop+jwt");
    assert.equal(header.alg, "ES256");
    assert.deepEqual(Object.keys(jwk).sort(), ["crv", "kty", "x", "y"], "no private member");
    assert.equal(await ecThumbprint(jwk), key.jkt);
    assert.deepEqual(Object.keys(claims).sort(), ["ath", "htm", "htu", "iat", "jti"]);
    assert.equal(claims.htm, "POST");
    assert.equal(claims.htu, RESOURCE);
    assert.ok(Math.abs((claims.iat as number) - Date.now() / 1000) < 5);
    assert.equal(
      claims.ath,
      b64u(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token))),
    );
    const publicKey = await crypto.subtle.importKey(
      "jwk",
      jwk,
      { name: "ECDSA", namedCurve: "P-256" },
      false,
      ["verify"],
    );
    const signature = Uint8Array.from(
      atob(sig.replace(/-/g, "+").replace(/_/g, "/")),
      (c) => c.charCodeAt(0),
    );
    assert.ok(
      await crypto.subtle.verify(
        { name: "ECDSA", hash: "SHA-256" },
        publicKey,
        signature,
        new TextEncoder().encode(`${h}.${p}`),
      ),
    );
    const second = part((await key.proof("POST", RESOURCE, token)).split(".")[1]!);
    assert.notEqual(second.jti, claims.jti);
  });

  it("carries the nonce the server of that origin sent, and only there (RFC 9449 §9)", async () => {
    const { key } = await newKey();
    const answer = new Response(null, { status: 401, headers: { "dpop-nonce": "n-1" } });
    assert.equal(key.noteNonce(RESOURCE, answer), true);
    assert.equal(key.noteNonce(RESOURCE, new Response(null)), false);
    const here = part((await key.proof("POST", RESOURCE, "t")).split(".")[1]!);
    assert.equal(here.nonce, "n-1");
    const elsewhere = part(
      (await key.proof("GET", "https://other.example.com/mcp", "t")).split(".")[1]!,
    );
    assert.equal(elsewhere.nonce, undefined);
  });
});

describe("DPoP in token responses and retries", () => {
  const context = {
    resource: RESOURCE,
    issuer: ISSUER,
    token_endpoint: `${ISSUER}/token`,
    client_id: "c",
    auth_method: "none" as const,
    send_resource: true,
  };
  const response = { access_token: "a", token_type: "dpop" as const, expires_in: 60 };

  it("a DPoP token is kept only when a proof obtained it", () => {
    assert.throws(() => tokenRecordFrom(response, context, 0), /only Bearer$/);
    const record = tokenRecordFrom(response, { ...context, dpop_jkt: "jkt" }, 0);
    assert.equal(record.token_type, "DPoP");
    assert.equal(record.dpop_jkt, "jkt");
  });

  it("a request is retried once, only for a DPoP handle and use_dpop_nonce", async () => {
    const { key } = await newKey();
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(new Error("plain failure"));
    };
    await assert.rejects(withDpopNonceRetry(key.handle(), failing), /plain failure/);
    assert.equal(calls, 1);
    calls = 0;
    assert.equal(await withDpopNonceRetry(undefined, () => Promise.resolve(++calls)), 1);
  });
});
