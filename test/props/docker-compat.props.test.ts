/**
 * Properties of the Docker MCP gateway credential layout (issue 10): any secret decodes to an
 * object or undefined, never an exception; what we encode Docker's way decodes back; client
 * keys map back to their server name; expiries from any text are valid times or "never"; and
 * a token record survives the trip to Docker's entries and back.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  decodeDocker,
  dockerClientKey,
  dockerExpiry,
  dockerServerName,
  dockerStatus,
  type DockerToken,
  encodeDocker,
  fromDockerEntries,
  isDockerClient,
  isDockerToken,
  toDockerEntries,
} from "../../src/store/docker-compat.ts";
import type { TokenRecord } from "../../src/core/records.ts";
import { anyString, hostileText } from "./props-helpers.ts";

const RUNS = 2000;
const MAX_DATE = 8.64e15;

const serverName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,30}$/);

describe("Docker credential layout: properties (issue 10)", () => {
  it(`any secret decodes to an object or undefined (${RUNS} runs)`, () => {
    const secret = fc.oneof(
      anyString,
      fc.jsonValue().map((v) => encodeDocker(v)),
      fc.string().map((t) => btoa(t.replace(/[^ -~]/g, "?"))),
      hostileText(["eyJ", "=", "==", " ", "\n", "e30=", "W10=", "bnVsbA==", "+", "/"]),
    );
    fc.assert(
      fc.property(secret, (s) => {
        const v = decodeDocker<Record<string, unknown>>(s);
        if (v !== undefined) assert.ok(typeof v === "object" && v !== null && !Array.isArray(v));
        // The shape checks take whatever decoded.
        assert.equal(typeof isDockerClient(v), "boolean");
        assert.equal(typeof isDockerToken(v), "boolean");
        return true;
      }),
      { numRuns: RUNS },
    );
  });

  it(`encodeDocker then decodeDocker is the identity on JSON objects (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (o) => {
        const encoded = encodeDocker(o);
        assert.match(encoded, /^[A-Za-z0-9+/]*={0,2}$/, "standard base64, as Go writes it");
        assert.equal(JSON.stringify(decodeDocker(encoded)), JSON.stringify(o));
        return true;
      }),
      { numRuns: RUNS },
    );
  });

  it(`client keys map back to their server name, and nothing else maps to one (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(serverName, anyString, (name, other) => {
        assert.equal(dockerServerName(dockerClientKey(name)), name);
        const n = dockerServerName(other);
        if (n !== undefined) assert.equal(dockerClientKey(n), other);
        return true;
      }),
      { numRuns: RUNS },
    );
  });

  it(`expiries from any text are a valid time or "never", and the status follows (S20, ${RUNS} runs)`, () => {
    const expiry = fc.oneof(
      anyString,
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.constantFrom("0001-01-01T00:00:00Z", "", "275760-09-13T00:00:00.001Z", "NaN", "1e400"),
    );
    fc.assert(
      fc.property(
        fc.option(expiry, { nil: undefined }),
        fc.option(fc.string(), { nil: undefined }),
        fc.integer({ min: 0, max: MAX_DATE }),
        (e, refresh, now) => {
          const token: DockerToken = {
            access_token: "a",
            token_type: "bearer",
            ...(refresh !== undefined ? { refresh_token: refresh } : {}),
            ...(e !== undefined ? { expiry: e } : {}),
          };
          const at = dockerExpiry(token);
          if (at !== undefined) {
            assert.ok(Number.isFinite(at) && at > 0 && at <= MAX_DATE, String(at));
            assert.doesNotThrow(() => new Date(at).toISOString());
          }
          const status = dockerStatus(token, now);
          assert.equal(status.expiresAt, at);
          if (at === undefined || at > now) assert.equal(status.state, "authorized");
          else {
            assert.equal(status.state, refresh ? "expired-refreshable" : "needs-authorization");
          }
          return true;
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`a token record survives the trip to Docker's entries and back (${RUNS} runs)`, () => {
    const record = fc.record({
      resource: fc.webUrl(),
      issuer: fc.webUrl(),
      authorization_endpoint: fc.option(fc.webUrl(), { nil: undefined }),
      token_endpoint: fc.webUrl(),
      client_id: fc.string({ minLength: 1 }),
      access_token: fc.string({ minLength: 1 }),
      token_type: fc.constantFrom("bearer", "Bearer", "DPoP"),
      refresh_token: fc.option(fc.string({ minLength: 1 }), { nil: undefined }),
      scope: fc.option(
        fc.array(fc.stringMatching(/^[a-z:]{1,8}$/), { minLength: 1, maxLength: 4 }).map((s) =>
          s.join(" ")
        ),
        { nil: undefined },
      ),
      expires_at: fc.option(fc.integer({ min: 1, max: MAX_DATE }), { nil: undefined }),
      obtained_at: fc.integer({ min: 0, max: MAX_DATE }),
    });
    fc.assert(
      fc.property(record, serverName, fc.option(fc.string({ minLength: 1 })), (r, name, secret) => {
        const full: TokenRecord = {
          v: 1,
          ...r,
          auth_method: "none",
          send_resource: true,
        };
        const [clientEntry, tokenEntry] = toDockerEntries(name, full, {
          client_id: r.client_id,
          ...(secret ? { client_secret: secret } : {}),
        });
        assert.equal(clientEntry!.ServerURL, dockerClientKey(name));
        assert.equal(tokenEntry!.Username, `oauth2_${name}`);
        const client = decodeDocker(clientEntry!.Secret);
        const token = decodeDocker(tokenEntry!.Secret);
        assert.ok(isDockerClient(client as never), "a Docker client entry");
        assert.ok(isDockerToken(token as never), "a Docker token entry");
        const back = fromDockerEntries(client as never, token as never, r.obtained_at, {
          issuer: (client as { authorizationServer: string }).authorizationServer,
          resource: r.resource,
        });
        assert.equal(back.access_token, r.access_token);
        assert.equal(back.refresh_token, r.refresh_token);
        assert.equal(back.token_type, r.token_type);
        assert.equal(back.expires_at, r.expires_at);
        assert.equal(back.resource, r.resource);
        assert.equal(back.issuer, r.issuer);
        assert.equal(back.token_endpoint, r.token_endpoint);
        assert.equal(back.client_id, r.client_id);
        assert.equal(back.scope, r.scope);
        assert.equal(back.auth_method, secret ? "client_secret_basic" : "none");
        return true;
      }),
      { numRuns: RUNS },
    );
  });
});
