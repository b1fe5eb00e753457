// The only script of the dashboard besides htmx (the CSP allows no inline code).
// An "Authorize" form opens the sign-in in a new tab; this tab then reloads the
// server's rows, which poll until the callback has stored the tokens.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.refresh) return;
  const target = document.getElementById(form.dataset.refresh);
  setTimeout(() => {
    if (target) htmx.ajax("GET", form.dataset.rowUrl, { target, swap: "outerHTML" });
  }, 400);
});
