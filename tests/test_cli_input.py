"""Bad and hostile input to the `qa` command: one clear line on stderr, never a traceback; a bad
line of a batch or a chat is reported and the rest goes on; nothing from the documents or the
query log can send escape sequences to the terminal. The fake embedder keeps these fast."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from qa import build, render
from qa.cli import app
from qa.engine import clean_question
from qa.errors import QuestionError
from qa.store import Store

runner = CliRunner()
OSC = "\x1b]0;pwned\x07"  # sets the terminal's title
DOC = ("# Guide\n\n## Billing\n\nInvoices are sent monthly. Pay by card" + OSC + " or by transfer.\n\n"
       "## How do I reset my password?\n\nUse the reset link\x1b]52;c;Y2xpcA==\x07 on the login page.\n")
TERMINAL_CONTROLS = [chr(c) for c in range(0x20) if chr(c) not in "\n"] + [chr(c) for c in range(0x7f, 0xa0)]


@pytest.fixture
def qa(monkeypatch, write_corpus, fake_model, fake_embedder, tmp_path):
    """Run `qa ARGS` (in process) on a small corpus with the fake embedder: (exit code, stdout, stderr)."""
    corpus = write_corpus({"guide.md": DOC})
    monkeypatch.setattr(build, "build_model", lambda settings: fake_embedder)
    monkeypatch.setattr(build, "query_model", lambda settings, *a, **k: fake_embedder)
    env = {"QA_CORPUS": str(corpus), "QA_INDEX": str(tmp_path / "index"), "QA_MODEL": str(fake_model),
           "QA_QUERY_RUNTIME": "sentence-transformers", "QA_DATA": str(tmp_path / "data")}

    def run(*args: str, input: bytes | str | None = None):
        result = runner.invoke(app, list(args), input=input, env=env)
        assert "Traceback" not in result.stdout + result.stderr
        return result.exit_code, result.stdout, result.stderr

    return run


def problems(err: str) -> list[str]:
    """The error lines of stderr (not the index build's progress)."""
    return [line for line in err.splitlines() if line.startswith("qa: ")]


def no_controls(text: str) -> bool:
    return not any(c in text for c in TERMINAL_CONTROLS)


# --- clean_question: shared by the CLI, `qa eval` and the API ---

@pytest.mark.parametrize("question", ["bad \udcff", "\ud800", "who co-leads \udcff\udcfe the round?"])
def test_lone_surrogates_are_not_utf8_text(question):
    with pytest.raises(QuestionError, match="not valid UTF-8 text"):
        clean_question(question)


@pytest.mark.parametrize("question", ["\u200b", "\ufeff", "\u200c", "\u200d", "\u2060", "\u200b \ufeff\u2060",
                                      "\u00ad", " \u202e\u202c "])
def test_invisible_questions_are_empty(question):
    with pytest.raises(QuestionError, match="The question is empty"):
        clean_question(question)


@pytest.mark.parametrize("raw, clean", [
    ("\ufeffwhat is inference?", "what is inference?"),  # a BOM at the start of a piped file
    ("what\u200b is\u2060 infer\u00adence?", "what is inference?"),
    ("\u202ewhat is inference?\u202c", "what is inference?"),
    ("日本語の質問は？", "日本語の質問は？"),
    ("🤖", "🤖"),
    ("who co-leads 👩\u200d👩\u200d👧 the round?", "who co-leads 👩\u200d👩\u200d👧 the round?"),  # joiners kept
    ("می\u200cخواهم", "می\u200cخواهم"),  # Persian non-joiner kept
    ("\U0001fae8?", "\U0001fae8?"),  # an emoji newer than this Python's Unicode tables
    ("whát ís ínférence?", "whát ís ínférence?"),  # combining accents on letters
    ("1+1", "1+1"), ("$", "$"), ("?!", "?!"),  # punctuation is visible: asked (and declined)
    ("\u0301\u0301", "\u0301\u0301"),  # marks show (on a dotted circle): the API's schema accepts them too
])
def test_real_text_is_kept(raw, clean):
    assert clean_question(raw) == clean


# --- qa ask ---

def test_ask_argument_not_utf8_is_one_line(qa):
    code, out, err = qa("ask", "bad \udcff")  # what Python makes of the argument b"bad \xff"
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "not valid UTF-8 text" in err


@pytest.mark.parametrize("question", ["\u200b", "\ufeff", "\u200c\u200d", "\u2060"])
def test_ask_invisible_question_is_empty(qa, question):
    code, out, err = qa("ask", "--json", question)
    assert code == 1 and out == "" and "The question is empty" in err and err.count("\n") == 1


def test_stdin_bad_lines_are_reported_and_the_rest_answered(qa):
    stdin = (b"what is billing?\n\xff\xfe bad\n\n" + b"b" * 600 + b"\n\xe2\x80\x8b\n"
             b"how do I reset my password?\n")
    code, out, err = qa("ask", "--json", input=stdin)
    assert code == 1  # some lines were skipped: said at the end by the exit code
    answers = [json.loads(line) for line in out.splitlines()]  # one object per answered line, nothing else
    assert [a["question"] for a in answers] == ["what is billing?", "how do I reset my password?"]
    lines = problems(err)
    assert len(lines) == 3, err
    assert lines[0].startswith("qa: stdin line 2: ") and "not valid UTF-8 text" in lines[0]
    assert lines[1].startswith("qa: stdin line 4: ") and "600 characters long" in lines[1]
    assert lines[2].startswith("qa: stdin line 5: ") and "question is empty" in lines[2]


def test_stdin_all_good_exits_0(qa):
    code, out, err = qa("ask", input="how do I pay by card?\n\nhow do I reset my password?\n")
    assert code == 0 and out.count("[1]") == 2


def test_stdin_unknown_document_fails_once(qa):
    code, out, err = qa("ask", "--doc", "nope.md", input="what is billing?\nhow do I pay?\n")
    assert code == 1 and out == "" and len(problems(err)) == 1 and "No document 'nope.md'" in err


def test_doc_takes_the_path_that_source_shows_as_well_as_the_id(qa, tmp_path, monkeypatch):
    import json

    code, out, _ = qa("ask", "--json", "--doc", "guide.md", "how do I pay by card?")
    assert code == 0
    source = json.loads(out)["citations"][0]["source"]  # absolute here: the corpus is not below the cwd
    assert source.endswith("guide.md") and source != "guide.md"
    code, out2, err = qa("ask", "--json", "--doc", source, "how do I pay by card?")
    assert code == 0, err
    assert json.loads(out2) == json.loads(out)
    monkeypatch.chdir(tmp_path)  # and relative to the working directory
    code, out3, err = qa("ask", "--json", "--doc", "corpus/guide.md", "how do I pay by card?")
    assert code == 0, err
    assert json.loads(out3)["citations"][0]["id"].startswith("guide.md")


def test_ask_prints_no_escape_sequences_from_the_documents(qa):
    for question in ("how do I pay by card?", "how do I reset my password?"):
        code, out, err = qa("ask", "--top-k", "2", question)
        assert code == 0 and "[1]" in out
        assert no_controls(out) and "pwned" not in out and "Y2xpcA" not in out
    code, out, _ = qa("ask", "--json", "how do I pay by card?")  # JSON keeps the text, escaped
    assert code == 0 and "\x1b" not in out and any(OSC in c["text"] for c in json.loads(out)["citations"])


# --- qa chat ---

def test_chat_reports_a_bad_line_and_goes_on(qa):
    stdin = b"how do I pay by card?\n\xff\xfe bad\n/new extra\n/new\n/bogus\nhow do I reset my password?\n"
    code, out, err = qa("chat", input=stdin)
    assert code == 0
    assert out.count("[1]") == 2 and "New conversation." in out  # both questions answered, /new done
    lines = problems(err)
    assert len(lines) == 3, err
    assert "not valid UTF-8 text" in lines[0]
    assert lines[1] == "qa: unknown command /new extra (/new takes nothing after it); /new starts over, /quit leaves."
    assert lines[2].startswith("qa: unknown command /bogus;")


def test_chat_asks_a_question_that_starts_with_a_slash(qa):
    code, out, err = qa("chat", input="/billing is what?\n")
    assert code == 0 and "unknown command" not in err and out.strip()


# --- qa report ---

def test_report_prints_no_escape_sequences_from_the_log(qa, tmp_path):
    with Store(tmp_path / "data") as store:
        store.log_query("what is the refund\x1b]0;pwned\x07 policy?", False, 0.1, [], 3.0)
        store.add_feedback("how do I pay?", "Pay by card.", "down", comment="wrong" + OSC + "\x9b2J\r\x08 answer")
    code, out, err = qa("report")
    assert code == 0, err
    assert "what is the refund policy?" in out and "“wrong answer”" in out
    assert no_controls(out)  # in the alternates entry the question is JSON-quoted: "\u001b]0;pwned\u0007"


def test_report_data_folder_that_is_a_file(qa, tmp_path):
    (tmp_path / "afile").write_text("x")
    code, out, err = qa("report", "--data", str(tmp_path / "afile"))
    assert code == 1 and err.count("\n") == 1 and "is a file, not a folder" in err


# --- qa index ---

def test_index_counts_are_singular_for_one(qa):
    assert qa("index")[0] == 0
    code, out, _ = qa("index")
    assert code == 0 and "up to date: 1 document, " in out


# --- render.safe ---

@pytest.mark.parametrize("raw, shown", [
    ("a" + OSC + "b", "ab"),
    ("a\x1b]8;;https://x.example\x1b\\link\x1b]8;;\x1b\\b", "alinkb"),  # OSC 8 hyperlink, ST-terminated
    ("x\x1b[31mred\x1b[0m", "xred"),
    ("c\x9b2Jd", "cd"), ("e\x9d0;t\x9cf", "ef"),  # 8-bit CSI and OSC
    ("\x1bPq#data\x1b\\z", "z"),  # DCS
    ("a\x1b]0;never ends\nnext", "a next"),  # an unterminated OSC stops at the line's end
    ("bell\x07back\x08cr\rdel\x7f", "bell back cr del "),
    ("\x1bc\x1b(Bplain", "plain"),
])
def test_safe_removes_escape_sequences_and_controls(raw, shown):
    assert render.safe(raw) == shown


def test_safe_keeps_the_layout_asked_for():
    assert render.safe("a\nb\tc\x1b]0;t\x07", keep="\n\t") == "a\nb\tc"
    assert render.safe("a\nb\tc") == "a b c"


def test_json_output_escapes_c1_controls_and_stays_the_same_json():
    from qa.render import safe_json

    raw = json.dumps({"text": "a\x9b31mb é ✓"}, ensure_ascii=False)
    out = safe_json(raw)
    assert "\x9b" not in out and "\\u009b" in out and "é ✓" in out
    assert json.loads(out) == json.loads(raw)


# --- streams, encodings, colour (the terminal review) ---

def test_stdin_batch_shows_each_question_before_its_answer(qa):
    code, out, _ = qa("ask", input="how do I pay by card?\nhow do I reset my password?\n")
    assert code == 0
    first, second = out.index("> how do I pay by card?\n"), out.index("> how do I reset my password?\n")
    assert first == 0 and "[1]" in out[first:second] and "\n\n> how do I reset" in out


def test_chat_ctrl_c_while_answering_returns_to_the_prompt_with_the_conversation(qa, monkeypatch):
    from qa.engine import Engine

    real, calls = Engine.ask, []

    def ask(self, question, *a, **kw):
        calls.append((question, kw.get("history")))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(self, question, *a, **kw)
    monkeypatch.setattr(Engine, "ask", ask)
    code, out, err = qa("chat", input="how do I pay by card?\nwhat about it?\nhow do I reset my password?\n")
    assert code == 0 and "(interrupted)" in err
    assert out.count("[1]") == 2  # the first and the third answered; the chat went on
    assert [q for q, _ in calls] == ["how do I pay by card?", "what about it?", "how do I reset my password?"]
    assert [t.question for t in calls[2][1]] == ["how do I pay by card?"]  # the history kept, the interrupted turn not in it


@pytest.mark.parametrize("env, tty, color", [({}, True, True), ({"NO_COLOR": "1"}, True, False),
                                             ({"TERM": "dumb"}, True, False), ({}, False, False)])
def test_colour_only_on_a_terminal_that_wants_it(monkeypatch, env, tty, color):
    from qa import cli

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setattr(cli.sys, "stdout", type("Out", (), {"isatty": lambda self: tty})())
    assert cli.use_color() is color


def test_eval_of_only_unanswerable_questions_says_n_a_and_reads_a_bom(qa, tmp_path):
    f = tmp_path / "un.jsonl"
    f.write_bytes(b"\xef\xbb\xbf" + json.dumps({"question": "what is the capital of peru?", "expected": None}).encode())
    code, out, err = qa("eval", str(f))
    assert code == 0, err
    assert "hit@1 (citations[0] has the expected text)  n/a" in out and "0.000" not in out.split("latency")[0]
    code, out, _ = qa("eval", "--json", str(f))
    r = json.loads(out)
    assert r["hit_at_1"] is r["answer_precision"] is r["mrr_at_5"] is None and r["unanswerable"] == 1


def test_eval_latency_leaves_out_the_first_loading(monkeypatch):
    import time

    from qa import evaluate
    from qa.schemas import AskResponse

    class Slow:
        calls = 0

        def ask(self, question, top_k=None):
            Slow.calls += 1
            if Slow.calls == 1:
                time.sleep(0.3)  # loading the query model
            return AskResponse(question=question, answered=False, answer="no", confidence=0.0, citations=[],
                               suggestions=[])
    report = evaluate.run(Slow(), [evaluate.Case("a?", None), evaluate.Case("b?", None)])
    assert report.latency_p95_ms < 100 and Slow.calls == 3


def test_ascii_json_is_the_same_json():
    text = json.dumps({"a": "’ é 😀 \u2028", "n": 1}, ensure_ascii=False)
    out = render.ascii_json(text)
    assert out.isascii() and json.loads(out) == json.loads(text) and "\\ud83d\\ude00" in out
