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
  const {saved, note, locked, unheard, close} = document.currentScript.dataset;  // ui.py's
  const fields = JSON.parse(document.currentScript.dataset.fields || "{}");  // cells' fields
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
  const sent = new Map();  // storage name -> {key, state}
  // A cell's typed value is dropped only once the server says it heard it: Streamlit passes
  // no value on to a field that the run reading it drew read-only or no longer drew (the
  // page left by a link as the assessment was submitted meanwhile). Such a text is shown.
  const crcTable = Array.from({length: 256}, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const fingerprint = (text) => {  // jiguan.text.fingerprint: CRC-32 of the UTF-8
    let c = 0xffffffff;
    for (const byte of new TextEncoder().encode(text)) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
    return ((c ^ 0xffffffff) >>> 0).toString(16);
  };
  const cellField = (key) => Object.keys(fields).find(
    (start) => key.startsWith(start) && /^\d+(-\d+)*$/.test(key.slice(start.length)));
  // The server's word (pages/common/draft_facts.py, last in every full run): per cell field, what
  // its callback last heard and what is saved now, as fingerprints.
  const facts = () => {
    const el = document.querySelector(".jiguan-drafts-facts");
    try {
      return {heard: JSON.parse(el?.dataset.heard || "{}"),
        saved: JSON.parse(el?.dataset.saved || "{}"), held: JSON.parse(el?.dataset.held || "[]")};
    } catch (e) { return {heard: {}, saved: {}, held: []}; }
  };
  // A count's value as the server holds it (a number: 「03」 is 3).
  const asHeld = (key, text) => {
    const number = Number(text);
    return cellField(key)?.endsWith("ans-") && text.trim() !== "" && Number.isFinite(number)
      ? fingerprint(String(number)) : fingerprint(text);
  };
  const heard = (key, text) => facts().heard[key] === asHeld(key, text);
  const unheardSince = new Map();  // storage name -> key: a run ended without it being heard
  // Heard, but held unsaved by the server's session (a conflict waiting for the user's choice,
  // a refused text given back): kept, as a reload or a restart ends that session, until a
  // run says the server holds it no longer (chosen, saved, closed).
  const heldByServer = new Map();  // storage name -> key
  const UNHEARD_WAIT = 1500;  // ms: the run that reads it may begin after another has ended
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
      this.addEventListener("close", () => {
        down = true;
        left.clear();
        sent.clear();
        unheardSince.clear();
        heldByServer.clear();
      });
    }
    if (this.readyState === WebSocket.OPEN) {
      for (const key of left) sent.set(prefix() + key, {key, state: "sent"});
      left.clear();
    }
    return send.apply(this, args);
  };

  // The value a field showed when it took the focus: what the server holds, unless the field
  // shows a number out of range, which was never sent (counts.js): the base from before stays.
  const bases = new Map();
  const sendable = (field) => field.type !== "number" || field.validity.valid;
  document.addEventListener("focus", (event) => {
    const key = keyOf(event.target);
    if (key && sendable(event.target)) bases.set(key, event.target.value);
  }, true);
  document.addEventListener("input", (event) => {
    const key = keyOf(event.target);
    if (!key || restoringNow) return;
    if (!sendable(event.target)) {
      // a count out of range is never sent (counts.js says so): nothing to keep
      sessionStorage.removeItem(prefix() + key);
      return;
    }
    // Typed again after its value went out: a new draft over what the field showed then,
    // which the server may never have read: the field showing an earlier draft's base is
    // nobody's change either ("before").
    const prev = load(key);
    heldByServer.delete(prefix() + key);  // a new draft: it goes out when left
    const again = sent.delete(prefix() + key);
    const base = (again ? null : prev?.base) ?? bases.get(key) ?? "";
    const before = [...(prev?.before ?? []), ...(again && prev ? [prev.base] : [])];
    keep(key, {text: event.target.value, base, before});
  }, true);
  // Left while the connection is live. Streamlit disables the page's fields as the socket
  // closes, inside its own close handler, before ours has marked the connection down: that
  // blur (of a field now disabled, on a socket no longer open) sends nothing.
  const sending = (event) => {
    const key = keyOf(event.target);
    // (disabled: the connection went, or a run drew the field read-only: nothing is sent)
    if (!key || down || event.target.disabled) return;
    if (socket && socket.readyState !== WebSocket.OPEN) return;
    left.add(key);
  };
  document.addEventListener("blur", sending, true);
  // Enter sends a one-line field's value without leaving it (Ctrl/⌘+Enter a text area's).
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.isComposing) return;
    if (event.target.tagName === "TEXTAREA" && !(event.ctrlKey || event.metaKey)) return;
    sending(event);
    const key = keyOf(event.target);
    if (key && sendable(event.target)) bases.set(key, event.target.value);  // sent: builds on it
  }, true);

  const setters = {
    TEXTAREA: Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, "value").set,
    INPUT: Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set,
  };
  // Put the typed text back. Nobody changed the field meanwhile (``untouched``: what is saved
  // is what it showed before the typing): leaving it at once sends the text, saved as usual.
  // Otherwise (a colleague saved it meanwhile) it waits in the field, focused, for the user to
  // leave it (their text wins) or to change it. A field that still shows the typed text (the
  // page keeps a field's unsent value across a reconnect) is typed again, another value
  // first, so that it takes the text as a change of its own.
  let restoringNow = false;
  const put = (field, draft, untouched) => {
    const showing = field.value === draft.text;
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
    if (down || state() !== "notRunning") return;  // the run's drawing and facts complete
    for (const key of waiting) {
      const sel = `.${CSS.escape(key)} textarea, .${CSS.escape(key)} input`;
      const field = document.querySelector(sel);
      if (!field || keyOf(field) !== key) continue;  // not drawn (yet)
      const draft = load(key);
      // A cell's field: decided by what the server holds, not by what the field shows.
      const held = draft === null || !cellField(key) ? undefined : facts().saved[key];
      if (held !== undefined && held === asHeld(key, draft.text)) {  // saved after all
        waiting.delete(key);
        sessionStorage.removeItem(prefix() + key);
        continue;
      }
      if (field.disabled) {  // locked meanwhile (submitted, finalised, no longer allowed)
        if (draft !== null && draft.text !== field.value) lockedNote(field, draft);
        continue;  // should it open again, the text is put back then
      }
      if (draft === null) waiting.delete(key);
      else if (held !== undefined) {
        waiting.delete(key);
        showingSince.delete(key);
        put(field, draft, [draft.base, ...(draft.before ?? [])]
          .some((text) => asHeld(key, text) === held));
      }
      // Any other field, by what it shows. Still showing it: the old drawing, or the new one
      // keeping the unsent text. Should a redraw replace it, it is put back then; the user in
      // it sends it by leaving it; else (nothing replaced it a while after the run) it is put
      // back as it stands.
      else if (field.value !== draft.text) {
        waiting.delete(key);
        showingSince.delete(key);
        put(field, draft, field.value === draft.base
          || (draft.before ?? []).includes(field.value));
      } else if (document.activeElement !== field) {
        if (!showingSince.has(key)) {
          showingSince.set(key, performance.now());
          setTimeout(restore, STILL_SHOWING + 50);
        } else if (performance.now() - showingSince.get(key) >= STILL_SHOWING) {
          waiting.delete(key);
          showingSince.delete(key);
          put(field, draft, true);  // nothing replaced it: nobody changed it meanwhile
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
  // Sent drafts a run has ended since: heard (or no cell's), dropped; else looked at again a
  // moment later, and if still unheard, shown: beside the field if it is drawn read-only, put
  // back into it if it is open, otherwise in a box of the page's own until the user closes it.
  let settling = null;
  const settleSent = (again = false) => {
    if (down) return;
    for (const [name, key] of unheardSince) {
      const draft = (() => { try { return JSON.parse(sessionStorage.getItem(name)); }
        catch (e) { return null; } })();
      // (Typed back to what it showed: a value Streamlit sees as no change, and none.)
      const unchanged = draft !== null && draft.text === draft.base;
      if (draft !== null && !unchanged && heard(key, draft.text) && facts().held.includes(key)) {
        unheardSince.delete(name);
        heldByServer.set(name, key);
      } else if (draft === null || unchanged || !cellField(key) || heard(key, draft.text)) {
        sessionStorage.removeItem(name);
        unheardSince.delete(name);
      } else if (again) {
        unheardSince.delete(name);
        const field = name === prefix() + key && document.querySelector(
          `.${CSS.escape(key)} textarea, .${CSS.escape(key)} input`);
        if (field && keyOf(field) === key && field.disabled) lockedNote(field, draft);
        else if (field && keyOf(field) === key) { waiting.add(key); restore(); }
        else showUnheard(name, key, draft);
      }
    }
    if (!unheardSince.size || settling) return;
    settling = setTimeout(function check() {
      settling = null;
      if (state() !== "notRunning") settling = setTimeout(check, UNHEARD_WAIT);
      else settleSent(true);
    }, UNHEARD_WAIT);
  };
  const showUnheard = (name, key, draft) => {
    let box = document.querySelector(".jiguan-unheard");
    if (!box) {
      box = document.createElement("div");
      box.className = "jiguan-unheard";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;right:1rem;bottom:1rem;z-index:1000100;"
        + "max-width:min(32rem,calc(100vw - 2rem));max-height:60vh;overflow:auto;"
        + "background:#fff;color:#31333f;border:2px solid #8a4600;border-radius:0.5rem;"
        + "padding:0.75rem 1rem;box-shadow:0 4px 16px rgba(0,0,0,0.2);font-size:0.9rem";
      const title = document.createElement("p");
      title.style.cssText = "margin:0 0 0.5rem;color:#8a4600;font-weight:600";
      title.textContent = unheard;
      const list = document.createElement("div");
      list.className = "jiguan-unheard-list";
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = close;
      button.style.cssText = "margin-top:0.25rem;padding:0.25rem 0.75rem;cursor:pointer;"
        + "border:1px solid #8a4600;border-radius:0.25rem;background:#fff;color:#8a4600";
      button.addEventListener("click", () => {
        for (const item of list.children) sessionStorage.removeItem(item.dataset.name);
        box.remove();
      });
      box.append(title, list, button);
      document.body.appendChild(box);
    }
    const list = box.querySelector(".jiguan-unheard-list");
    const start = cellField(key);
    [...list.children].find((item) => item.dataset.name === name)?.remove();
    const item = document.createElement("div");
    item.dataset.name = name;
    const what = document.createElement("div");
    what.style.fontWeight = "600";
    what.textContent = `评分项 ${key.slice(start.length).split("-").join(".")} · ${fields[start]}`;
    const text = document.createElement("pre");
    text.style.cssText = "white-space:pre-wrap;margin:0.25rem 0 0.5rem;padding:0.5rem;"
      + "background:#f6f6f9;border-radius:0.25rem;font-family:inherit";
    text.textContent = draft.text;
    item.append(what, text);
    list.appendChild(item);
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
        unheardSince.clear();
        heldByServer.clear();
      }
      shown = link;
    }
    // A run began since the values went out (the state left notRunning): the server read them.
    const began = records.some(
      (r) => r.attributeName === "data-test-script-state" && r.oldValue === "notRunning");
    if (began) {
      for (const item of sent.values()) if (item.state === "sent") item.state = "ran";
    }
    if (state() === "notRunning" && !down) {
      for (const [name, item] of sent) {
        if (item.state !== "ran") continue;
        sent.delete(name);
        unheardSince.set(name, item.key);
      }
      if (unheardSince.size) settleSent();
      const held = heldByServer.size ? facts().held : [];
      for (const [name, key] of heldByServer) {
        if (!held.includes(key)) {  // decided, saved or closed: nothing left to bring back
          heldByServer.delete(name);
          sessionStorage.removeItem(name);
        }
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
