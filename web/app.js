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
  const documents = new Map(); // document id -> Promise of GET /api/documents/{id}, with its astral index
  let build = null; // the index build the last answer came from (header X-QA-Build)
  let faq = []; // FAQ questions, for the welcome message
  let pending = null; // AbortController of the question in flight
  let opener = null; // what had focus before the source panel opened
  let panelRequest = 0; // so a slow document load can't overwrite a newer one
  let feedbackCount = 0; // ids for the comment boxes' labels
  let conversation = []; // earlier turns {question, answer}, oldest first, sent as history with each question
  const HISTORY_TURNS = 4; // the server reads follow-ups against the last few turns
  // The API's limits count characters as Python does (code points), so every cut is made with clip().
  const MAX_QUESTION = 500;
  const MAX_ANSWER = 1000; // what is sent back of an answer (the API reads its first 2000 characters)
  const MAX_COMMENT = 1000;
  const MAX_VOTED_ANSWER = 2000;
  const SVG = "http://www.w3.org/2000/svg";
  const THUMB = "M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06" +
    "L14.17 1 7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05" +
    "c.09-.23.14-.47.14-.73v-2z";

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

  // ---- characters: the API counts code points, JavaScript strings count UTF-16 code units ---------

  function pairAt(value, i) {
    // Whether a surrogate pair (one astral character, e.g. an emoji) starts at UTF-16 index i.
    const c = value.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff || i + 1 >= value.length) return false;
    const d = value.charCodeAt(i + 1);
    return d >= 0xdc00 && d <= 0xdfff;
  }

  function clip(value, max) {
    // The first `max` characters as the API counts them (code points), never half a surrogate pair.
    const whole = typeof value.toWellFormed === "function" ? value.toWellFormed() : value; // no lone surrogates
    if (whole.length <= max) return whole; // code units >= code points
    let units = 0;
    for (let count = 0; count < max && units < whole.length; count++) units += pairAt(whole, units) ? 2 : 1;
    return whole.slice(0, units);
  }

  function astralIndex(value) {
    // The code-point offsets of the astral characters, in order: one pass, once per document
    // (an empty list for the usual document with none).
    const astral = [];
    for (let i = 0, point = 0; i < value.length; i++, point++) {
      if (pairAt(value, i)) {
        astral.push(point);
        i++;
      }
    }
    return astral;
  }

  function unitIndex(astral, point) {
    // UTF-16 index of a code-point offset: the offset plus the astral characters before it (binary search).
    let lo = 0;
    let hi = astral.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (astral[mid] < point) lo = mid + 1;
      else hi = mid;
    }
    return point + lo;
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

  async function api(path, body, signal, cache = "default") {
    const init = body === undefined ? { signal, cache }
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
    const answeredFrom = response.headers.get("X-QA-Build");
    if (answeredFrom) {
      // an answer from another index build than the last: cached documents may have changed anywhere
      if (build !== null && answeredFrom !== build) documents.clear();
      build = answeredFrom;
    }
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

  function loadDocument(key, id, fresh = false) {
    // `id` is the citation's own id: the server finds the document that holds the passage, whatever
    // the id looks like (FAQ files give their own: "refund#1", "a/b"); encoded whole, so that "/",
    // "#" and ".." in it are never read as parts of the URL. Cached by `key`, the document's source.
    if (!documents.has(key)) {
      const request = api(`/api/documents/${encodeURIComponent(id)}`, undefined, undefined, fresh ? "no-cache" : "default")
        .then((doc) => ({ ...doc, astral: astralIndex(doc.text) }));
      request.catch(() => { if (documents.get(key) === request) documents.delete(key); }); // a failed load can be retried
      documents.set(key, request);
    }
    return documents.get(key);
  }

  function passageRange(doc, citation) {
    // The citation's [start, end) (code points) as UTF-16 indexes into doc.text, or null when the
    // text there is not the cited passage (the document changed since, or the citation is from another build).
    const from = unitIndex(doc.astral, citation.start);
    const to = unitIndex(doc.astral, citation.end);
    return doc.text.slice(from, to) === citation.text ? [from, to] : null;
  }

  function nearestRange(doc, citation) {
    // The occurrence of the cited passage closest to where the citation puts it, or null.
    const want = unitIndex(doc.astral, citation.start);
    let best = null;
    for (let at = doc.text.indexOf(citation.text); at >= 0 && citation.text; at = doc.text.indexOf(citation.text, at + 1)) {
      if (best === null || Math.abs(at - want) < Math.abs(best - want)) best = at;
      if (at > want) break;
    }
    return best === null ? null : [best, best + citation.text.length];
  }

  async function documentFor(citation) {
    // The document with the cited passage's place in it. Cached by source, and dropped when an answer
    // comes from a new index build; a cached text that still does not hold the passage at its offsets
    // (the server switched builds between the answer and the load) is dropped and loaded again, once.
    const key = citation.source;
    const cached = loadDocument(key, citation.id);
    let doc = await cached;
    let range = passageRange(doc, citation);
    if (!range) {
      if (documents.get(key) === cached) documents.clear(); // not if another request reloaded it meanwhile
      doc = await loadDocument(key, citation.id, true);
      range = passageRange(doc, citation) || nearestRange(doc, citation);
    }
    return { doc, range };
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

  // An answer's prose flows as text; a fenced code block in it (a command a sentence introduces
  // with a colon) keeps its lines, as code: copied from the chat, it runs.
  const FENCE = /(^|\n)[ \t]*(`{3,}|~{3,})[^\n]*\n([\s\S]*?)\n[ \t]*\2[ \t]*(?=\n|$)/g;

  function answerParts(answer) {
    const parts = [];
    let at = 0;
    for (const m of answer.matchAll(FENCE)) {
      if (m.index + m[1].length > at) parts.push(text(answer.slice(at, m.index + m[1].length)));
      const pre = el("pre", "answer-code");
      pre.append(el("code", null, m[3]));
      parts.push(pre);
      at = m.index + m[0].length;
    }
    if (at < answer.length) parts.push(text(answer.slice(at)));
    return parts;
  }

  function answerMessage(result) {
    const message = el("article", "msg msg-bot");
    const answer = el("div", "answer");
    answer.append(...answerParts(result.answer), text(" "), marker(result, 0));
    message.append(answer, confidence(result.confidence), el("p", "label", "Sources"), sourceList(result),
      feedbackBar(result));
    return message;
  }

  // ---- feedback: thumbs up or down on an answer, an optional comment with a down vote ---------

  function thumb() {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", THUMB);
    svg.append(path);
    return svg;
  }

  function feedbackBar(result) {
    const bar = el("div", "feedback");
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", "Feedback on this answer");
    const up = button("vote vote-up", null, () => vote("up"));
    const down = button("vote vote-down", null, () => vote("down"));
    up.append(thumb(), text("Helpful")); // the visible text is the accessible name
    down.append(thumb(), text("Not helpful"));
    for (const b of [up, down]) b.setAttribute("aria-pressed", "false");
    const status = el("p", "feedback-status");
    status.setAttribute("role", "status");
    bar.append(up, down, status);
    let sent = false;
    let sending = false;
    let form = null;

    function press(which) {
      up.setAttribute("aria-pressed", String(which === "up"));
      down.setAttribute("aria-pressed", String(which === "down"));
    }

    function lock(locked) {
      for (const b of [up, down]) b.setAttribute("aria-disabled", String(locked));
    }

    async function send(which, comment) {
      if (sending || sent) return; // a double Enter in the comment box sends once
      sending = true;
      lock(true);
      status.textContent = "Sending…";
      const body = { question: clip(result.question, MAX_QUESTION), answer: clip(result.answer, MAX_VOTED_ANSWER), vote: which };
      if (comment) body.comment = clip(comment, MAX_COMMENT);
      try {
        await api("/api/feedback", body);
        sent = true;
        if (form) { form.remove(); form = null; }
        status.textContent = "Thanks for the feedback.";
        bar.classList.add("sent");
        if (!bar.contains(document.activeElement)) (which === "up" ? up : down).focus();
      } catch (error) {
        lock(false);
        status.textContent = `Couldn't send the feedback: ${error.message}`;
      } finally {
        sending = false;
      }
    }

    function vote(which) {
      if (sent || up.getAttribute("aria-disabled") === "true") return;
      press(which);
      if (which === "up") {
        if (form) { form.remove(); form = null; }
        send("up");
        return;
      }
      if (!form) {
        form = commentForm((comment) => send("down", comment), () => {
          form.remove();
          form = null;
          press(null);
          status.textContent = "";
          down.focus();
        });
        bar.after(form);
      }
      form.querySelector("textarea").focus();
    }

    return bar;
  }

  function commentForm(onSend, onCancel) {
    const form = el("form", "feedback-form");
    const id = `comment-${++feedbackCount}`;
    const label = el("label", "label", "What was wrong? (optional)");
    label.htmlFor = id;
    const box = el("textarea", "comment");
    box.id = id;
    box.rows = 2;
    box.maxLength = MAX_COMMENT;
    box.placeholder = "e.g. it quoted the wrong part of the document";
    const sendButton = el("button", "btn btn-primary btn-small", "Send");
    sendButton.type = "submit";
    const cancel = button("btn btn-quiet btn-small", "Cancel", onCancel);
    const actions = el("div", "feedback-actions");
    actions.append(sendButton, cancel);
    form.append(label, box, actions);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      onSend(box.value.trim());
    });
    box.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      } else if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        onCancel();
      }
    });
    return form;
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

  function errorMessage(detail, hint = "Your question is still in the box; press Enter to try again.") {
    const message = el("article", "msg msg-bot error");
    message.append(el("p", "answer", detail), el("p", "muted", hint));
    return message;
  }

  function spoken(result) {
    if (!result.answered) {
      const also = result.suggestions.length ? ` Did you mean: ${result.suggestions.join("; ")}?` : "";
      return result.answer + also;
    }
    const c = result.citations[0];
    return `${result.answer.replace(FENCE, "$1$3")} Source 1: ${c.section || c.source}.`; // code read without its fences
  }

  // ---- asking -------------------------------------------------------------------------------

  function setBusy(busy) {
    ui.log.setAttribute("aria-busy", String(busy));
    ui.send.setAttribute("aria-disabled", String(busy));
    ui.form.classList.toggle("busy", busy);
  }

  // Zero-width and other format characters show nothing: a question of only those is empty.
  const INVISIBLE = /[\s\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/g;
  const ASK_TIMEOUT_MS = 30000; // a server that neither answers nor fails: said so, not a spinner forever

  function blank(question) {
    return !question.replace(INVISIBLE, "");
  }

  async function ask(question) {
    if (pending || blank(question)) return;
    const user = addMessage("user");
    user.textContent = question.trim();
    const thinking = showThinking();
    scrollToShow(thinking);
    const controller = new AbortController();
    pending = controller;
    setBusy(true);
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; controller.abort(); }, ASK_TIMEOUT_MS);
    try {
      const history = conversation.slice(-HISTORY_TURNS);
      const result = await api("/api/ask", { question, history }, controller.signal);
      conversation.push({ question: clip(result.question || question.trim(), MAX_QUESTION), answer: clip(result.answer, MAX_ANSWER) });
      const reply = result.answered ? answerMessage(result) : abstainMessage(result);
      thinking.replaceWith(reply);
      scrollToShow(reply);
      say(spoken(result));
    } catch (error) {
      if (error.name === "AbortError" && !timedOut) return; // a new chat was started
      if (!ui.input.value) ui.input.value = question; // keep what was asked
      const detail = timedOut ? `The server did not answer within ${ASK_TIMEOUT_MS / 1000} seconds.` : error.message;
      const reply = errorMessage(detail);
      thinking.replaceWith(reply);
      scrollToShow(reply);
      say(`Error: ${detail}`);
    } finally {
      clearTimeout(timer);
      if (pending === controller) {
        pending = null;
        setBusy(false);
      }
    }
  }

  function submit(event) {
    event.preventDefault();
    const question = ui.input.value;
    if (pending) {
      say("Still waiting for the answer to the last question."); // not silently dropped
      return;
    }
    if (blank(question)) return;
    const length = [...question.trim()].length; // code points, as the API counts them
    if (length > MAX_QUESTION) { // said, not cut silently: the question stays in the box
      const notice = errorMessage(`Your question is ${length} characters long; the limit is ${MAX_QUESTION}.`,
        "It is still in the box: shorten it, then press Enter.");
      ui.log.append(notice);
      scrollToShow(notice);
      say(`Your question is ${length} characters long; the limit is ${MAX_QUESTION}.`);
      return;
    }
    ui.input.value = "";
    ask(question);
  }

  function newChat() {
    if (pending) pending.abort();
    pending = null;
    setBusy(false);
    if (ui.panel.open) closePanel();
    ui.log.replaceChildren();
    conversation = [];
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

  function pageOf(doc, start) {
    // A PDF's page (from 1) that the citation begins on: doc.pages holds where each page begins,
    // counted in code points as citation offsets are; null for a document without pages.
    if (!Array.isArray(doc.pages) || !doc.pages.length) return null;
    let n = 0;
    while (n < doc.pages.length && doc.pages[n] <= start) n += 1;
    return Math.max(n, 1);
  }

  function renderDocument(doc, range, citation, answer) {
    // range: the passage's [from, to) in UTF-16 indexes; null when the document no longer holds it.
    ui.panelTitle.textContent = doc.title || doc.id;
    const page = range ? pageOf(doc, citation.start) : null;
    ui.panelSub.textContent = [citation.section, doc.source, page && `page ${page}`].filter(Boolean).join(" · ");
    const body = el("div", "doc");
    const mark = passageMark(citation.text, answer);
    if (range) {
      appendSource(body, doc.text.slice(0, range[0]), true);
      body.append(mark);
      appendSource(body, doc.text.slice(range[1]), false);
    } else {
      body.append(el("p", "panel-error", "The document has changed since this answer; here is the passage as cited."), mark);
    }
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

  async function openSource(result, i, from) {
    const citation = result.citations[i];
    const request = ++panelRequest;
    opener = from;
    ui.panelTitle.textContent = "Loading source…";
    ui.panelSub.textContent = citation.source;
    ui.panelBody.replaceChildren();
    showPanel();
    try {
      const { doc, range } = await documentFor(citation);
      if (request === panelRequest) renderDocument(doc, range, citation, i === 0 ? result.answer : "");
    } catch (error) {
      if (request === panelRequest) {
        ui.panelTitle.textContent = "Source not available";
        ui.panelBody.replaceChildren(el("p", "panel-error", error.message));
      }
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
