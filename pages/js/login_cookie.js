(() => {
  const {method, code} = document.currentScript.dataset;
  // A request for another login (or the clearing after a sign-out) supersedes one still on
  // its way: its late answer would otherwise set the cookie of a login this tab has left
  // (signed out, another account signed in), and a reload would not find the tab's login.
  // The same login's code drawn again (every run until bound) does not: one of them binds.
  const want = method + ":" + code;
  const last = window.__jiguanLoginCookie;
  if (last && last.want !== want) last.control.abort();
  const control = new AbortController();
  window.__jiguanLoginCookie = {want, control};
  const call = {method, credentials: "same-origin", signal: control.signal};
  if (method === "POST") call.body = code;
  fetch("/jiguan/login-cookie", call).catch(() => {});  // aborted: superseded
})();
