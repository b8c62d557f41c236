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
  document.addEventListener("keydown", (event) => {
    if (!ours(event)) return;
    const label = next.includes(event.key) ? "下一条" : prev.includes(event.key) ? "上一条" : "";
    if (!label) return;
    event.preventDefault();  // no page scroll, no second click of a focused button
    const target = button(label);
    if (target && !target.disabled) target.click();
  }, true);
  document.addEventListener("keyup", (event) => {
    if (event.key === " " && ours(event)) event.preventDefault();
  }, true);
}
