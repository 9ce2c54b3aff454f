"""The web chat in headless Chromium, against the real server (qa serve) on a free port.

Needs Debian's chromium (/usr/bin/chromium, or QA_CHROMIUM) and the playwright package:
    apt-get install -y chromium && pip install playwright
(no `playwright install`: the system Chromium is used). Skipped with a reason when either is missing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import free_port

from test_pdf_docx import manual

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"
SCREENSHOT = ROOT / "docs" / "screenshot.png"
CHROMIUM = os.environ.get("QA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
DESKTOP = {"width": 1100, "height": 700}
PHONE = {"width": 360, "height": 740}
XSS = "<img src=x onerror=alert(1)>"

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    pytest.skip("playwright is not installed (pip install playwright)", allow_module_level=True)
if not Path(CHROMIUM).exists():  # pragma: no cover
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium, or set QA_CHROMIUM)",
                allow_module_level=True)


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.load(r)


def qa_command() -> list[str]:
    qa = Path(sys.executable).parent / "qa"
    return [str(qa)] if qa.exists() else [sys.executable, "-c", "from qa.cli import main; main()"]


def qa_env(tmp: Path, **extra: str) -> dict:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1", "QA_DATA": str(tmp / "data"), **extra}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`qa serve` on a free port with a fresh index; yields its base URL."""
    with serving(tmp_path_factory.mktemp("server")) as base:
        yield base


@contextmanager
def serving(tmp: Path, **extra_env: str):
    """Runs `qa serve` on a free port with its index in tmp (QA_* settings in extra_env); yields its base URL."""
    port = free_port()
    cmd = qa_command() + ["serve", "--port", str(port), "--index", str(tmp / "index")]
    env = qa_env(tmp, **extra_env)
    log_path = tmp / "server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail(f"qa serve exited with {proc.returncode}:\n{log_path.read_text()}")
            try:
                if get_json(f"{base}/api/health")["status"] == "ok":
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"qa serve was not ready within 120 s:\n{log_path.read_text()}")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Watch:
    """JavaScript dialogs, page errors and console errors (CSP violations land there) seen by a page."""

    def __init__(self, page):
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))


def chat_opener(browser, base: str):
    """Yields opener(viewport) -> (page, watch), with the chat at base loaded and its FAQ chips shown."""
    contexts = []

    def opener(viewport=DESKTOP, color_scheme="light"):
        context = browser.new_context(viewport=viewport, color_scheme=color_scheme, reduced_motion="reduce")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        watch = Watch(page)
        page.goto(base + "/")
        expect(page.locator(".welcome .chip").first).to_be_visible()
        return page, watch

    yield opener
    for context in contexts:
        context.close()


@pytest.fixture
def open_chat(browser, server):
    """open_chat(viewport) -> (page, watch), with the chat loaded and its FAQ chips shown."""
    yield from chat_opener(browser, server)


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def ask(page, question: str, *, submit=lambda page: page.keyboard.press("Enter")) -> dict | None:
    """Type a question, send it, wait for the reply to be rendered; returns the API's JSON (None: no response)."""
    replies = page.locator("#log .msg-bot:not(.thinking)")
    before = replies.count()
    page.locator("#question").fill(question)
    page.locator("#question").focus()
    with page.expect_request("**/api/ask") as request:
        submit(page)
    expect(replies).to_have_count(before + 1)
    response = request.value.response()
    return response.json() if response else None


def last_reply(page):
    return page.locator("#log .msg-bot:not(.thinking)").last


def assert_in_view(inner, outer) -> None:
    """inner's box lies inside outer's box (i.e. it has been scrolled into view)."""
    a, b = inner.bounding_box(), outer.bounding_box()
    assert a and b, "not rendered"
    assert a["y"] >= b["y"] - 1 and a["y"] + min(a["height"], b["height"]) <= b["y"] + b["height"] + 1, (a, b)


CONTRAST_JS = """(selectors) => {
  const channels = (c) => c.match(/[\\d.]+/g).map(Number);
  const luminance = (c) => {
    const [r, g, b] = channels(c).slice(0, 3).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = getComputedStyle(e).backgroundColor, a = channels(c);
      if (a.length < 4 || a[3] === 1) return c;
      if (a[3] > 0) throw new Error("translucent background on " + e.className);
    }
    return getComputedStyle(document.body).backgroundColor;
  };
  const out = {};
  for (const selector of selectors) {
    const el = document.querySelector(selector);
    if (!el) { out[selector] = null; continue; }
    const [a, b] = [luminance(getComputedStyle(el).color), luminance(background(el))];
    out[selector] = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  }
  return out;
}"""
TEXT_SELECTORS = [".tagline", "#new-chat", ".welcome .lead", ".welcome .muted", ".label", ".chip", ".msg-user",
                  ".answer", ".cite", ".confidence", ".source .num", ".source .section", ".source .path", "#send",
                  ".hint", "#question", "#panel-title", ".panel-sub", ".md-hash", ".md-heading", ".md-meta",
                  "mark.passage", "mark.answer", ".error .answer", ".error .muted", ".vote"]


