/**
 * The relay as a deployable fetch handler, the same module everywhere:
 *
 * - Cloudflare Workers: wrangler deploy -c deploy/cloudflare/wrangler.jsonc
 * - Deno Deploy:        deploy/deno/main.ts re-exports it (`deno serve deploy/deno/main.ts`)
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
