(() => {
  // Streamlit's own English in its page menus (no setting changes it), said in Chinese:
  // - the top menu folds sections that do not fit into a menu titled "N more";
  // - on a narrow screen the menu moves into the sidebar, named "App pages" for screen readers,
  //   with long lists folded behind "View N more" / "View less".
  // - a number field's buttons ("Decrement", "Increment", "Clear value") and its English
  //   announcement of a number out of range (read out by screen readers; also the tooltip of
  //   its error icon).
  // React may redraw any of them: observe.
  if (window.__jiguanNavText) return;
  window.__jiguanNavText = true;
  const texts = [
    [/^(\d+) more$/, (n) => `更多（${n}）`],
    [/^View (\d+) more$/, (n) => `显示其余 ${n} 项`],
    [/^View less$/, () => "收起"],
  ];
  // (the field's announcement is one text; its tooltip says 「Error」 in bold, then the rest)
  const range = (low, high) => `超出允许范围：请填写 ${low} 至 ${high} 之间的数`;
  const numberTexts = [
    [/^(?:Error: )?Number is outside the allowed range\. .* between (\S+) and (\S+?)\.?$/, range],
    [/^:? ?Number is outside the allowed range\. .* between (\S+) and (\S+?)\.?$/,
      (low, high) => `：${range(low, high)}`],
    [/^Error$/, () => "错误"],
  ];
  // The text nodes themselves: React keeps its own and may set them again.
  const translateIn = (root, patterns = texts) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent.trim();
      for (const [pattern, say] of patterns) {
        const found = pattern.exec(text);
        if (found) node.textContent = say(...found.slice(1));
      }
    }
  };
  const buttons = {Decrement: "减少", Increment: "增加", "Clear value": "清除"};
  const numberFields = () => {
    for (const box of document.querySelectorAll('[data-testid="stNumberInput"]')) {
      for (const button of box.querySelectorAll("button[aria-label]")) {
        const zh = buttons[button.getAttribute("aria-label")];
        if (zh) button.setAttribute("aria-label", zh);
      }
      const said = box.querySelector('[id$="-validation-error"]');
      if (said) translateIn(said, numberTexts);
    }
    for (const tip of document.querySelectorAll('[data-testid="stTooltipErrorContent"]')) {
      translateIn(tip, numberTexts);
    }
  };
  const translate = () => {
    numberFields();
    const top = document.querySelector('[data-testid="stTopNav"]');
    if (top) translateIn(top);
    const side = document.querySelector('[data-testid="stSidebarNav"]');
    if (side) {
      if (side.getAttribute("aria-label") !== "页面导航") side.setAttribute("aria-label", "页面导航");
      translateIn(side);
    }
  };
  new MutationObserver(translate).observe(document.body, {
    childList: true, subtree: true, characterData: true,
  });
  translate();
})();