# ---- tests --------------------------------------------------------------------------------------


def test_welcome_lists_the_faq_as_chips(open_chat, server):
    page, watch = open_chat()
    faq = [f["question"] for f in get_json(server + "/api/faq")]
    expect(page.locator(".welcome .chip")).to_have_text(faq)
    expect(page.locator("h1")).to_have_text("qa")
    shot(page, "desktop-welcome")
    assert watch.errors == []


def test_answer_cites_and_opens_the_highlighted_source(open_chat):
    page, watch = open_chat()
    result = ask(page, "what is inference?")
    assert result["answered"], result
    reply = last_reply(page)
    expect(reply.locator(".answer")).to_contain_text(result["answer"])
    marker = reply.locator(".answer .cite")
    expect(marker).to_have_text("[1]")
    expect(reply.locator(".confidence")).to_contain_text("confidence")
    sources = reply.locator(".sources .source")
    expect(sources).to_have_count(len(result["citations"]))
    first = result["citations"][0]
    expect(sources.first).to_contain_text(first["section"])
    expect(sources.first).to_contain_text(first["source"])

    marker.click()
    panel = page.locator("#panel")
    expect(panel).to_be_visible()
    passage = panel.locator("mark.passage")
    expect(passage).to_have_count(1)
    expect(passage).to_be_visible()
    assert passage.text_content() == first["text"]
    answer = passage.locator("mark.answer")
    expect(answer).to_have_text(result["answer"])
    assert_in_view(answer, page.locator("#panel-body"))
    expect(page.locator("#panel-title")).not_to_have_text("Loading source…")
    expect(page.locator("#panel-close")).to_be_focused()
    shot(page, "desktop-answer-source")
    assert (ARTIFACTS / "desktop-answer-source.png").stat().st_size < 200_000
    if os.environ.get("QA_UPDATE_SCREENSHOT"):  # refresh the README's picture on purpose only
        page.screenshot(path=str(SCREENSHOT))

    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(marker).to_be_focused()

    # A source in the list opens the same way; a second citation highlights its own passage.
    if len(result["citations"]) > 1:
        sources.nth(1).click()
        expect(panel.locator("mark.passage")).to_have_text(result["citations"][1]["text"])
        expect(panel.locator("mark.answer")).to_have_count(0)
        page.locator("#panel-close").click()
        expect(panel).to_be_hidden()
        expect(sources.nth(1)).to_be_focused()
    assert watch.errors == [] and watch.dialogs == []


def test_abstention_offers_suggestions_that_ask(open_chat):
    page, watch = open_chat()
    result = ask(page, "who is Baseten's CEO?")
    assert not result["answered"], f"the engine answered instead of abstaining: {result['answer']!r}"
    reply = last_reply(page)
    expect(reply).to_have_class(re.compile(r"\babstain\b"))
    expect(reply.locator(".answer")).to_have_text(result["answer"])
    expect(reply.locator(".cite")).to_have_count(0)
    assert result["suggestions"], "the engine offered no suggestions"
    chips = reply.locator(".chip")
    expect(chips).to_have_text(result["suggestions"])
    shot(page, "desktop-abstain")

    with page.expect_response("**/api/ask") as response:
        chips.first.click()
    followup = response.value.json()
    assert followup["question"] == result["suggestions"][0]
    expect(page.locator("#log .msg-user").last).to_have_text(result["suggestions"][0])
    expect(page.locator("#log .msg-bot:not(.thinking)")).to_have_count(3)
    assert followup["answered"], followup
    expect(last_reply(page).locator(".cite")).to_have_text("[1]")
    assert watch.errors == []


def test_phone_width_has_no_horizontal_scroll(open_chat):
    page, watch = open_chat(PHONE)
    expect(page.locator("#question")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "phone-welcome")

    result = ask(page, "Who are Baseten’s main competitors?")
    assert result["answered"], result
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    expect(page.locator("#question")).to_be_in_viewport()
    shot(page, "phone-answer")

    marker = last_reply(page).locator(".cite")
    marker.click()
    panel = page.locator("#panel")
    expect(panel.locator("mark.answer")).to_have_text(result["answer"])
    assert page.evaluate("document.getElementById('panel').matches(':modal')"), "a dialog on narrow screens"
    box = panel.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert_in_view(panel.locator("mark.answer"), page.locator("#panel-body"))
    shot(page, "phone-source")
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(marker).to_be_focused()
    assert watch.errors == []


