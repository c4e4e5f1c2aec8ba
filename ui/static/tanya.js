// Tanya Berita page behaviour: source links and "copy answer". Loaded in <head>; no network requests.
(() => {
  // Ask the server for a source: the hidden "cite request" box carries "<turn>:<key>:<nonce>".
  function requestSource(turn, key) {
    const box = document.querySelector("#tb-cite-request textarea, #tb-cite-request input");
    if (!box) return;
    box.value = `${turn}:${key}:${Date.now()}`;
    box.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    const area = document.createElement("textarea");  // plain-http fallback (e.g. served on a LAN address)
    area.value = text;
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    document.execCommand("copy");
    area.remove();
    return Promise.resolve();
  }

  // Download a text that travels hidden beside its link (an answer as Markdown or JSON).
  function download(name, text, type) {
    const url = URL.createObjectURL(new Blob([text], { type }));
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a.tb-cite, a.tb-copy, a.tb-download");
    if (!link) return;
    const href = link.getAttribute("href") || "";
    let m = href.match(/^#tb-cite-(\d+)-(p?\d+)$/);
    if (m) {
      event.preventDefault();
      event.stopPropagation();
      document.querySelectorAll("a.tb-cite.tb-active").forEach((a) => a.classList.remove("tb-active"));
      document.querySelectorAll(`a.tb-cite[href="${href}"]`).forEach((a) => a.classList.add("tb-active"));
      requestSource(m[1], m[2]);
      return;
    }
    m = href.match(/^#tb-download-(md|json)-(\d+)$/);
    if (m) {
      event.preventDefault();
      event.stopPropagation();
      const holder = link.parentElement;
      const text = holder && holder.querySelector(".tb-copytext");
      const name = holder && holder.querySelector(".tb-filename");
      if (!text) return;
      download(name ? name.textContent : `answer.${m[1]}`, text.textContent,
               m[1] === "md" ? "text/markdown;charset=utf-8" : "application/json;charset=utf-8");
      return;
    }
    m = href.match(/^#tb-copy-(\d+)$/);
    if (m) {
      event.preventDefault();
      event.stopPropagation();
      const holder = link.parentElement && link.parentElement.querySelector(".tb-copytext");
      if (!holder) return;
      copyText(holder.textContent).then(() => {
        link.classList.add("tb-copied");
        setTimeout(() => link.classList.remove("tb-copied"), 2000);
      });
    }
  }, true);
})();
