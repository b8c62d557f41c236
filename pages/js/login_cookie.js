(() => {
  const {method, code} = document.currentScript.dataset;
  const call = {method, credentials: "same-origin"};
  if (method === "POST") call.body = code;
  fetch("/jiguan/login-cookie", call);
})();
