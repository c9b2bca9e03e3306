// The gallery: each source next to its variants. A written page (ossimg demo / try) carries its data;
// the live page (ossimg up, /_ossimg/) polls api/state and uploads dropped files through the emulator.
"use strict";
(function () {
  const config = JSON.parse(document.getElementById("gallery-data").textContent);
  const main = document.getElementById("sources");
  let shown = -1;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value);
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  function bytes(n) {
    if (n < 1000) return n + " B";
    if (n < 1e6) return (n / 1000).toFixed(1) + " KB";
    return (n / 1e6).toFixed(1) + " MB";
  }

  function label(rule, variant) {
    return rule.endsWith("/") ? rule + variant : rule + "/" + variant;
  }

  function describe(p) {
    if (!p) return "not read back";
    if (p.text) return "json · " + bytes(p.size);
    return p.width + "×" + p.height + " · " + p.format + " · " + bytes(p.size);
  }

  function frame(p, alt) {
    if (!p) return el("div", { class: "frame" }, el("span", { class: "note" }, "nothing to show"));
    if (p.text) {
      const hue = /"RGB":\s*"0x([0-9a-fA-F]{6})"/.exec(p.text);
      if (hue) return el("div", { class: "frame" }, el("div", { class: "swatch", style: "background:#" + hue[1], title: p.text }));
      return el("div", { class: "frame" }, el("pre", {}, p.text));
    }
    const src = p.preview || p.href;
    const title = p.preview ? p.format.toUpperCase() + " (browsers do not show it): a PNG preview" : alt;
    return el("div", { class: "frame" }, el("img", { src: src, alt: alt, title: title, loading: "lazy" }));
  }

  function variantFigure(v) {
    const failed = v.status.startsWith("failed");
    const name = label(v.rule, v.variant);
    const body = failed ? el("div", { class: "frame" }, el("div", { class: "why" }, v.error || v.status)) : frame(v.picture, name);
    const word = { ok: "ok", "up-to-date": "up to date", "failed-permanent": "failed", "failed-transient": "failed, retried" }[v.status] || v.status;
    return el("figure", { class: "variant " + v.status, "data-variant": name, "data-status": v.status },
      body,
      el("figcaption", {},
        el("span", { class: "badge" }, word),
        el("b", {}, name),
        el("span", { class: "meta" }, failed ? v.attempts + " attempt(s)" : describe(v.picture) + " · " + Math.round(v.duration_ms) + " ms"),
        v.chain ? el("code", {}, v.chain) : null,
        el("span", { class: "target" }, "→ " + v.target_bucket + "/" + v.target_key)));
  }

  function sourceArticle(s) {
    const original = el("figure", { class: "original" }, frame(s.picture, s.key),
      el("figcaption", {}, el("b", {}, "source"), el("span", { class: "meta" }, describe(s.picture))));
    let status = s.variants.length + " variant(s)";
    if (s.pending) status = "processing…";
    else if (s.skipped) status = "skipped: " + s.skipped;
    return el("article", { class: "source", "data-key": s.bucket + "/" + s.key },
      el("h2", {}, s.bucket + "/" + s.key),
      el("p", {}, status),
      el("div", { class: "row" }, original, ...s.variants.map(variantFigure)));
  }

  function render(state) {
    main.replaceChildren(...(state.sources.length ? state.sources.map(sourceArticle)
      : [el("p", { class: "empty" }, config.live ? "No uploads yet: drop a photo above, or upload with any OSS client." : "Nothing was processed.")]));
    shown = state.version;
  }

  async function poll() {
    try {
      const answer = await fetch(config.api + "state", { cache: "no-store" });
      const state = await answer.json();
      if (state.version !== shown) render(state);
    } catch (e) { /* the local cloud stopped or restarts: try again */ }
    setTimeout(poll, 1000);
  }

  async function upload(file, prefix, list) {
    const key = prefix + file.name;
    const item = el("li", {}, key + ": uploading…");
    list.append(item);
    try {
      const signed = await fetch(config.api + "presign", { method: "POST", body: JSON.stringify({ key: key }) });
      const answer = await signed.json();
      if (!signed.ok) throw new Error(answer.error);
      // The bytes alone, as a browser PUT to a presigned URL sends them: no Content-Type.
      const put = await fetch(answer.url, { method: "PUT", body: await file.arrayBuffer() });
      item.textContent = key + (put.ok ? ": uploaded to " + answer.bucket + ", processing…" : ": refused, " + put.status);
    } catch (e) {
      item.textContent = key + ": " + e.message;
    }
  }

  function uploadBox() {
    const box = document.getElementById("upload");
    const select = document.getElementById("prefix");
    for (const prefix of config.prefixes) select.append(el("option", { value: prefix }, prefix));
    const list = box.querySelector("ul");
    const send = (files) => { for (const f of files) upload(f, select.value, list); };
    box.querySelector("input[type=file]").addEventListener("change", (e) => send(e.target.files));
    box.addEventListener("dragover", (e) => { e.preventDefault(); box.classList.add("over"); });
    box.addEventListener("dragleave", () => box.classList.remove("over"));
    box.addEventListener("drop", (e) => { e.preventDefault(); box.classList.remove("over"); send(e.dataTransfer.files); });
    box.hidden = false;
  }

  document.getElementById("subtitle").textContent = config.subtitle;
  if (config.live) { uploadBox(); poll(); } else { render({ sources: config.sources, version: 0 }); }
})();