def test_keyboard_alone(open_chat):
    page, watch = open_chat()
    for _ in range(20):
        if page.evaluate("document.activeElement.id") == "question":
            break
        page.keyboard.press("Tab")
    expect(page.locator("#question")).to_be_focused()

    page.keyboard.type("what is")
    page.keyboard.press("Shift+Enter")  # a new line, not a send
    page.keyboard.type("inference?")
    expect(page.locator("#question")).to_have_value("what is\ninference?")
    expect(page.locator("#log .msg-user")).to_have_count(0)
    with page.expect_response("**/api/ask"):
        page.keyboard.press("Enter")
    expect(page.locator("#question")).to_have_value("")
    expect(last_reply(page).locator(".cite")).to_have_text("[1]")
    expect(page.locator("#announce")).not_to_be_empty()

    # Tab from the input back to the marker, open it with Enter, close it with Escape.
    page.keyboard.press("Shift+Tab")
    for _ in range(10):
        if page.evaluate("document.activeElement.classList.contains('cite')"):
            break
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#panel mark.passage")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#panel")).to_be_hidden()
    expect(last_reply(page).locator(".cite")).to_be_focused()

    # New chat clears the conversation and puts the focus back in the input.
    page.locator("#new-chat").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#log .msg-user")).to_have_count(0)
    expect(page.locator(".welcome .chip").first).to_be_visible()
    expect(page.locator("#question")).to_be_focused()
    assert watch.errors == []


def test_question_markup_is_shown_as_text(open_chat):
    page, watch = open_chat()
    result = ask(page, XSS, submit=lambda page: page.locator("#send").click())
    expect(page.locator("#log .msg-user").last).to_have_text(XSS)
    assert page.locator("#log img").count() == 0
    assert not result["answered"]
    page.wait_for_timeout(300)
    assert watch.dialogs == []


def test_corpus_markup_is_shown_as_text(open_chat):
    """Corpus text is data too: a document holding markup (served here by a stub) stays text."""
    page, watch = open_chat()
    doc = f"# Title {XSS}\n\nBefore. The answer is {XSS} indeed. After.\n"
    passage = f"Before. The answer is {XSS} indeed. After."
    start = doc.index(passage)
    citation = {"id": "evil.md#p1", "source": f"corpus/{XSS}.md", "section": f"Title {XSS}", "text": passage,
                "start": start, "end": start + len(passage), "score": 0.9}
    answer = {"question": XSS, "answered": True, "answer": f"The answer is {XSS} indeed.", "confidence": 0.9,
              "citations": [citation], "suggestions": []}
    abstain = {"question": "q", "answered": False, "answer": f"No {XSS}", "confidence": 0.1,
               "citations": [], "suggestions": [XSS]}
    replies = iter([answer, abstain])
    page.route("**/api/ask", lambda route: route.fulfill(json=next(replies)))
    page.route("**/api/documents/**", lambda route: route.fulfill(
        json={"id": "evil.md", "title": f"Evil {XSS}", "source": f"corpus/{XSS}.md", "text": doc}))

    ask(page, "anything")
    reply = last_reply(page)
    expect(reply.locator(".answer")).to_contain_text(answer["answer"])
    expect(reply.locator(".source")).to_contain_text(citation["section"])
    reply.locator(".cite").click()
    expect(page.locator("#panel-title")).to_have_text(f"Evil {XSS}")
    expect(page.locator("#panel mark.passage")).to_have_text(passage)
    expect(page.locator("#panel mark.answer")).to_have_text(answer["answer"])
    page.keyboard.press("Escape")
    expect(reply.locator(".cite")).to_be_focused()  # the panel has closed and given the focus back

    ask(page, "anything else")
    expect(last_reply(page).locator(".chip")).to_have_text([XSS])
    assert page.locator("img").count() == 0
    page.wait_for_timeout(300)
    assert watch.dialogs == [] and watch.errors == []


def test_errors_are_readable_and_keep_the_question(open_chat):
    page, watch = open_chat()
    page.route("**/api/ask", lambda route: route.fulfill(status=422, json={"detail": [
        {"type": "string_too_long", "loc": ["body", "question"], "msg": "String should have at most 500 characters"}]}))
    ask(page, "a question the server refuses")
    reply = last_reply(page)
    expect(reply).to_have_class(re.compile(r"\berror\b"))
    expect(reply).to_contain_text("String should have at most 500 characters")
    expect(page.locator("#question")).to_have_value("a question the server refuses")

    page.unroute("**/api/ask")
    page.route("**/api/ask", lambda route: route.abort())
    ask(page, "and the network is down")
    expect(last_reply(page)).to_contain_text("Can't reach the qa server")
    expect(page.locator("#question")).to_have_value("and the network is down")

    page.unroute("**/api/ask")
    page.route("**/api/ask", lambda route: route.fulfill(status=422, json={"detail": "The question is empty."}))
    ask(page, "x")
    expect(last_reply(page)).to_contain_text("The question is empty.")
    shot(page, "desktop-errors")
    assert watch.dialogs == []


