(() => {
  if (window.__jiguanConnectionText) return;
  window.__jiguanConnectionText = true;
  const {title, body} = document.currentScript.dataset;  // run_script's data-*
  const english =
    /Connection error|not responding|connected to the internet|still running|restart it/i;
  const translate = () => {
    for (const dialog of document.querySelectorAll('[role="dialog"]')) {
      if (!english.test(dialog.innerText)) continue;
      const walker = document.createTreeWalker(dialog, NodeFilter.SHOW_TEXT);
      let bodyDone = false;
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (/Connection error/i.test(node.textContent)) node.textContent = title;
        else if (english.test(node.textContent)) {
          node.textContent = bodyDone ? "" : body;
          bodyDone = true;
        }
      }
    }
  };
  new MutationObserver(translate).observe(document.body, {childList: true, subtree: true});

  // A text or number field commits on blur, and Streamlit sends that commit a moment after the
  // blur. A click on a link or button that took the focus from such a field would otherwise
  // reach the server first (pages/common/answers.py says what that costs): after typing, hold the
  // click until the field's value has gone out on the websocket, then click. Not for a field
  // of a form (its value goes with the submit, nothing is sent on blur) nor a select's search
  // box: holding those lost the click (issue 20.7). If the run the commit started redrew the
  // clicked element, the click goes to its successor (same keyed container, same text).
  // Sent first is not enough: a link's mousedown takes the focus, so the commit goes out before
  // the click, and a page change (a menu link) carries none of the page's fields. When it
  // reaches the server before the run the commit asked for has begun (the server busy or
  // stalled), Streamlit merges the two requests into one and the typed value is dropped. So
  // after a commit the click is held until the server has run it (the app's script state went
  // to running and back), or at most `RUN_WAIT` ms.
  const typing = ['textarea', 'input[type="text"]', 'input[type="number"]', "input:not([type])"]
    .map((s) => s + ':not([role="combobox"])').join(", ");
  const commitsOnBlur = (el) =>
    el && el.matches && el.matches(typing) && !el.closest('[data-testid="stForm"]');
  const clickable = [
    'a[href]', "button", "summary", "label", 'input[type="checkbox"]', '[role="button"]',
    '[role="menuitem"]', '[role="option"]', '[role="radio"]', '[role="switch"]', '[role="tab"]',
  ].join(", ");
  let dirty = false;  // typed into a field whose value has not been sent yet
  let lastSend = 0;
  const RUN_WAIT = 8000;
  let commitAt = 0;  // when a typed value went out whose run has not been seen to end (0: none)
  let runSeen = false;  // the server has been running since commitAt
  const runState = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    return app ? app.dataset.testScriptState : "";
  };
  new MutationObserver(() => {
    if (!commitAt) return;
    const now = runState();
    if (now === "running") runSeen = true;
    else if (runSeen && now === "notRunning") commitAt = 0;
  }).observe(document.body, {subtree: true, attributeFilter: ["data-test-script-state"]});
  // A commit went out and its run has not ended yet (nor has the wait run out).
  const committing = () => commitAt && performance.now() - commitAt < RUN_WAIT;
  let replaying = false;
  // The click held now (one at a time). React Aria's controls (Streamlit's segmented control,
  // pills, buttons groups: [data-react-aria-pressable]) press on the click and, when no click
  // reached them 80 ms after the pointer went up, click the element themselves: that click is
  // the held one arriving, not a second one (a second press would unselect the choice).
  let held = null;
  const sameTarget = (a, b) => a === b || a.contains(b) || b.contains(a);
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (...args) {
    lastSend = performance.now();
    if (dirty && !commitsOnBlur(document.activeElement)) {
      dirty = false;
      commitAt = lastSend;
      // Already running (an earlier request): the server runs the commit next, in the same
      // breath as it ends that run, so its end is the commit's turn.
      runSeen = runState() === "running";
    }
    return send.apply(this, args);
  };
  document.addEventListener("input", (event) => {
    if (commitsOnBlur(event.target)) dirty = true;
  }, true);
  document.addEventListener("click", (event) => {
    if (replaying) return;
    const target = event.target.closest(clickable);
    if (held && target && sameTarget(held.target, target)) {
      // not yet, or gone: the held click will come
      if (dirty || committing() || !target.isConnected) {
        event.preventDefault();
        event.stopImmediatePropagation();
      } else {
        held.done = true;  // this is the held click, let through now: not clicked again
        held = null;
      }
      return;
    }
    if (!dirty && !committing()) return;
    const field = document.activeElement;
    const focused = commitsOnBlur(field);
    if (!target || (focused && (field.contains(target) || target.contains(field)))) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    const hold = {target, done: false};
    held = hold;
    const heldAt = performance.now();
    if (focused) field.blur();
    const box = target.closest('[class*="st-key-"]');
    const key = box && [...box.classList].find((c) => c.startsWith("st-key-"));
    const text = target.innerText;
    const successor = () => {
      const root = key ? document.querySelector("." + CSS.escape(key)) : null;
      return root && [...root.querySelectorAll(clickable)].find(
        (el) => el.tagName === target.tagName && el.innerText === text) || null;
    };
    const release = (tries = 0) => {
      if (hold.done) return;
      const now = target.isConnected ? target : successor();
      if (!now && tries < 75) { setTimeout(() => release(tries + 1), 20); return; }
      hold.done = true;
      if (held === hold) held = null;
      replaying = true;  // click() dispatches synchronously: this one passes
      try { (now || target).click(); } finally { replaying = false; }
    };
    const wait = () => {
      if (dirty && performance.now() - heldAt > 1500) release();  // nothing sent: let it go
      else if (dirty || committing()) setTimeout(wait, 20);
      else setTimeout(release, 30);
    };
    wait();
  }, true);
})();
