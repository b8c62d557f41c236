(() => {
  // A form (st.form: 整改事项, 提交自评, accounts, …) sends nothing until its submit button is
  // pressed, so text typed into one and then left by a menu link or a page link would be gone
  // without a word. Ask first; closing or reloading the tab gets the browser's own question.
  if (window.__jiguanUnsavedForms) return;
  window.__jiguanUnsavedForms = true;
  const {question} = document.currentScript.dataset;  // run_script's data-*
  let unsent = null;  // the form typed into since its last submit
  const form = (el) => el && el.closest && el.closest('[data-testid="stForm"]');
  const pending = () => unsent && unsent.isConnected ? unsent : (unsent = null);
  document.addEventListener("input", (event) => {
    const typedInto = form(event.target);
    if (typedInto) unsent = typedInto;
  }, true);
  document.addEventListener("keydown", (event) => {  // Enter in a form's text field submits it
    if (event.key === "Enter" && event.target.matches && event.target.matches("input")
        && form(event.target) === pending()) unsent = null;
  }, true);
  document.addEventListener("click", (event) => {
    const open = pending();
    if (!open) return;
    const target = event.target.closest && event.target.closest('a[href], [role="menuitem"]');
    if (open.contains(event.target)) {
      if (event.target.closest('[data-testid="stFormSubmitButton"]')) unsent = null;  // sent
      return;
    }
    if (!target) return;
    if (window.confirm(question)) {
      unsent = null;  // the user chose to leave it
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
  }, true);
  window.addEventListener("beforeunload", (event) => {
    if (!pending()) return;
    event.preventDefault();
    event.returnValue = "";  // the browser asks in its own words
  });
})();
