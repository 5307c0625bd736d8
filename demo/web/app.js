// newsbrief demo chat: talks to the Bot API stand-in's control API through the demo server
// (/api/...). Bot replies are Telegram HTML: they are parsed in an inert document and rebuilt
// from scratch with only the tags Telegram allows, so nothing the bot (or an article) says can
// run script or style the page.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const messagesEl = $("messages");
  const input = $("input");
  const typingEl = $("typing");
  const statusEl = $("bot-status");
  const toastEl = $("toast");

  const state = {
    lastSentId: 0,
    lastEventId: 0,
    bubbles: new Map(), // message_id -> {root, bubble, keyboard, meta}
    typingTimer: null,
    toastTimer: null,
    demo: null,
  };

  // ---- Telegram HTML -> safe DOM -------------------------------------------------------------
  const TAGS = {
    b: "b", strong: "b", i: "i", em: "i", u: "u", ins: "u", s: "s", strike: "s", del: "s",
    code: "code", pre: "pre", a: "a", blockquote: "blockquote", "tg-spoiler": "span",
  };
  const SAFE_URL = /^(https?:|tg:|mailto:)/i;

  function sanitizeInto(target, html) {
    const doc = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html");
    copyChildren(doc.body, target);
  }

  function copyChildren(from, to) {
    for (const node of Array.from(from.childNodes)) {
      if (node.nodeType === Node.TEXT_NODE) {
        appendText(to, node.nodeValue);
      } else if (node.nodeType === Node.ELEMENT_NODE) {
        const name = node.nodeName.toLowerCase();
        let tag = TAGS[name];
        if (name === "span" && node.classList.contains("tg-spoiler")) tag = "span";
        if (name === "br") { to.appendChild(document.createTextNode("\n")); continue; }
        if (!tag) { copyChildren(node, to); continue; } // unknown tag: keep its text only
        const el = document.createElement(tag);
        if (tag === "a") {
          const href = (node.getAttribute("href") || "").trim();
          if (SAFE_URL.test(href)) {
            el.href = href;
            el.target = "_blank";
            el.rel = "noopener noreferrer nofollow";
          }
        }
        if (tag === "span") {
          el.className = "spoiler";
          el.addEventListener("click", () => el.classList.add("shown"));
        }
        copyChildren(node, el);
        to.appendChild(el);
      }
    }
  }

  // Plain text, with /commands clickable as in Telegram.
  function appendText(to, text) {
    const parts = text.split(/(^|\s)(\/[a-z][a-z0-9_]{0,31})(?=$|[\s.,;:!?)])/g);
    for (let k = 0; k < parts.length; k++) {
      const part = parts[k];
      if (!part) continue;
      if (k % 3 === 2 && to.nodeName !== "A" && to.nodeName !== "CODE" && to.nodeName !== "PRE") {
        const cmd = document.createElement("span");
        cmd.className = "cmd";
        cmd.textContent = part;
        cmd.dataset.cmd = part;
        to.appendChild(cmd);
      } else {
        to.appendChild(document.createTextNode(part));
      }
    }
  }

  // ---- rendering -----------------------------------------------------------------------------
  const clock = (date) => date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

  function addBubble(kind, { messageId = null, date = new Date() } = {}) {
    const root = document.createElement("div");
    root.className = `msg ${kind}`;
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    const content = document.createElement("div");
    content.className = "content";
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = clock(date);
    bubble.append(content, meta);
    root.appendChild(bubble);
    const keyboard = document.createElement("div");
    keyboard.className = "keyboard";
    root.appendChild(keyboard);
    messagesEl.appendChild(root);
    const entry = { root, content, meta, keyboard, date };
    if (messageId !== null) {
      root.dataset.messageId = String(messageId);
      state.bubbles.set(messageId, entry);
    }
    return entry;
  }

  function setContent(entry, text, parseMode) {
    entry.content.replaceChildren();
    if (parseMode && parseMode.toUpperCase() === "HTML") sanitizeInto(entry.content, text || "");
    else appendText(entry.content, text || "");
  }

  function setKeyboard(entry, markup, messageId) {
    entry.keyboard.replaceChildren();
    const rows = (markup && markup.inline_keyboard) || [];
    for (const row of rows) {
      const rowEl = document.createElement("div");
      rowEl.className = "kb-row";
      for (const button of row) {
        let el;
        if (button.url && SAFE_URL.test(button.url)) {
          el = document.createElement("a");
          el.href = button.url;
          el.target = "_blank";
          el.rel = "noopener noreferrer nofollow";
        } else {
          el = document.createElement("button");
          el.type = "button";
          if (button.callback_data !== undefined) {
            el.addEventListener("click", () => press(el, messageId, button.callback_data));
          }
        }
        el.textContent = button.text;
        rowEl.appendChild(el);
      }
      entry.keyboard.appendChild(rowEl);
    }
  }

  function renderBotMessage(m) {
    const date = m.date ? new Date(m.date * 1000) : new Date();
    let entry = state.bubbles.get(m.message_id);
    const isEdit = Boolean(m.edited) && entry;
    if (!entry) entry = addBubble("in", { messageId: m.message_id, date });
    if (!isEdit || (m.text !== undefined && m.text !== null)) {
      setContent(entry, m.text, m.parse_mode);
    }
    if (!isEdit || m.reply_markup !== undefined) setKeyboard(entry, m.reply_markup, m.message_id);
    if (m.method === "sendDocument" && !isEdit) addDownload(entry, m.id);
    entry.meta.textContent = (m.edited ? "edited " : "") + clock(entry.date);
    if (m.edited) entry.root.classList.add("edited");
    scrollDown();
  }

  // A file the bot sent (/export): a button that saves it (fetched from the stand-in).
  function addDownload(entry, sentId) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "file-button";
    button.textContent = "⬇ Save the file";
    button.addEventListener("click", async () => {
      try {
        const payload = await api(`documents?after_id=${sentId - 1}`);
        const doc = (payload.documents || []).find((d) => d.id === sentId);
        if (!doc) throw new Error("gone");
        const bytes = Uint8Array.from(atob(doc.data_base64), (c) => c.charCodeAt(0));
        const url = URL.createObjectURL(new Blob([bytes], { type: doc.mime_type || "text/xml" }));
        const link = document.createElement("a");
        link.href = url;
        link.download = doc.file_name || "file";
        link.click();
        setTimeout(() => URL.revokeObjectURL(url), 10000);
      } catch (err) {
        toast("Could not fetch that file from the stand-in.");
      }
    });
    const row = document.createElement("div");
    row.className = "kb-row";
    row.appendChild(button);
    entry.keyboard.appendChild(row);
  }

  async function sendFile(body, name) {
    renderUserMessage(`📎 ${name}`);
    try {
      await api("document", { method: "POST", body: JSON.stringify(body) });
    } catch (err) {
      toast("The file did not reach the bot (files of up to 1 MB can be sent here).");
    }
  }

  function renderUserMessage(text) {
    const entry = addBubble("out");
    appendText(entry.content, text);
    scrollDown();
  }

  function scrollDown() {
    messagesEl.scrollTop = messagesEl.scrollHeight;
  }

  function toast(text) {
    toastEl.textContent = text;
    toastEl.hidden = false;
    clearTimeout(state.toastTimer);
    state.toastTimer = setTimeout(() => { toastEl.hidden = true; }, 3500);
  }

  function showTyping(on) {
    const atBottom = messagesEl.scrollHeight - messagesEl.scrollTop - messagesEl.clientHeight < 40;
    typingEl.hidden = !on;
    statusEl.textContent = on ? "typing…" : "bot";
    statusEl.classList.toggle("typing", on);
    clearTimeout(state.typingTimer);
    // Telegram shows a chat action for 5 seconds or until the bot's next message.
    if (on) state.typingTimer = setTimeout(() => showTyping(false), 5000);
    if (atBottom) scrollDown();
  }

  // ---- talking to the demo server ------------------------------------------------------------
  async function api(path, options = {}) {
    const response = await fetch(`/api/${path}`, {
      headers: { "Content-Type": "application/json" },
      ...options,
    });
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    return response.json();
  }

  async function send(text) {
    text = text.trim();
    if (!text) return;
    renderUserMessage(text);
    try {
      await api("message", { method: "POST", body: JSON.stringify({ text }) });
    } catch (err) {
      toast("Could not reach the local Bot API stand-in. Is `newsbrief demo` still running?");
    }
  }

  async function press(el, messageId, data) {
    el.classList.add("pending");
    try {
      await api("callback", {
        method: "POST",
        body: JSON.stringify({ message_id: messageId, data }),
      });
    } catch (err) {
      toast("That button did not reach the bot.");
    } finally {
      setTimeout(() => el.classList.remove("pending"), 600);
    }
  }

  function messagesOf(payload) {
    if (Array.isArray(payload)) return payload;
    return (payload && (payload.messages || payload.result)) || [];
  }

  async function fetchSent() {
    const payload = await api(`sent?after_id=${state.lastSentId}`);
    for (const m of messagesOf(payload)) {
      if (m.id > state.lastSentId) state.lastSentId = m.id;
      showTyping(false);
      renderBotMessage(m);
    }
  }

  async function messageLoop() {
    for (;;) {
      try {
        await api(`wait?after_id=${state.lastSentId}&timeout=20`);
        await fetchSent();
      } catch (err) {
        await new Promise((r) => setTimeout(r, 1500));
      }
    }
  }

  function eventFields(ev) {
    const params = ev.params || ev.payload || {};
    return {
      method: ev.method || ev.type || "",
      chatId: ev.chat_id ?? params.chat_id,
      action: ev.action ?? params.action,
      text: ev.text ?? params.text,
    };
  }

  async function skipOldEvents() {
    // Chat actions from before this page was opened are history: do not show "typing…" for them.
    for (;;) {
      const payload = await api(`events?after_id=${state.lastEventId}`);
      if (payload.last_id) state.lastEventId = payload.last_id;
      if (!payload.has_more) return;
    }
  }

  async function eventLoop() {
    try { await skipOldEvents(); } catch (err) { /* not up yet: start from the beginning */ }
    for (;;) {
      try {
        const payload = await api(`events?after_id=${state.lastEventId}`);
        const events = Array.isArray(payload) ? payload : payload.events || [];
        for (const ev of events) {
          if (ev.id > state.lastEventId) state.lastEventId = ev.id;
          const f = eventFields(ev);
          if (state.demo && f.chatId !== undefined && String(f.chatId) !== String(state.demo.chat_id)) {
            continue;
          }
          if (/chat_?action/i.test(f.method) && (!f.action || f.action === "typing")) {
            showTyping(true);
          } else if (/answer_?callback/i.test(f.method) && f.text) {
            toast(f.text);
          }
        }
      } catch (err) {
        // the stand-in restarts or is gone; keep trying quietly
      }
      await new Promise((r) => setTimeout(r, 700));
    }
  }

  // ---- the demo bar: sample feed batches -----------------------------------------------------
  function renderDemo(demo) {
    state.demo = demo;
    const status = $("batch-status");
    const release = $("release-now");
    const total = demo.batches.length;
    const released = demo.released.length;
    let text = `Sample feed (fictional news): batch ${released} of ${total} published`;
    if (released < total && demo.next_release_in !== null) {
      const s = Math.max(0, Math.round(demo.next_release_in));
      text += ` · next batch in ${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
    } else if (released >= total) {
      text += " · all sample news is in";
    }
    status.textContent = text;
    release.hidden = released >= total;
  }

  async function demoLoop() {
    for (;;) {
      try { renderDemo(await api("demo")); } catch (err) { /* server going down */ }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  // ---- wiring --------------------------------------------------------------------------------
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value;
    input.value = "";
    send(text);
  });
  document.addEventListener("click", (event) => {
    const target = event.target.closest("[data-cmd]");
    if (!target) return;
    event.preventDefault();
    send(target.dataset.cmd);
    input.focus();
  });
  $("send-opml").addEventListener("click", () => sendFile({ sample: true }, "sample_feeds.opml"));
  $("pick-opml").addEventListener("click", () => $("opml-file").click());
  $("opml-file").addEventListener("change", () => {
    const file = $("opml-file").files[0];
    $("opml-file").value = "";
    if (!file) return;
    const reader = new FileReader();
    reader.onload = () => {
      const data = String(reader.result).split(",", 2)[1] || "";
      sendFile({ file_name: file.name, data_base64: data }, file.name);
    };
    reader.readAsDataURL(file);
  });
  $("release-now").addEventListener("click", async () => {
    try {
      renderDemo(await api("demo/release", { method: "POST", body: "{}" }));
      toast("Next batch of sample news published; the bot will pick it up on its next poll.");
    } catch (err) {
      toast("Could not publish the next batch.");
    }
  });

  // For the browser test: the sanitizer's output for a piece of Telegram HTML.
  window.newsbriefDemo = {
    sanitize(html) {
      const box = document.createElement("div");
      sanitizeInto(box, html);
      return box.innerHTML;
    },
  };

  async function start() {
    try {
      const demo = await api("demo");
      if (demo.bot_name) $("bot-name").textContent = demo.bot_name;
      renderDemo(demo);
      await fetchSent(); // history, when the page is reloaded
    } catch (err) {
      toast("The demo server is not answering.");
    }
    messageLoop();
    eventLoop();
    demoLoop();
    input.focus();
  }
  start();
})();
