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
  // Held clicks, released one at a time in the order they were made: a quick user picks an
  // option, then presses the button, both while a typed value is on its way; released out of
  // order, the button would run before the option it was meant to use.
  // React Aria's controls (Streamlit's segmented control, pills, buttons groups) press on the
  // click and, when no click reached them 80 ms after the pointer went up, click the element
  // themselves: that click is the held one arriving, not a second one (a second press would
  // unselect the choice).
  const holds = [];
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
  const waiting = (hold) => {
    if (dirty && performance.now() - hold.at > 1500) {
      dirty = false;  // the blur sent nothing (the value did not change): nothing to wait for
      return false;
    }
    return dirty || committing();
  };
  // The first held click goes once the typed value's run is over, 30 ms later (its redraw in);
  // if that run redrew the clicked element, to its successor (same keyed container, same text).
  // One pump at a time: every wait goes through `later`, so two timers never release together.
  let timer = null;
  const later = (ms) => {
    if (!timer) timer = setTimeout(() => { timer = null; pump(); }, ms);
  };
  const pump = () => {
    while (holds.length && holds[0].done) holds.shift();
    const hold = holds[0];
    if (!hold) return;
    if (waiting(hold)) { hold.ready = false; later(20); return; }
    if (!hold.ready) { hold.ready = true; later(30); return; }
    const now = hold.target.isConnected ? hold.target : hold.successor();
    if (!now && hold.tries++ < 75) { later(20); return; }
    hold.done = true;
    holds.shift();
    replaying = true;  // click() dispatches synchronously: this one passes
    try { (now || hold.target).click(); } finally { replaying = false; }
    if (holds.length) later(30);
  };
  document.addEventListener("click", (event) => {
    if (replaying) return;
    const target = event.target.closest(clickable);
    const mine = target && holds.find((h) => !h.done && sameTarget(h.target, target));
    if (mine) {
      // not its turn yet, or gone: the held click will come
      if (holds[0] !== mine || dirty || committing() || !target.isConnected) {
        event.preventDefault();
        event.stopImmediatePropagation();
      } else {
        mine.done = true;  // this is the held click, let through now: not clicked again
        holds.shift();
        if (holds.length) later(30);
      }
      return;
    }
    if (!dirty && !committing() && !holds.length) return;
    const field = document.activeElement;
    const focused = commitsOnBlur(field);
    if (!target || (focused && (field.contains(target) || target.contains(field)))) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    const box = target.closest('[class*="st-key-"]');
    const key = box && [...box.classList].find((c) => c.startsWith("st-key-"));
    const text = target.innerText;
    // A link is itself wherever it is drawn (same address and text: the sidebar's item rows
    // have no key); anything else within its keyed container.
    const href = target.getAttribute("href");
    const successor = () => {
      const root = key ? document.querySelector("." + CSS.escape(key)) : href ? document : null;
      return root && [...root.querySelectorAll(clickable)].find(
        (el) => el.tagName === target.tagName && el.innerText === text
          && el.getAttribute("href") === href) || null;
    };
    holds.push({target, successor, at: performance.now(), done: false, ready: false, tries: 0});
    if (focused) field.blur();
    later(0);
  }, true);
})();
