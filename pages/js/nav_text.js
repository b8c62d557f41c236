(() => {
  // Streamlit's own English in its page menus (no setting changes it), said in Chinese:
  // - the top menu folds sections that do not fit into a menu titled "N more";
  // - on a narrow screen the menu moves into the sidebar, named "App pages" for screen readers,
  //   with long lists folded behind "View N more" / "View less".
  // React may redraw any of them: observe.
  if (window.__jiguanNavText) return;
  window.__jiguanNavText = true;
  const texts = [
    [/^(\d+) more$/, (n) => `更多（${n}）`],
    [/^View (\d+) more$/, (n) => `显示其余 ${n} 项`],
    [/^View less$/, () => "收起"],
  ];
  const translateIn = (root) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent.trim();
      for (const [pattern, say] of texts) {
        const found = pattern.exec(text);
        if (found) node.textContent = say(found[1]);
      }
    }
  };
  const translate = () => {
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
