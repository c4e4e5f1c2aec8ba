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

  // The interface language everywhere: <html lang>, and Gradio's own strings (upload box, footer, toasts),
  // which follow its i18n store. Gradio sets that from the browser's language and exposes no switch but its
  // settings panel, so its changeLocale is taken from the module that holds it (the same module instance
  // the page runs: same URL). Without it, <html lang> still changes.
  const CORE = /\/assets\/core-[\w-]+\.js(\?|$)/;
  try { performance.setResourceTimingBufferSize(2000); } catch (e) { /* the default buffer, then */ }

  async function gradioCore() {
    const scripts = [...document.querySelectorAll("script[src], link[rel=modulepreload]")].map((e) => e.src || e.href);
    const loaded = [...performance.getEntriesByType("resource").map((e) => e.name), ...scripts];
    const found = loaded.find((u) => CORE.test(u || ""));
    if (found) return found;
    for (const entry of scripts.filter((u) => /\/assets\/index-[\w-]+\.js/.test(u || ""))) {
      const m = (await (await fetch(entry)).text()).match(/core-[\w-]+\.js/);  // the entry imports it by name
      if (m) return new URL(m[0], entry).href;
    }
    return null;
  }

  // Gradio draws its own strings of a component when it draws the component: once the new language is
  // in force, the page asks the server to draw those components again (the hidden "redraw" button).
  function redraw() {
    const button = document.querySelector("#tb-redraw");
    if (button) button.click();
  }

  window.tbSetLocale = async (lang) => {
    const panel = document.querySelector("#tb-source-panel");
    if (panel) panel.setAttribute("aria-label", lang === "en" ? "Cited source" : "Sumber yang dikutip");
    const core = await gradioCore().catch(() => null);
    if (core) {
      try {
        const module = await import(core);
        if (typeof module.changeLocale === "function") module.changeLocale(lang);
        // The language's strings load first; Gradio sets <html lang> once they are in force.
        for (let i = 0; i < 200 && document.documentElement.lang !== lang; i++) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      } catch (error) {
        console.warn("Tanya Berita: Gradio's language could not be switched", error);
      }
    }
    document.documentElement.setAttribute("lang", lang);
    redraw();
    return lang;
  };

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

  // Esc stops the answer being written (as the Stop button does).
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const stop = document.querySelector("#tb-stop");
    if (stop && stop.offsetParent !== null) {
      event.preventDefault();
      stop.click();
    }
  });

  // The source panel is announced to screen readers when a source opens in it.
  new MutationObserver(() => {
    const panel = document.querySelector("#tb-source-panel");
    if (panel && !panel.hasAttribute("aria-live")) {
      panel.setAttribute("aria-live", "polite");
      panel.setAttribute("role", "region");
      panel.setAttribute("aria-label", document.documentElement.lang === "en" ? "Cited source" : "Sumber yang dikutip");
    }
  }).observe(document.documentElement, { childList: true, subtree: true });

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
