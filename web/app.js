// The only script of the dashboard besides htmx (the CSP allows no inline code).
//
// The access key: the page that the printed address (/?k=KEY) opens holds it in a meta tag.
// It never goes into a cookie, which the browser would also send to every other port of
// 127.0.0.1. This script sends it in a header with every htmx request, puts it in the
// Authorize form (a plain post that opens a tab), keeps it in this tab's sessionStorage (an
// origin's own, port included) for a reload, and drops it from the address bar.
const HEADER = "mcp-oauth-key";
const STORED = "mcp-oauth-key";
/** sessionStorage, or nothing where the browser refuses it (then a reload needs the address). */
const storage = (() => {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null;
  }
})();
// The sign-in tab's callback page: the code, state and iss leave the address bar (and the
// tab's history), so a reload or a shared screen shows none of them.
if (location.pathname === "/callback" && location.search) {
  history.replaceState(null, "", location.pathname);
}

const meta = document.querySelector('meta[name="mcp-oauth-key"]');
const key = meta?.content || storage?.getItem(STORED) || "";

if (meta) {
  storage?.setItem(STORED, meta.content);
  if (new URLSearchParams(location.search).has("k")) {
    history.replaceState(null, "", location.pathname);
  }
} else if (document.body?.hasAttribute("data-locked")) {
  // Locked: a reload of "/" in this tab comes back in; a key the dashboard refused (it was
  // restarted, with a new key) is forgotten, so this happens once.
  if (new URLSearchParams(location.search).has("k")) storage?.removeItem(STORED);
  else if (key && location.pathname === "/") location.replace(`/?k=${encodeURIComponent(key)}`);
}

document.addEventListener("htmx:config:request", (event) => {
  const request = event.detail?.ctx?.request;
  if (!request || !key) return;
  // Only to our own origin.
  if (new URL(request.action, location.href).origin === location.origin) {
    request.headers[HEADER] = key;
  }
});

// An "Authorize" form opens the sign-in in a new tab; this tab then reloads the
// server's rows, which poll until the callback has stored the tokens.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.refresh) return;
  // The form's fields are read after this event: the key goes with them.
  let field = form.querySelector('input[name="k"]');
  if (!field) {
    field = document.createElement("input");
    field.type = "hidden";
    field.name = "k";
    form.append(field);
  }
  field.value = key;
  const id = form.dataset.refresh;
  // Reload the row until it shows the sign-in waiting (it then polls by itself) or done.
  const reload = (attempt) => {
    const target = document.getElementById(id);
    if (!target || target.hasAttribute("hx-trigger") || attempt > 6) return;
    htmx.ajax("GET", form.dataset.rowUrl, { target, swap: "outerHTML" })
      .finally(() => setTimeout(() => reload(attempt + 1), 700));
  };
  setTimeout(() => reload(0), 300);
});

// Expiry countdown: the server renders each token's expiry instant (data-expires-at, ms); the
// page counts down by itself, so the clock never makes the server re-render anything. Once a
// token expires, the row says so; the servers section's poll then brings the server's view.
/** "in 4m 05s": the same text as the server's first rendering (views.ts, `relative`). */
function expiresIn(ms) {
  const s = Math.round(ms / 1000);
  if (s < 60) return `in ${s}s`;
  if (s < 600) return `in ${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  if (s < 3600) return `in ${Math.floor(s / 60)}m`;
  if (s < 86400) return `in ${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `in ${Math.floor(s / 86400)}d`;
}
function countDown() {
  for (const el of document.querySelectorAll("[data-expires-at]")) {
    const left = Number(el.dataset.expiresAt) - Date.now();
    if (!Number.isFinite(left)) continue;
    if (left > 0) {
      el.textContent = `authorized, expires ${expiresIn(left)}`;
    } else {
      el.textContent = "expired";
      el.classList.replace("authorized", "expired-refreshable");
      el.removeAttribute("data-expires-at");
    }
  }
}
setInterval(countDown, 1000);
document.addEventListener("DOMContentLoaded", countDown);

// Copy buttons of the "Connect a client" panel: the text of the element they name.
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("button[data-copy]") : null;
  const source = button && document.getElementById(button.dataset.copy);
  if (!source) return;
  const done = (label) => {
    button.textContent = label;
    setTimeout(() => (button.textContent = "Copy"), 1500);
  };
  navigator.clipboard?.writeText(source.textContent ?? "").then(
    () => done("Copied"),
    () => done("Select and copy"),
  ) ?? done("Select and copy");
});