def test_a_question_too_long_or_of_nothing_visible_is_said_or_ignored_not_sent(open_chat):
    """Over the limit: said in the chat, the question kept whole in the box (once, it was cut at 500
    UTF-16 units without a word). Only zero-width characters: nothing to ask, nothing sent."""
    page, watch = open_chat()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if r.url.endswith("/api/ask") else None)
    long = "why " * 150 + "😀" * 20  # 620 code points
    page.locator("#question").fill(long)
    page.locator("#question").press("Enter")
    expect(last_reply(page)).to_contain_text("620 characters long; the limit is 500")
    expect(page.locator("#question")).to_have_value(long)
    page.locator("#question").fill("\u200b\u200b")
    page.locator("#question").press("Enter")
    page.wait_for_timeout(300)
    assert asked == [] and watch.errors == []


def test_a_server_that_never_answers_is_reported_and_the_question_kept(open_chat):
    """The spinner does not stay forever: after ASK_TIMEOUT_MS (30 s, fast-forwarded here) the chat
    says so and keeps the question; a question sent while waiting is announced, not dropped."""
    page, watch = open_chat()
    held: list = []
    page.route("**/api/ask", lambda route: held.append(route))  # never answered
    page.clock.install()
    page.locator("#question").fill("is anyone there?")
    page.locator("#question").press("Enter")
    expect(page.locator("#log .thinking")).to_have_count(1)
    page.locator("#question").fill("and now?")
    page.locator("#question").press("Enter")
    expect(page.locator("#announce")).to_have_text("Still waiting for the answer to the last question.")
    page.clock.fast_forward(31_000)
    expect(last_reply(page)).to_contain_text("did not answer within 30 seconds")
    expect(page.locator("#log .thinking")).to_have_count(0)
    expect(page.locator("#question")).to_have_value("and now?")  # what was typed since is not overwritten
    assert watch.errors == []


def test_a_double_enter_in_the_comment_box_sends_one_vote(open_chat):
    page, watch = open_chat()
    ask(page, "what is inference?")
    reply = last_reply(page)
    held: list = []  # the vote's request is held until both presses are in: the first is still in flight
    page.route("**/api/feedback", lambda route: held.append(route))
    reply.locator(".vote-down").click()
    box = reply.locator("textarea.comment")
    box.fill("too vague")
    box.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    assert len(held) == 1, len(held)
    held[0].continue_()
    expect(reply.locator(".feedback-status")).to_have_text("Thanks for the feedback.")
    assert watch.errors == []


def test_the_source_panel_can_be_scrolled_from_the_keyboard(open_chat):
    page, _ = open_chat()
    ask(page, "what is inference?")
    last_reply(page).locator(".answer .cite").click()
    expect(page.locator("#panel-title")).not_to_have_text("Loading source…")
    assert page.locator("#panel-body").get_attribute("tabindex") == "0"  # reachable with Tab, so PageDown scrolls it


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_contrast_meets_wcag_aa(open_chat, scheme):
    page, watch = open_chat(color_scheme=scheme)
    ask(page, "what is inference?")
    page.locator("#log .cite").last.click()
    expect(page.locator("#panel mark.answer")).to_be_visible()
    shot(page, f"desktop-{scheme}")
    page.keyboard.press("Escape")
    expect(page.locator("#log .cite").last).to_be_focused()  # the panel has closed and given the focus back
    page.route("**/api/ask", lambda route: route.fulfill(status=422, json={"detail": "Refused."}))
    ask(page, "refused")
    page.locator("#log .cite").last.click()
    expect(page.locator("#panel mark.answer")).to_be_visible()
    ratios = page.evaluate(CONTRAST_JS, TEXT_SELECTORS)
    missing = [s for s, r in ratios.items() if r is None]
    low = {s: round(r, 2) for s, r in ratios.items() if r is not None and r < 4.5}
    assert not missing and not low, f"missing: {missing}; below 4.5:1: {low}"


def test_thinking_state_and_new_chat_while_waiting(open_chat):
    page, watch = open_chat()
    held = []
    page.route("**/api/ask", lambda route: held.append(route))
    page.locator("#question").fill("what is inference?")
    page.keyboard.press("Enter")
    thinking = page.locator("#log .thinking")
    expect(thinking).to_be_visible()
    expect(thinking).to_contain_text("Searching the documents")
    expect(page.locator("#log")).to_have_attribute("aria-busy", "true")
    page.locator("#question").fill("a second question")
    page.keyboard.press("Enter")  # ignored while the first is in flight
    expect(page.locator("#log .msg-user")).to_have_count(1)
    expect(page.locator("#question")).to_have_value("a second question")
    shot(page, "desktop-thinking")
    held[0].continue_()
    expect(last_reply(page).locator(".cite")).to_have_text("[1]")
    expect(page.locator("#log")).to_have_attribute("aria-busy", "false")

    # New chat while a question is in flight drops it.
    page.keyboard.press("Enter")
    expect(thinking).to_be_visible()
    page.locator("#new-chat").click()
    expect(page.locator("#log .msg-user")).to_have_count(0)
    expect(thinking).to_have_count(0)
    held[1].continue_()
    page.wait_for_timeout(500)
    expect(page.locator("#log .msg")).to_have_count(1)  # just the welcome
    expect(page.locator("#question")).to_be_focused()


