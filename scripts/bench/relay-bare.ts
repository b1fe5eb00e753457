/**
 * The floor the relay is measured against on the edge runtimes (issue 20): a bare fetch handler,
 * no framework, making the relay's redirect (port and nonce from the state; code, state and iss
 * copied) with none of its checks or headers. Served like the relay: by workerd through
 * `wrangler dev` and by `deno serve`.
 *
 * @module
 */

/** A `{ fetch }` default export, the shape workerd and `deno serve` run. */
export default {
  fetch(req: Request): Response {
    const q = new URL(req.url).searchParams;
    const [, port, nonce] = (q.get("state") ?? "").split(":");
    const out = new URLSearchParams({
      code: q.get("code") ?? "",
      state: nonce ?? "",
      iss: q.get("iss") ?? "",
    });
    return new Response(null, {
      status: 302,
      headers: { location: `http://localhost:${port}/callback?${out}` },
    });
  },
};
