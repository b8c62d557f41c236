(() => {
  // Whose typing this tab keeps: the signed-in login's opaque owner (共享模式; "" otherwise),
  // read again on every run that changes it. A draft is kept under its owner and put back only
  // for the same owner: never saved as another account signed in later in this tab. When
  // another account signs in, the drafts of the one before are dropped from the tab; when the
  // same one signs in again (its login had ended meanwhile), its drafts are looked at again.
  const {owner = ""} = document.currentScript.dataset;
  if (owner !== window.__jiguanDraftOwner) {
    window.__jiguanDraftOwner = owner;
    if (owner) {
      for (let i = sessionStorage.length - 1; i >= 0; i--) {
        const k = sessionStorage.key(i);
        if (k && k.startsWith("jiguan.draft:") && !k.startsWith(`jiguan.draft:${owner}:`)) {
          sessionStorage.removeItem(k);
        }
      }
      window.__jiguanDraftsSignedIn?.();
    }
  }
  if (window.__jiguanDrafts) return;
  window.__jiguanDrafts = true;
  // Typing kept across a lost connection. A text or number field outside a form reaches the
  // server only when it loses the focus. If the server process restarts (or the connection
  // drops) before that, the page comes back from a new session drawn from what was saved, and
  // what was typed was gone without a word. So every keystroke in such a field is kept in this
  // tab's sessionStorage until a run begun after a blur sent it has ended (a hung server that
  // is then restarted never read it); when the page is drawn again after a lost connection
  // (or a reload) and the field shows something else, the text is put back as typed, unsent,
  // and the field says so: leaving it saves it as usual (through the app's one edit path,
  // with its conflict check).
  const {saved, note, locked} = document.currentScript.dataset;  // run_all's data-*
  const typing = ['textarea', 'input[type="text"]', 'input[type="number"]', "input:not([type])"]
    .map((s) => s + ':not([role="combobox"])').join(", ");
  const keyOf = (el) => {
    if (!el || !el.matches || !el.matches(typing) || el.closest('[data-testid="stForm"]')) {
      return "";
    }
    const box = el.closest('[class*="st-key-"]');
    const cls = box && [...box.classList].find((c) => c.startsWith("st-key-"));
    return cls || "";
  };
  const prefix = () =>
    `jiguan.draft:${window.__jiguanDraftOwner}:`
    + (new URLSearchParams(location.search).get("a") || "") + ":";
  // A draft: what was typed, and what the field showed before the typing began (its base).
  const load = (key) => {
    try { return JSON.parse(sessionStorage.getItem(prefix() + key) || "null"); }
    catch (e) { return null; }
  };
  const keep = (key, draft) => {
    try { sessionStorage.setItem(prefix() + key, JSON.stringify(draft)); } catch (e) { /* full */ }
  };
  // Drafts whose field's value is on its way (its message went out on a live socket), by
  // their storage name: kept until a run begun after the send has ended ("sent", then "ran"
  // once a run is seen under way), because a server that hangs and is then restarted never
  // read it. A lost connection leaves them as drafts like any other, put back as usual.
  const sent = new Map();
  const pendingKeys = () => {
    const p = prefix();
    const out = [];
    for (let i = 0; i < sessionStorage.length; i++) {
      const k = sessionStorage.key(i);
      if (k && k.startsWith(p)) out.push(k.slice(p.length));
    }
    return out;
  };

  // The connection: every socket the page sends on, and whether the last one has closed. After
  // a lost connection (or a reload), the fields are looked at once the new session's first run
  // has ended (seen running, then not): before that the page still shows the old drawing.
  let down = false;
  let phase = performance.getEntriesByType("navigation")[0]?.type === "reload" ? "run" : "";
  let waiting = new Set();  // drafts to put back into their fields once drawn
  // Fields left since the last message: their value goes with the next one sent on a live
  // socket. A field left because the connection went (Streamlit disables the page's fields)
  // sends nothing, and the socket's close forgets it: its draft stays.
  const left = new Set();
  const known = new WeakSet();
  let socket = null;  // the last socket the page sent on
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (...args) {
    socket = this;
    if (!known.has(this)) {
      known.add(this);
      if (down) phase = "run";  // a new session after a lost one
      down = false;
      this.addEventListener("close", () => { down = true; left.clear(); sent.clear(); });
    }
    if (this.readyState === WebSocket.OPEN) {
      for (const key of left) sent.set(prefix() + key, "sent");
      left.clear();
    }
    return send.apply(this, args);
  };

  const bases = new Map();  // the value a field showed when it took the focus
  document.addEventListener("focus", (event) => {
    const key = keyOf(event.target);
    if (key) bases.set(key, event.target.value);
  }, true);
  document.addEventListener("input", (event) => {
    const key = keyOf(event.target);
    if (!key || restoringNow) return;
    // Typed again after its value went out: a new draft over what the field showed then,
    // which the server may never have read: the field showing an earlier draft's base is
    // nobody's change either ("before").
    const prev = load(key);
    const again = sent.delete(prefix() + key);
    const base = (again ? null : prev?.base) ?? bases.get(key) ?? "";
    const before = [...(prev?.before ?? []), ...(again && prev ? [prev.base] : [])];
    keep(key, {text: event.target.value, base, before});
  }, true);
  // Left while the connection is live. Streamlit disables the page's fields as the socket
  // closes, inside its own close handler, before ours has marked the connection down: that
  // blur (of a field now disabled, on a socket no longer open) sends nothing.
  document.addEventListener("blur", (event) => {
    const key = keyOf(event.target);
    // (disabled: the connection went, or a run drew the field read-only: nothing is sent)
    if (!key || down || event.target.disabled) return;
    if (socket && socket.readyState !== WebSocket.OPEN) return;
    left.add(key);
  }, true);

  const setters = {
    TEXTAREA: Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, "value").set,
    INPUT: Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set,
  };
  // Put the typed text back. Nobody changed the field meanwhile (it shows its base): leaving it
  // at once sends the text, saved as usual. Otherwise (a colleague saved it meanwhile) it waits
  // in the field, focused, for the user to leave it (their text wins) or to change it.
  let restoringNow = false;
  // A field that still shows the typed text, the user not in it, a while after the new
  // session's first run (a number field keeps its unsent value across the new drawing, and
  // no redraw replaced it: nobody changed it meanwhile) is put back as untouched: no blur of
  // the user's would ever send it, and it looked saved. Typed again (another value first),
  // so the field takes it as a change of its own.
  const put = (field, draft, showing = false) => {
    const untouched = showing || field.value === draft.base
      || (draft.before ?? []).includes(field.value);
    restoringNow = true;
    try {
      for (const text of showing ? [draft.base === draft.text ? "" : draft.base, draft.text]
        : [draft.text]) {
        setters[field.tagName].call(field, text);
        field.dispatchEvent(new Event("input", {bubbles: true}));  // unsent, as if typed
      }
    } finally { restoringNow = false; }
    const where = field.closest('[data-testid="stElementContainer"]');
    where?.querySelector(".jiguan-draft-note")?.remove();  // a note from before (locked)
    if (where) {
      const line = document.createElement("div");
      line.className = "jiguan-draft-note";
      line.setAttribute("role", "status");
      line.textContent = untouched ? saved : note;
      line.style.cssText = "color:#8a4600;font-size:0.875rem;margin-top:0.25rem";
      where.appendChild(line);
    }
    field.focus();
    if (untouched) {
      field.blur();
      // Long enough to be read by someone who has just signed in again or looked away (10 s
      // was gone before a busy server had drawn the page around it); typing in it ends it.
      const gone = () => where?.querySelector(".jiguan-draft-note")?.remove();
      field.addEventListener("input", gone, {once: true});
      setTimeout(gone, 60000);
    }
  };
  // A field drawn disabled cannot take the text: say so, and show the text to copy.
  const lockedNote = (field, draft) => {
    const where = field.closest('[data-testid="stElementContainer"]');
    if (!where || where.querySelector(".jiguan-draft-note")) return;
    const line = document.createElement("div");
    line.className = "jiguan-draft-note";
    line.setAttribute("role", "status");
    line.textContent = locked + "\n" + draft.text;
    line.style.cssText = "color:#8a4600;font-size:0.875rem;margin-top:0.25rem;white-space:pre-wrap";
    where.appendChild(line);
  };
  const STILL_SHOWING = 1500;  // ms
  const showingSince = new Map();
  const restore = () => {
    if (down) return;
    for (const key of waiting) {
      const sel = `.${CSS.escape(key)} textarea, .${CSS.escape(key)} input`;
      const field = document.querySelector(sel);
      if (!field || keyOf(field) !== key) continue;  // not drawn (yet)
      const draft = load(key);
      if (field.disabled) {  // locked meanwhile (submitted, finalised, no longer allowed)
        if (draft !== null && draft.text !== field.value) lockedNote(field, draft);
        continue;  // should it open again, the text is put back then
      }
      if (draft === null) waiting.delete(key);
      // Still showing it: the old drawing, or the new one keeping the unsent text. Should a
      // redraw replace it, it is put back then; the user in it sends it by leaving it; else
      // (nothing replaced it a while after the run) it is put back as it stands.
      else if (field.value !== draft.text) {
        waiting.delete(key);
        showingSince.delete(key);
        put(field, draft);
      } else if (document.activeElement !== field) {
        if (!showingSince.has(key)) {
          showingSince.set(key, performance.now());
          setTimeout(restore, STILL_SHOWING + 50);
        } else if (performance.now() - showingSince.get(key) >= STILL_SHOWING) {
          waiting.delete(key);
          showingSince.delete(key);
          put(field, draft, true);
        }
      }
    }
  };
  // A field being typed into that a run has just drawn disabled (a colleague submitted and the
  // poll brought it in): the unsent text cannot go in. Say so and show it, to copy; the draft
  // stays, so a reload says it again.
  const lockedNow = () => {
    if (down) return;  // fields are disabled while the connection is away: not locked
    for (const key of pendingKeys()) {
      const field = document.querySelector(
        `.${CSS.escape(key)} textarea, .${CSS.escape(key)} input`);
      if (!field || keyOf(field) !== key || !field.disabled) continue;
      const draft = load(key);
      // (It may still show the text for a moment: a disabled field cannot send it either way.)
      if (draft !== null && draft.text !== draft.base) {
        lockedNote(field, draft);
      }
    }
  };
  window.__jiguanDraftsSignedIn = () => { waiting = new Set(pendingKeys()); };
  const app = () => document.querySelector('[data-testid="stApp"]');
  let shown = app()?.dataset.testConnectionState;
  const state = () => app()?.dataset.testScriptState;
  new MutationObserver((records) => {
    // The connection as the app shows it: the socket the page opened before this script ran
    // (a page that was only typed into since it loaded sent nothing on it) closes unseen above.
    const link = app()?.dataset.testConnectionState;
    if (link !== shown) {
      if (shown === "CONNECTED" && !down) {  // lost (not: still connecting a new socket)
        down = true;
        left.clear();
        sent.clear();
      }
      shown = link;
    }
    // A run began since the values went out (the state left notRunning): the server read them.
    const began = records.some(
      (r) => r.attributeName === "data-test-script-state" && r.oldValue === "notRunning");
    if (began) {
      for (const [name, was] of sent) if (was === "sent") sent.set(name, "ran");
    }
    if (state() === "notRunning" && !down) {
      for (const [name, was] of sent) {
        if (was === "ran") { sent.delete(name); sessionStorage.removeItem(name); }
      }
    }
    if (phase === "run" && (state() === "running"
        || records.some((r) => r.oldValue === "running"))) phase = "idle";
    if (phase === "idle" && state() === "notRunning") {
      phase = "";
      waiting = new Set(pendingKeys());
      showingSince.clear();
    }
    if (waiting.size) restore();  // drawn now, or later (an evidence block opened)
    if (state() === "notRunning" && records.some((r) => r.oldValue === "running")) lockedNow();
  }).observe(document.body, {
    childList: true, subtree: true,
    attributeFilter: ["data-test-script-state", "data-test-connection-state"],
    attributeOldValue: true,
  });
})();