def post_status(url: str, body: dict) -> int:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_follow_ups_send_the_conversation(open_chat):
    page, watch = open_chat()
    with page.expect_request("**/api/ask") as first:
        ask(page, "how many rounds has baseten raised lately?")
    assert first.value.post_data_json == {"question": "how many rounds has baseten raised lately?", "history": []}
    answer = last_reply(page).locator(".answer").text_content()
    with page.expect_request("**/api/ask") as second:
        ask(page, "over how long?")
    history = second.value.post_data_json["history"]
    assert [t["question"] for t in history] == ["how many rounds has baseten raised lately?"]
    assert answer.startswith(history[0]["answer"])  # the answer given (the marker "[1]" follows it on the page)
    for q in ["a", "b", "c", "d"]:
        ask(page, q)
    with page.expect_request("**/api/ask") as later:
        ask(page, "e")
    assert [t["question"] for t in later.value.post_data_json["history"]] == ["over how long?", "a", "b", "c", "d"][-4:]

    page.locator("#new-chat").click()  # a new chat forgets the conversation
    with page.expect_request("**/api/ask") as fresh:
        ask(page, "over how long?")
    assert fresh.value.post_data_json["history"] == []
    assert watch.errors == []


def test_votes_on_an_answer(open_chat, server):
    if post_status(server + "/api/feedback", {}) in (404, 405):
        pytest.skip("POST /api/feedback is not wired into the server yet")
    page, watch = open_chat()
    result = ask(page, "what is inference?")
    reply = last_reply(page)
    up, down = reply.locator(".vote-up"), reply.locator(".vote-down")
    expect(reply.get_by_role("group", name="Feedback on this answer")).to_have_count(1)
    expect(up).to_have_attribute("aria-pressed", "false")
    expect(up).to_have_accessible_name("Helpful")
    expect(down).to_have_accessible_name("Not helpful")
    with page.expect_response("**/api/feedback") as sent:
        up.click()
    assert sent.value.status == 201
    assert sent.value.request.post_data_json == {"question": result["question"], "answer": result["answer"], "vote": "up"}
    expect(up).to_have_attribute("aria-pressed", "true")
    expect(down).to_have_attribute("aria-pressed", "false")
    expect(reply.locator(".feedback-status")).to_have_text("Thanks for the feedback.")
    down.click(force=True)  # the vote is in (aria-disabled): nothing more is sent
    expect(down).to_have_attribute("aria-pressed", "false")

    # A down vote asks what was wrong; Escape cancels, Enter sends (with the keyboard alone).
    ask(page, "who co-leads the round?")
    reply = last_reply(page)
    reply.locator(".vote-down").focus()
    page.keyboard.press("Enter")
    box = reply.locator("textarea.comment")
    expect(box).to_be_focused()
    expect(reply.locator(".vote-down")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_label("What was wrong? (optional)")).to_have_count(1)
    page.keyboard.press("Escape")
    expect(box).to_have_count(0)
    expect(reply.locator(".vote-down")).to_be_focused()
    expect(reply.locator(".vote-down")).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("Enter")
    page.keyboard.type(f"It should name the amounts {XSS}")
    with page.expect_response("**/api/feedback") as sent:
        page.keyboard.press("Enter")
    assert sent.value.status == 201
    body = sent.value.request.post_data_json
    assert body["vote"] == "down" and body["comment"] == f"It should name the amounts {XSS}"
    expect(reply.locator("textarea.comment")).to_have_count(0)
    expect(reply.locator(".feedback-status")).to_have_text("Thanks for the feedback.")
    shot(page, "desktop-feedback")
    assert page.locator("img").count() == 0
    assert watch.errors == [] and watch.dialogs == []


def test_a_vote_that_cannot_be_sent_says_so_and_can_be_retried(open_chat):
    page, watch = open_chat()
    ask(page, "what is inference?")
    page.route("**/api/feedback", lambda route: route.fulfill(status=503, json={"detail": "Try again later."}))
    reply = last_reply(page)
    reply.locator(".vote-up").click()
    expect(reply.locator(".feedback-status")).to_have_text("Couldn't send the feedback: Try again later.")
    expect(reply.locator(".vote-up")).to_have_attribute("aria-disabled", "false")
    page.unroute("**/api/feedback")
    page.route("**/api/feedback", lambda route: route.fulfill(status=201, json={"id": 1}))
    reply.locator(".vote-up").click()
    expect(reply.locator(".feedback-status")).to_have_text("Thanks for the feedback.")
    assert [e for e in watch.errors if "503" not in e] == []  # the browser logs the failed request itself


