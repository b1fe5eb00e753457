/**
 * The relay as a deployable fetch handler, the same module everywhere:
 *
 * - Deno Deploy:        deployctl deploy --entrypoint=src/relay.ts   (or `deno serve src/relay.ts`)
 * - Cloudflare Workers: wrangler deploy src/relay.ts
 * - Bun:                bun run src/relay.ts  (Bun serves a default export with `fetch`)
 *
 * It is stateless: run as many copies as you like.
 *
 * @module
 */
import { relayApp } from "./http/relay.ts";

const app = relayApp();

/** A `{ fetch }` default export, the shape Deno, Bun and Workers serve. */
export default { fetch: app.fetch };
