// The only script of the dashboard besides htmx (the CSP allows no inline code).
// An "Authorize" form opens the sign-in in a new tab; this tab then reloads the
// server's rows, which poll until the callback has stored the tokens.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.refresh) return;
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