# ---- characters outside the BMP, and documents that change under a running server ----------------

ZEPHYR = "# Zephyr " + "😀" * 10 + "\n\n🚀🚀🚀 Zephyr was founded by Alice Hu in 2020.\n"
ZEPHYR_CHANGED = ("# Zephyr " + "😀" * 10 + "\n\n" + "🌍" * 5 + " Zephyr makes weather balloons for 🎈 schools all over "
                  "the northern hemisphere.\n\n## Founding 🏛️\n\n🚀🚀🚀 Zephyr was founded by Alice Hu in 2020.\n")


KITE_SETUP = ("# Kite setup\n\n## Installing the kite tool\n\nTo install the kite tool on Debian, run these commands:"
              "\n\n```sh\nsudo apt-get update\nsudo apt-get install kite-tool\n```\n")


@pytest.fixture(scope="module")
def emoji_server(tmp_path_factory):
    """`qa serve` on a corpus of the usual document plus zephyr.md (emoji before its passages), watching
    its index folder often; yields (base URL, corpus folder, tmp folder)."""
    tmp = tmp_path_factory.mktemp("emoji-server")
    corpus = tmp / "corpus"
    corpus.mkdir()
    shutil.copy(ROOT / "corpus" / "baseten-funding.md", corpus)
    (corpus / "zephyr.md").write_text(ZEPHYR, encoding="utf-8")
    (corpus / "kite-setup.md").write_text(KITE_SETUP, encoding="utf-8")
    (corpus / "widget-manual.pdf").write_bytes(manual())  # two pages: the source panel names the page
    # FAQ entries whose own ids look like paths or anchors: the panel must still find their document
    (corpus / "faq.jsonl").write_text(
        '{"id": "refund#1", "question": "Can I return a Zephyr kite for a refund?", '
        '"answer": "Zephyr kites can be returned for a full refund within 30 days."}\n'
        '{"id": "../../etc", "question": "What colour are Zephyr kites?", "answer": "Zephyr kites are bright orange."}\n',
        encoding="utf-8")
    with serving(tmp, QA_CORPUS=str(corpus), QA_WATCH_INTERVAL="0.2") as base:
        yield base, corpus, tmp


@pytest.fixture
def open_emoji_chat(browser, emoji_server):
    yield from chat_opener(browser, emoji_server[0])


def open_first_citation(page, result):
    """Clicks [1] of the last reply; returns the highlighted passage once the panel shows it."""
    last_reply(page).locator(".answer .cite").click()
    expect(page.locator("#panel-title")).not_to_have_text("Loading source…")
    return page.locator("#panel mark.passage")


def assert_highlights(page, result) -> None:
    passage = open_first_citation(page, result)
    expect(passage).to_have_count(1)
    citation = result["citations"][0]
    assert passage.text_content() == citation["text"]
    expect(passage.locator("mark.answer")).to_have_text(result["answer"])
    # And it sits where the API says: the page text before it is the document's first `start` code points.
    doc = document_of(page, citation["id"])
    before = page.evaluate("""() => {
      const body = document.querySelector('#panel-body .doc'), mark = body.querySelector('mark.passage');
      const range = document.createRange();
      range.setStart(body, 0);
      range.setEndBefore(mark);
      return range.toString();
    }""")
    assert before == doc["text"][:citation["start"]]


def document_of(page, citation_id: str) -> dict:
    """GET /api/documents/{id} from the page's server."""
    return get_json(page.url.rstrip("/") + "/api/documents/" + urllib.parse.quote(citation_id))


def test_emoji_before_the_passage_keep_the_highlight_in_place(open_emoji_chat):
    """The API's offsets count code points; an emoji is two UTF-16 units in the page."""
    page, watch = open_emoji_chat()
    result = ask(page, "who founded Zephyr?")
    assert result["answered"], result
    citation = result["citations"][0]
    assert citation["id"].startswith("zephyr.md#")
    assert "Alice Hu" in result["answer"]
    assert_highlights(page, result)
    shot(page, "desktop-emoji-source")
    assert watch.errors == []


def test_a_pdf_citation_names_its_page_in_the_source_panel(open_emoji_chat):
    page, watch = open_emoji_chat()
    result = ask(page, "which parts does the widget have?")
    assert result["answered"] and result["citations"][0]["source"].endswith("widget-manual.pdf"), result
    doc = document_of(page, result["citations"][0]["id"])
    assert len(doc["pages"]) == 2 and doc["pages"][1] <= result["citations"][0]["start"]  # it is on page 2
    assert_highlights(page, result)
    expect(page.locator("#panel-sub")).to_contain_text("widget-manual.pdf · page 2")
    assert watch.errors == []


