(() => {
  // Streamlit folds top-menu sections that do not fit into a menu titled "N more" (its own
  // English, no setting changes it): say it in Chinese. React may redraw the title: observe.
  if (window.__jiguanNavText) return;
  window.__jiguanNavText = true;
  const more = /^(\d+) more$/;
  const translate = () => {
    const nav = document.querySelector('[data-testid="stTopNav"]');
    if (!nav) return;
    const walker = document.createTreeWalker(nav, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const found = more.exec(node.textContent.trim());
      if (found) node.textContent = `更多（${found[1]}）`;
    }
  };
  new MutationObserver(translate).observe(document.body, {
    childList: true, subtree: true, characterData: true,
  });
  translate();
})();
