import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { ErrorCode, McpOAuthError } from "../../src/core/errors.ts";
import { boundedFetch } from "../../src/core/http.ts";
import { listen, type Listening } from "../helpers/listen.ts";

describe("bounded fetch (S25)", () => {
  let server: Listening;
  before(async () => {
    const app = new Hono();
    app.get("/big-declared", (c) => c.body("x".repeat(2048)));
    app.get("/big-streamed", () =>
      new Response(
        new ReadableStream({
          start(controller) {
            for (let i = 0; i < 8; i++) {
              controller.enqueue(new TextEncoder().encode("y".repeat(512)));
            }
            controller.close();
          },
        }),
      ));
    app.get("/slow", async (c) => {
      await new Promise((r) => setTimeout(r, 400));
      return c.text("late");
    });
    app.get("/redirect", (c) => c.redirect("/elsewhere", 302));
    app.get("/elsewhere", (c) => c.text("followed"));
    app.get("/ok", (c) => c.json({ ok: true }));
    app.get("/empty", (c) => c.body(null, 204));
    server = await listen(app.fetch);
  });
  after(() => server.close());

  const f = () => boundedFetch(globalThis.fetch, { timeoutMs: 200, maxBytes: 1024 });
  const code = (expected: string) => (e: unknown) => {
    assert.ok(e instanceof McpOAuthError, String(e));
    assert.equal(e.code, expected);
    return true;
  };

  it("a body over the cap is refused, declared or streamed", async () => {
    await assert.rejects(f()(`${server.url}/big-declared`), code(ErrorCode.TOO_LARGE));
    await assert.rejects(f()(`${server.url}/big-streamed`), (e: unknown) => {
      code(ErrorCode.TOO_LARGE)(e);
      assert.match((e as Error).message, /larger than 1024 bytes/);
      return true;
    });
  });

  it("a slow answer times out with a message naming the URL", async () => {
    await assert.rejects(f()(`${server.url}/slow`), (e: unknown) => {
      code(ErrorCode.TIMEOUT)(e);
      assert.match(
        (e as Error).message,
        new RegExp(`No answer from ${server.url}/slow within 0.2 s`),
      );
      return true;
    });
  });

  it("redirects are never followed", async () => {
    const res = await f()(`${server.url}/redirect`);
    assert.equal(res.status, 302);
    assert.equal(await res.text(), "");
  });

  it("a refused connection is a one-line network error", async () => {
    const closed = await listen(() => new Response("x"));
    await closed.close();
    await assert.rejects(f()(`${closed.url}/x`), (e: unknown) => {
      code(ErrorCode.NETWORK)(e);
      assert.ok(!(e as Error).message.includes("\n"));
      return true;
    });
  });

  it("normal answers pass through, including empty ones", async () => {
    const res = await f()(`${server.url}/ok`);
    assert.deepEqual(await res.json(), { ok: true });
    assert.equal(res.headers.get("content-type"), "application/json");
    assert.equal((await f()(`${server.url}/empty`)).status, 204);
  });
});
