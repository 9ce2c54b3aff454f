// qa web chat. Plain DOM; every piece of user or corpus text goes in as a text node, never as HTML.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const ui = {
    chat: $("chat"), log: $("log"), form: $("composer"), input: $("question"), send: $("send"),
    newChat: $("new-chat"), tagline: $("tagline"), announce: $("announce"),
    panel: $("panel"), panelTitle: $("panel-title"), panelSub: $("panel-sub"),
    panelBody: $("panel-body"), panelClose: $("panel-close"),
  };
  const narrow = window.matchMedia("(max-width: 760px)");
  const calm = window.matchMedia("(prefers-reduced-motion: reduce)");
  const documents = new Map(); // document id -> Promise of GET /api/documents/{id}
  let faq = []; // FAQ questions, for the welcome message
  let pending = null; // AbortController of the question in flight
  let opener = null; // what had focus before the source panel opened
  let panelRequest = 0; // so a slow document load can't overwrite a newer one

  // ---- small DOM helpers --------------------------------------------------------------------

  function el(tag, className, content) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (content != null) node.textContent = content;
    return node;
  }

  function text(value) {
    return document.createTextNode(value);
  }

  function button(className, label, onClick) {
    const b = el("button", className, label);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  function listOf(tag, className, children) {
    const list = el(tag, className);
    for (const child of children) {
      const item = el("li");
      item.append(child);
      list.append(item);
    }
    return list;
  }

  function say(message) {
    // Clear first so the same sentence twice is still read out.
    ui.announce.textContent = "";
    window.setTimeout(() => { ui.announce.textContent = message; }, 60);
  }

  function scrollToShow(node) {
    const tall = node.offsetHeight > ui.chat.clientHeight * 0.8;
    node.scrollIntoView({ block: tall ? "start" : "end", behavior: calm.matches ? "auto" : "smooth" });
  }

  // ---- the API ------------------------------------------------------------------------------

  async function api(path, body, signal) {
    const init = body === undefined ? { signal }
      : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), signal };
    let response;
    try {
      response = await fetch(path, init);
    } catch (error) {
      if (error.name === "AbortError") throw error;
      throw new Error("Can't reach the qa server. Check that it is running, then try again.");
    }
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new Error(errorDetail(data, response));
    return data;
  }

  function errorDetail(data, response) {
    const detail = data && data.detail;
    if (typeof detail === "string" && detail) return detail;
    if (Array.isArray(detail) && detail.length) {
      return detail.map((e) => (e && e.msg ? e.msg : String(e))).join("; ") + ".";
    }
    return `The server answered ${response.status} ${response.statusText}`.trim() + ".";
  }

  function loadDocument(id) {
    if (!documents.has(id)) {
      const path = id.split("/").map(encodeURIComponent).join("/");
      const request = api(`/api/documents/${path}`);
      request.catch(() => documents.delete(id)); // let a failed load be retried
      documents.set(id, request);
    }
    return documents.get(id);
  }

  // ---- messages -----------------------------------------------------------------------------

  function addMessage(kind, className) {
    const message = el("article", `msg msg-${kind}${className ? " " + className : ""}`);
    ui.log.append(message);
    return message;
  }

  function chips(questions) {
    return listOf("ul", "chips", questions.map((question) => button("chip", question, () => ask(question))));
  }

  function showWelcome() {
    const message = addMessage("bot", "welcome");
    message.append(
      el("p", "lead", "Hi! Ask me anything about the documents."),
      el("p", "muted", "I reply with sentences quoted from them and show where each answer comes from. " +
        "If the documents don't say, I'll tell you."),
      el("div", "faq"));
    showFaq();
  }

  function showFaq() {
    const slot = ui.log.querySelector(".welcome .faq");
    if (slot && faq.length) slot.replaceChildren(el("p", "label", "Common questions"), chips(faq));
  }

  function showThinking() {
    const message = addMessage("bot", "thinking");
    const dots = el("span", "dots");
    dots.setAttribute("aria-hidden", "true");
    dots.append(el("span"), el("span"), el("span"));
    message.append(text("Searching the documents"), dots);
    return message;
  }

  function confidence(value) {
    const percent = Math.min(99, Math.round(value * 100));
    const level = value >= 0.85 ? "High" : value >= 0.6 ? "Medium" : "Low";
    const line = el("p", "confidence", `${level} confidence · ${percent}%`);
    line.title = "How likely the quoted passage answers the question";
    return line;
  }

  function marker(result, i) {
    const c = result.citations[i];
    const b = button("cite", `[${i + 1}]`, (event) => openSource(result, i, event.currentTarget));
    b.setAttribute("aria-label", `Source ${i + 1}: ${c.section || c.source}`);
    return b;
  }

  function sourceList(result) {
    return listOf("ol", "sources", result.citations.map((c, i) => {
      const b = button("source", null, (event) => openSource(result, i, event.currentTarget));
      b.append(el("span", "num", `[${i + 1}]`), el("span", "section", c.section || "Document"),
        el("span", "path", c.source));
      return b;
    }));
  }

  function answerMessage(result) {
    const message = el("article", "msg msg-bot");
    const answer = el("p", "answer");
    answer.append(text(result.answer + " "), marker(result, 0));
    message.append(answer, confidence(result.confidence), el("p", "label", "Sources"), sourceList(result));
    return message;
  }

  function abstainMessage(result) {
    const message = el("article", "msg msg-bot abstain");
    message.append(el("p", "answer", result.answer || "The documents don't say."));
    if (result.suggestions.length) {
      message.append(el("p", "label", "Did you mean"), chips(result.suggestions));
    } else {
      message.append(el("p", "muted", "Try other words, or one of the common questions above."));
    }
    return message;
  }

  function errorMessage(detail) {
    const message = el("article", "msg msg-bot error");
    message.append(el("p", "answer", detail), el("p", "muted", "Your question is still in the box; press Enter to try again."));
    return message;
  }

  function spoken(result) {
    if (!result.answered) {
      const also = result.suggestions.length ? ` Did you mean: ${result.suggestions.join("; ")}?` : "";
      return result.answer + also;
    }
    const c = result.citations[0];
    return `${result.answer} Source 1: ${c.section || c.source}.`;
  }

  // ---- asking -------------------------------------------------------------------------------

  function setBusy(busy) {
    ui.log.setAttribute("aria-busy", String(busy));
    ui.send.setAttribute("aria-disabled", String(busy));
    ui.form.classList.toggle("busy", busy);
  }

  async function ask(question) {
    if (pending || !question.trim()) return;
    const user = addMessage("user");
    user.textContent = question.trim();
    const thinking = showThinking();
    scrollToShow(thinking);
    const controller = new AbortController();
    pending = controller;
    setBusy(true);
    try {
      const result = await api("/api/ask", { question }, controller.signal);
      const reply = result.answered ? answerMessage(result) : abstainMessage(result);
      thinking.replaceWith(reply);
      scrollToShow(reply);
      say(spoken(result));
    } catch (error) {
      if (error.name === "AbortError") return;
      if (!ui.input.value) ui.input.value = question; // keep what was asked
      const reply = errorMessage(error.message);
      thinking.replaceWith(reply);
      scrollToShow(reply);
      say(`Error: ${error.message}`);
    } finally {
      if (pending === controller) {
        pending = null;
        setBusy(false);
      }
    }
  }

  function submit(event) {
    event.preventDefault();
    const question = ui.input.value;
    if (pending || !question.trim()) return;
    ui.input.value = "";
    ask(question);
  }

  function newChat() {
    if (pending) pending.abort();
    pending = null;
    setBusy(false);
    if (ui.panel.open) closePanel();
    ui.log.replaceChildren();
    showWelcome();
    ui.input.value = "";
    ui.input.focus();
    say("New chat started.");
  }

  // ---- the source panel ---------------------------------------------------------------------

  function appendSource(parent, source, atStart) {
    // Markdown stays as written, with headings and front matter set apart by style only.
    let rest = source;
    const frontMatter = atStart && /^---\r?\n[\s\S]*?\r?\n---\r?\n/.exec(rest);
    if (frontMatter) {
      parent.append(el("span", "md-meta", frontMatter[0]));
      rest = rest.slice(frontMatter[0].length);
    }
    let last = 0;
    for (const heading of rest.matchAll(/^(#{1,6} )(.*)$/gm)) {
      const line = el("span", "md-heading");
      line.append(el("span", "md-hash", heading[1]), text(heading[2]));
      parent.append(text(rest.slice(last, heading.index)), line);
      last = heading.index + heading[0].length;
    }
    parent.append(text(rest.slice(last)));
  }

  function passageMark(passage, answer) {
    const mark = el("mark", "passage");
    const at = answer ? passage.indexOf(answer) : -1;
    if (at < 0) mark.textContent = passage;
    else mark.append(text(passage.slice(0, at)), el("mark", "answer", answer), text(passage.slice(at + answer.length)));
    return mark;
  }

  function renderDocument(doc, citation, answer) {
    ui.panelTitle.textContent = doc.title || doc.id;
    ui.panelSub.textContent = [citation.section, doc.source].filter(Boolean).join(" · ");
    const body = el("div", "doc");
    const mark = passageMark(doc.text.slice(citation.start, citation.end), answer);
    appendSource(body, doc.text.slice(0, citation.start), true);
    body.append(mark);
    appendSource(body, doc.text.slice(citation.end), false);
    ui.panelBody.replaceChildren(body);
    (mark.querySelector(".answer") || mark).scrollIntoView({ block: "center" });
  }

  function showPanel() {
    if (!ui.panel.open) {
      if (narrow.matches) ui.panel.showModal();
      else ui.panel.show();
      document.body.classList.add("panel-open");
    }
    ui.panelClose.focus();
  }

  function documentId(citationId) {
    const hash = citationId.lastIndexOf("#"); // "doc.md#p4" -> "doc.md"
    return hash > 0 ? citationId.slice(0, hash) : citationId;
  }

  async function openSource(result, i, from) {
    const citation = result.citations[i];
    const docId = documentId(citation.id);
    const request = ++panelRequest;
    opener = from;
    ui.panelTitle.textContent = "Loading source…";
    ui.panelSub.textContent = citation.source;
    ui.panelBody.replaceChildren();
    showPanel();
    try {
      const doc = await loadDocument(docId);
      if (request === panelRequest) renderDocument(doc, citation, i === 0 ? result.answer : "");
    } catch (error) {
      if (request === panelRequest) ui.panelBody.replaceChildren(el("p", "panel-error", error.message));
    }
  }

  function closePanel() {
    // Synchronous, so the focus is back before the next key press (the close event comes later).
    if (ui.panel.open) ui.panel.close();
    document.body.classList.remove("panel-open");
    const back = opener && opener.isConnected ? opener : ui.input;
    opener = null;
    back.focus();
  }

  function panelClosed() {
    // Closed some other way (e.g. the browser's own Escape handling of a modal dialog).
    if (opener && !ui.panel.open) closePanel();
  }

  // ---- start --------------------------------------------------------------------------------

  async function start() {
    showWelcome();
    try {
      faq = (await api("/api/faq")).map((entry) => entry.question);
      showFaq();
    } catch {
      // No FAQ list: the welcome simply has no chips.
    }
    api("/api/health").then((health) => {
      const n = health.documents;
      ui.tagline.textContent = `Answers quoted from ${n} document${n === 1 ? "" : "s"}`;
    }).catch(() => {});
  }

  ui.form.addEventListener("submit", submit);
  ui.input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ui.form.requestSubmit();
    }
  });
  ui.newChat.addEventListener("click", newChat);
  ui.panelClose.addEventListener("click", closePanel);
  ui.panel.addEventListener("close", panelClosed);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && ui.panel.open) {
      event.preventDefault();
      closePanel();
    }
  });
  start();
})();