@pytest.mark.parametrize("question, cited", [("can i return my zephyr kite for a refund?", "refund#1"),
                                              ("what colour is a zephyr kite?", "../../etc")])
def test_faq_ids_with_anchors_or_slashes_open_their_own_document(open_emoji_chat, question, cited):
    page, watch = open_emoji_chat()
    result = ask(page, question)
    assert result["answered"] and result["citations"][0]["id"] == cited, result
    assert_highlights(page, result)
    assert watch.errors == []


def test_code_in_an_answer_keeps_its_lines(open_emoji_chat):
    """A command an answer's sentence introduces is shown as code, line by line: copied, it runs."""
    page, watch = open_emoji_chat()
    result = ask(page, "how do i install the kite tool on debian?")
    assert result["answered"] and "sudo apt-get install kite-tool" in result["answer"], result
    code = last_reply(page).locator(".answer pre.answer-code")
    expect(code).to_have_count(1)
    assert code.inner_text() == "sudo apt-get update\nsudo apt-get install kite-tool"
    expect(last_reply(page).locator(".answer")).to_contain_text("run these commands:")
    assert "```" not in last_reply(page).locator(".answer").inner_text()
    assert watch.errors == []


def test_history_and_feedback_are_cut_on_whole_characters(open_chat):
    """An astral character straddling the 1000-character cut of the answer sent back as history (and the
    500/2000 cuts of a voted question and answer) is kept whole or left out, never halved."""
    page, watch = open_chat()
    question = "q" * 499 + "😀" + "tail"
    answer = "c" * 999 + "😀" + "d" * 1000 + "😀" + "end"  # code points 1000 and 2001 are astral
    citation = {"id": "baseten-funding.md#p1", "source": "corpus/baseten-funding.md", "section": "S", "text": answer,
                "start": 0, "end": len(answer), "score": 0.9}
    stub = {"question": question, "answered": True, "answer": answer, "confidence": 0.9,
            "citations": [citation], "suggestions": []}
    page.route("**/api/ask", lambda route: route.fulfill(json=stub))
    ask(page, "anything")
    page.unroute("**/api/ask")

    with page.expect_request("**/api/ask") as asked:
        result = ask(page, "what is inference?")
    sent = asked.value.post_data_json["history"][0]
    assert sent == {"question": question[:500], "answer": answer[:1000]}  # Python slices: whole code points
    assert sent["answer"].endswith("c😀")
    assert result and result["answered"], result  # not a 422 "is not valid Unicode text"
    expect(last_reply(page)).not_to_have_class(re.compile(r"\berror\b"))
    with page.expect_request("**/api/ask") as later:
        result = ask(page, "who co-leads the round?")
    assert result and result["answered"], result
    assert later.value.post_data_json["history"][0]["answer"] == answer[:1000]

    first = page.locator("#log .msg-bot:not(.welcome)").first
    with page.expect_response("**/api/feedback") as voted:
        first.locator(".vote-up").click()
    body = voted.value.request.post_data_json
    assert body["question"] == question[:500] and body["answer"] == answer[:2000]
    assert voted.value.status == 201, voted.value.text()
    expect(first.locator(".feedback-status")).to_have_text("Thanks for the feedback.")
    assert watch.errors == []


def test_clip_counts_code_points(open_chat):
    page, watch = open_chat()
    # The page's own cut, reached through what it sends: a stubbed answer of emoji only.
    answer = "😀" * 1500
    stub = {"question": "q", "answered": True, "answer": answer, "confidence": 0.9, "suggestions": [],
            "citations": [{"id": "x.md#p1", "source": "x.md", "section": "S", "text": answer, "start": 0,
                           "end": 1500, "score": 0.9}]}
    page.route("**/api/ask", lambda route: route.fulfill(json=stub))
    ask(page, "anything")
    with page.expect_request("**/api/ask") as asked:
        ask(page, "again")
    assert asked.value.post_data_json["history"][0]["answer"] == "😀" * 1000  # 1000 characters, 2000 UTF-16 units


def zephyr_cached_then_rebuilt(open_emoji_chat, emoji_server, change):
    """A chat that has opened a citation of zephyr.md (so it caches the document), then zephyr.md
    rewritten by change(text) and the server switched to the new build: (page, watch, first answer)."""
    base, corpus, tmp = emoji_server
    page, watch = open_emoji_chat()
    result = ask(page, "who founded Zephyr?")
    assert result["answered"], result
    assert_highlights(page, result)  # zephyr.md is now cached
    page.keyboard.press("Escape")
    build = get_json(base + "/api/health")["build"]
    path = corpus / "zephyr.md"
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    reindex(tmp, corpus)
    wait_for_build(base, build)
    return page, watch, result


