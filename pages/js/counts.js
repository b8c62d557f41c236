(() => {
  // A 数量 field (Streamlit's number input: whole items from its min to its max). Streamlit
  // sends the whole part of 「1.5」 or 「1e1」 (1) while the field goes on showing what was typed,
  // and sends nothing for a number out of range, saying so only in English. So a key that
  // cannot be part of a whole number is refused as it is typed, with a word why (what the field
  // shows is what is saved), and a number out of range is named beside the field in Chinese
  // (it is not sent, and drafts.js keeps no draft of it).
  if (window.__jiguanCounts) return;
  window.__jiguanCounts = true;
  const {digits, range} = document.currentScript.dataset;  // ui.py's
  const isCount = (el) => el instanceof HTMLInputElement && el.type === "number";
  const say = (field, text, kind) => {
    const where = field.closest('[data-testid="stElementContainer"]');
    if (!where) return;
    let line = where.querySelector(".jiguan-count-note");
    if (!text) {
      if (!kind || line?.dataset.kind === kind) line?.remove();
      return;
    }
    if (!line) {
      line = document.createElement("div");
      line.className = "jiguan-count-note";
      line.style.cssText = "color:#8a4600;font-size:0.875rem;margin-top:0.25rem";
      where.appendChild(line);
    }
    line.dataset.kind = kind;
    // (out of range, Streamlit's own announcement speaks: nav_text.js says it in Chinese)
    line.setAttribute("role", kind === "range" ? "status" : "alert");
    line.textContent = text;
  };
  const outOfRange = (field) => field.validity.rangeOverflow || field.validity.rangeUnderflow;
  const check = (field) => {
    if (outOfRange(field)) {
      say(field, range.replace("{min}", field.min).replace("{max}", field.max)
        .replace("{value}", field.value), "range");
    } else say(field, "", "range");
  };
  document.addEventListener("beforeinput", (event) => {
    const field = event.target;
    // (data is null for deletions, and for a paste whose text is in dataTransfer)
    const data = event.data ?? event.dataTransfer?.getData("text/plain") ?? "";
    if (!isCount(field) || /^[0-9]*$/.test(data)) return;
    event.preventDefault();
    say(field, digits, "digits");
  }, true);
  document.addEventListener("input", (event) => {
    if (isCount(event.target) && !event.isComposing) check(event.target);
  }, true);
  // An input method's text (拼音, 全角) comes as a composition, which cannot be refused key by
  // key: when it ends, what it entered is refused whole, like a paste, unless it leaves only
  // digits (an input method's full-width digits arrive as 0-9).
  const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;
  const before = new WeakMap();  // field -> its value when the composition began
  document.addEventListener("compositionstart", (event) => {
    if (isCount(event.target)) before.set(event.target, event.target.value);
  }, true);
  document.addEventListener("compositionend", (event) => {
    const field = event.target;
    if (!isCount(field)) return;
    // (a number field's value is "" when what it holds is no number at all: badInput)
    if (field.validity.badInput || !/^[0-9]*$/.test(field.value)) {
      setValue.call(field, before.get(field) ?? "");
      field.dispatchEvent(new Event("input", {bubbles: true}));
      say(field, digits, "digits");
    } else check(field);
  }, true);
  // A new edit begins: the word about a key refused before has been read.
  document.addEventListener("focus", (event) => {
    if (isCount(event.target)) say(event.target, "", "digits");
  }, true);
  // The − / + buttons set the value without an input event.
  document.addEventListener("click", (event) => {
    const button = event.target.closest?.(
      '[data-testid="stNumberInputStepUp"], [data-testid="stNumberInputStepDown"]');
    const field = button?.closest('[data-testid="stNumberInputContainer"]')?.querySelector("input");
    if (field) setTimeout(() => check(field), 0);
  }, true);
})();
