/**
 * The dashboard's static assets, inlined at build time (Bun and Deno text
 * imports), so the compiled binary serves them with no files beside it.
 * htmx is the pinned htmx.org package, served from our own origin.
 *
 * @module
 */
import htmx from "htmx.org/dist/htmx.min.js" with { type: "text" };
import css from "../../../web/app.css" with { type: "text" };
import js from "../../../web/app.js" with { type: "text" };
import icon from "../../../web/icon.svg" with { type: "text" };

/** htmx, the stylesheet, the dashboard's one script and its icon. */
export const assets: { htmx: string; css: string; js: string; icon: string } = {
  htmx,
  css,
  js,
  icon,
};
