if (!window.jiguanPresentKeys) {
  window.jiguanPresentKeys = true;
  const next = ["PageDown", "ArrowRight", "ArrowDown", " ", "Spacebar"];
  const prev = ["PageUp", "ArrowLeft", "ArrowUp"];
  const typing = "input:not([type=checkbox]):not([type=radio]), textarea, select, "
    + "[role=combobox], [role=listbox]";
  const button = (label) => [...document.querySelectorAll(".st-key-present-controls button")]
    .find((b) => b.innerText.includes(label));
  const ours = (event) => !(event.target && event.target.closest && event.target.closest(typing))
    && button("下一条");

  // A clicker pressed quickly: Streamlit merges two clicks that reach the server before the
  // first one's run began into one run, so one move would be lost. The presses queue here and
  // go out one at a time, each once the app has run the previous one (its script state went
  // from running back to notRunning; a MutationObserver sees every change, however short).
  const queue = [];
  let inFlight = false, sawRun = false, guard = null;
  const app = () => document.querySelector('[data-testid="stApp"]');
  const idle = () => { const a = app(); return !a || a.dataset.testScriptState === "notRunning"; };
  const release = () => { inFlight = false; clearTimeout(guard); send(); };
  // A run can be so short that the page never shows it running (its start and end drawn in one
  // go): then the slide itself having changed (moved, or the answer revealed) tells it was run.
  const slide = () => {
    const body = document.querySelector('[class*="st-key-present-body"]');
    return body ? body.innerText : "";
  };
  let before = "";
  const send = () => {
    if (inFlight || !queue.length || !idle()) return;
    const target = button(queue.shift());
    if (!target || target.disabled) { queue.length = 0; return; }  // the first or last one
    inFlight = true;
    sawRun = false;
    before = slide();
    guard = setTimeout(release, 4000);  // never stuck, should a run go unseen
    target.click();
  };
  new MutationObserver((records) => {
    for (const record of records) {
      if (record.target.getAttribute("data-test-script-state") !== "notRunning") sawRun = true;
      else if (inFlight && sawRun) { release(); return; }
    }
    send();
  }).observe(document.body, {
    attributes: true, subtree: true, attributeFilter: ["data-test-script-state"],
  });

  new MutationObserver(() => {
    if (inFlight && idle() && slide() !== before) release();
  }).observe(document.body, {childList: true, subtree: true, characterData: true});

  document.addEventListener("keydown", (event) => {
    if (!ours(event)) return;
    const label = next.includes(event.key) ? "下一条" : prev.includes(event.key) ? "上一条" : "";
    if (!label) return;
    event.preventDefault();  // no page scroll, no second click of a focused button
    if (queue.length < 40) queue.push(label);
    send();
  }, true);
  document.addEventListener("keyup", (event) => {
    if (event.key === " " && ours(event)) event.preventDefault();
  }, true);
}
