// Tanya Berita page behaviour: source links, "copy answer", and Gradio's own texts in the interface language.
// Loaded in <head>; no network requests.
(() => {
  // The texts this script writes, in both languages (ui/texts.py, put in the page by ui/app.py), and the
  // interface language: the one last chosen (tbSetLocale), else <html lang> as Gradio set it.
  const TEXTS = window.tbTexts || {};
  const currentLang = () => window.tbLang || ((document.documentElement.lang || "").startsWith("en") ? "en" : "id");
  const text = (key) => (TEXTS[currentLang()] || TEXTS.id || {})[key] || "";
  const fill = (template, values) => template.replace(/\{(\w+)\}/g, (m, k) => (k in values ? values[k] : m));
  const escapeHtml = (s) => s.replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                                                            "'": "&#39;"})[c]);

  // Gradio's own labels for screen readers (aria-label, title, alt, placeholder), which its translations leave
  // in English: each is a "gradio_*" text of the table, found by its wording in either language and written
  // in the interface's.
  const ATTRIBUTES = ["aria-label", "title", "alt", "placeholder"];
  const LABELS = [];
  for (const table of Object.values(TEXTS)) {
    for (const [key, template] of Object.entries(table)) {
      if (!key.startsWith("gradio_")) continue;
      const names = [];
      const pattern = template.split(/(\{\w+\})/).map((part) => {
        const m = part.match(/^\{(\w+)\}$/);
        if (m) { names.push(m[1]); return "([\\s\\S]*)"; }
        return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      }).join("");
      LABELS.push({ key, names, re: new RegExp(`^${pattern}$`) });
    }
  }

  // Labels Gradio leaves as its own translation keys.
  const KEYS = { "common.upload": "gradio_upload" };

  function relabel(element) {
    for (const attribute of ATTRIBUTES) {
      const value = element.getAttribute(attribute);
      if (!value) continue;
      if (KEYS[value]) {
        if (text(KEYS[value])) element.setAttribute(attribute, text(KEYS[value]));
        continue;
      }
      for (const { key, names, re } of LABELS) {
        const m = value.match(re);
        if (!m) continue;
        const wanted = fill(text(key), Object.fromEntries(names.map((name, i) => [name, m[i + 1]])));
        if (wanted && wanted !== value) element.setAttribute(attribute, wanted);
        break;
      }
    }
  }

  // Gradio's pop-ups (toasts: a file too large to upload, the connection lost): their title and Gradio's
  // messages said from the table; any other message of Gradio's (English) folded under "Details" in another
  // language. The message Gradio wrote is kept on its element, to be said again after a switch of language.
  const GRADIO_TOASTS = [
    [/^File\(s\) exceed the maximum allowed size of [^:]*: ([\s\S]*)$/,
     (m) => fill(text("toast_too_large"), { names: m[1] })],
    [/^Connection to the server was lost\./, () => text("toast_connection_lost")],
    [/^An error occurred\.$/, () => text("toast_failed")],
  ];

  function toastMessage(original) {
    for (const [re, said] of GRADIO_TOASTS) {
      const m = original.match(re);
      if (m) return escapeHtml(said(m));
    }
    if (currentLang() === "en") return escapeHtml(original);
    const summary = `<summary>${escapeHtml(text("details"))}</summary>`;
    return `<details class="tb-details">${summary}${escapeHtml(original)}</details>`;
  }

  function localizeToast(body) {
    const lang = currentLang();
    const type = ["error", "warning", "info", "success"].find((c) => body.classList.contains(c));
    const title = body.querySelector(".toast-title");
    const node = title && [...title.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.nodeValue.trim());
    if (node && type && text(`toast_${type}`) && node.nodeValue !== `${text(`toast_${type}`)} `) {
      node.nodeValue = `${text(`toast_${type}`)} `;
    }
    body.querySelectorAll('[data-testid="toast-text"]').forEach((message) => {
      if (message.dataset.tbOriginal === undefined) {
        if (!message.textContent.trim()) return;  // not written yet
        message.dataset.tbOriginal = message.textContent.trim();
      }
      if (message.dataset.tbLang === lang) return;
      message.dataset.tbLang = lang;
      message.innerHTML = toastMessage(message.dataset.tbOriginal);
    });
  }

  const TOAST = '[data-testid="toast-body"]';
  function localize(root) {
    const toast = root.closest(TOAST);
    if (toast) localizeToast(toast);
    root.querySelectorAll(TOAST).forEach(localizeToast);
    relabel(root);
    root.querySelectorAll("[aria-label], [title], [alt], [placeholder]").forEach(relabel);
  }

  new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === "attributes") {
        relabel(record.target);
        continue;
      }
      for (const node of record.addedNodes) {
        if (node.nodeType === Node.ELEMENT_NODE) localize(node);
        else if (node.parentElement && node.parentElement.closest(TOAST)) {
          localizeToast(node.parentElement.closest(TOAST));
        }
      }
    }
  }).observe(document.documentElement, { subtree: true, childList: true, attributes: true,
                                         attributeFilter: ATTRIBUTES });

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
    window.tbLang = lang;
    const panel = document.querySelector("#tb-source-panel");
    if (panel) panel.setAttribute("aria-label", text("source_label"));
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
    localize(document.documentElement);  // Gradio's labels and pop-ups already on the page
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
      panel.setAttribute("aria-label", text("source_label"));
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