def test_a_document_changed_in_a_new_build_is_loaded_again(open_emoji_chat, emoji_server):
    """The chat caches documents; after the server switches to a build where the document changed,
    a new citation is highlighted in the new text, not at its offsets in the old one."""
    page, watch, _ = zephyr_cached_then_rebuilt(open_emoji_chat, emoji_server, lambda text: ZEPHYR_CHANGED)
    with page.expect_response("**/api/documents/**") as reloaded:
        result = ask(page, "who founded Zephyr?")
        assert result["answered"] and "Alice Hu" in result["answer"], result
        old_start = ZEPHYR.index("🚀")
        assert result["citations"][0]["start"] > old_start  # the passage moved
        assert_highlights(page, result)
    assert reloaded.value.ok
    expect(page.locator("#panel-body")).to_contain_text("weather balloons")  # the new text around it
    assert watch.errors == []


def test_a_new_build_drops_cached_documents_even_where_the_passage_did_not_move(open_emoji_chat, emoji_server):
    """Text added after the cited passage leaves its offsets valid in the cached copy; an answer
    from the new build (header X-QA-Build) still makes the chat load the document again."""
    page, watch, result = zephyr_cached_then_rebuilt(
        open_emoji_chat, emoji_server, lambda text: text + "\n## Later\n\nZephyr balloons now carry ozone sensors.\n")
    again = ask(page, "who founded Zephyr?")
    assert again["citations"][0]["start"] == result["citations"][0]["start"]  # the passage did not move
    with page.expect_response("**/api/documents/**") as reloaded:
        assert_highlights(page, again)
    assert reloaded.value.ok
    expect(page.locator("#panel-body")).to_contain_text("ozone sensors")
    assert watch.errors == []


def reindex(tmp: Path, corpus: Path) -> None:
    done = subprocess.run(qa_command() + ["index"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env=qa_env(tmp, QA_CORPUS=str(corpus), QA_INDEX=str(tmp / "index")))
    assert done.returncode == 0, done.stdout + done.stderr


def wait_for_build(base: str, build: str) -> None:
    """Waits until the server (its index watcher) has switched from `build` to another one."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if get_json(base + "/api/health")["build"] != build:
            return
        time.sleep(0.2)
    pytest.fail(f"the server still serves build {build}")


def test_a_passage_not_at_its_offsets_is_fetched_once_more_then_found_or_shown_alone(open_chat):
    """When even a fresh copy of the document does not hold the passage at the citation's offsets (a
    server mid-switch), the passage is highlighted where it occurs nearest, or shown on its own with a note."""
    page, watch = open_chat()
    passage = "🚀 The answer is here. More."
    citation = {"id": "moved.md#p1", "source": "corpus/moved.md", "section": "S", "text": passage,
                "start": 3, "end": 3 + len(passage), "score": 0.9}
    stub = {"question": "q", "answered": True, "answer": "The answer is here.", "confidence": 0.9,
            "citations": [citation], "suggestions": []}
    texts = iter(["😀 x\n\nold text, no passage at all, long enough.\n",  # the first load
                  f"😀 x\n\nintro 🎈\n\n{passage} {passage}\n",  # the reload: moved, twice
                  "nothing here\n"])
    loads = 0

    def serve_document(route):
        nonlocal loads
        loads += 1
        route.fulfill(json={"id": "moved.md", "title": "Moved", "source": "corpus/moved.md", "text": next(texts)})

    page.route("**/api/ask", lambda route: route.fulfill(json=stub))
    page.route("**/api/documents/**", serve_document)
    ask(page, "q")
    last_reply(page).locator(".cite").click()
    mark = page.locator("#panel mark.passage")
    expect(mark).to_have_text(passage)
    expect(mark.locator("mark.answer")).to_have_text("The answer is here.")
    assert loads == 2  # loaded again, once
    before = page.evaluate("""() => {
      const body = document.querySelector('#panel-body .doc'), range = document.createRange();
      range.setStart(body, 0);
      range.setEndBefore(body.querySelector('mark.passage'));
      return range.toString();
    }""")
    assert before == "😀 x\n\nintro 🎈\n\n"  # the first occurrence: the one nearest the offsets
    page.keyboard.press("Escape")

    citation2 = {**citation, "start": 0, "end": len(passage)}
    page.unroute("**/api/ask")
    page.route("**/api/ask", lambda route: route.fulfill(json={**stub, "citations": [citation2]}))
    ask(page, "q")
    last_reply(page).locator(".cite").click()
    expect(page.locator("#panel-body .panel-error")).to_contain_text("The document has changed")
    expect(page.locator("#panel mark.passage")).to_have_text(passage)
    assert loads == 3
    assert watch.errors == []
