(() => {
  // 当前填写人 in 单机模式, kept a year in this browser (pages/common/sidebar.py reads it).
  const {cookie, who} = document.currentScript.dataset;
  document.cookie = cookie + "=" + encodeURIComponent(who) + "; path=/; max-age=31536000; SameSite=Lax";
})();
