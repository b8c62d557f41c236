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
  // A quick run may start and end between two calls: its "running" is in the records only.
  new MutationObserver((records) => {
    const ran = runState() === "running" || records.some((r) => r.oldValue === "running");
    if (ran) released = 0;
    if (!commitAt) return;
    const now = runState();
    if (ran) runSeen = true;
    if (runSeen && now === "notRunning") commitAt = 0;
  }).observe(document.body, {
    subtree: true, attributeFilter: ["data-test-script-state"], attributeOldValue: true,
  });
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
  // Clicks still held, or let go and their run not seen yet (at most 2 s: a click may ask for
  // none). tests/browser_support.py waits for neither before calling the page idle.
  let released = 0;
  window.__jiguanHeld = () => holds.some((h) => !h.done)
    || (released > 0 && performance.now() - released < 2000);
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
  // A keyed expander (its opening reruns: st.expander(key=, on_change=)) takes its state from
  // the run that draws it: Streamlit sets the widget to the drawn state and sends a click's
  // rerun only on its next tick, so a click made while the server runs is undone when that
  // run draws the expander (a block closed and reopened at once stayed closed, and its next
  // click toggled nothing). Such a click waits for the run to end (at most `RUN_WAIT` ms),
  // and a click on one is a commit: the next click waits for its run.
  const drawnByRun = (el) => {
    const wrap = el.matches("summary") && el.closest('[data-testid="stExpander"]')?.parentElement;
    return !!wrap && [...wrap.classList].some((c) => c.startsWith("st-key-"));
  };
  const running = () => runState() !== "notRunning";
  const toggled = () => {
    commitAt = performance.now();
    runSeen = false;
  };
  const waiting = (hold) => {
    if (hold.run && running() && performance.now() - hold.at < RUN_WAIT) return true;
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
    released = performance.now();
    if (drawnByRun(hold.target)) toggled();
    if (holds.length) later(30);
  };
  document.addEventListener("click", (event) => {
    if (replaying) return;
    const target = event.target.closest(clickable);
    // Only a control's own synthetic click (untrusted) stands for a held one; a user's click
    // on the same element again is a click of its own (a block closed, then reopened).
    const mine = target && !event.isTrusted
      && holds.find((h) => !h.done && sameTarget(h.target, target));
    if (mine) {
      // not its turn yet, or gone: the held click will come
      if (holds[0] !== mine || dirty || committing() || (mine.run && running())
          || !target.isConnected) {
        event.preventDefault();
        event.stopImmediatePropagation();
      } else {
        mine.done = true;  // this is the held click, let through now: not clicked again
        holds.shift();
        released = performance.now();
        if (holds.length) later(30);
      }
      return;
    }
    const run = !!target && event.isTrusted && drawnByRun(target) && running();
    if (!dirty && !committing() && !holds.length && !run) {
      if (target && drawnByRun(target)) toggled();
      return;
    }
    // A pick in a select's list is never held (unless an earlier click waits: order first).
    // It only sets that widget's value, and the rerun it asks for carries every widget's value,
    // the typed field's too, so merged with the commit's run it loses nothing. Held, it was
    // released onto a list the user had closed meanwhile (Escape, a click elsewhere): lost.
    if (target && target.matches('[role="option"]') && !holds.length) return;
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
    holds.push({
      target, successor, run, at: performance.now(), done: false, ready: false, tries: 0,
    });
    if (focused) field.blur();
    later(0);
  }, true);
})();
