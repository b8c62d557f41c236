(() => {
  const selector = document.currentScript.dataset.selector;
  let n = 0;
  const t = setInterval(() => {
    const el = document.querySelector(selector);
    if (el) { el.scrollIntoView({block: 'start'}); clearInterval(t); }
    if (++n > 50) clearInterval(t);
  }, 100);
})();
