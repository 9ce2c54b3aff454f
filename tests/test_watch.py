"""`qa index --watch` (qa.watch): which changes count, updates after them, failures reported and
the watch going on, and the command end to end with the real model."""

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from qa.config import Settings
from qa.errors import CorpusError, QAError
from qa.watch import relevant, watch

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("rel,kind,counts", [
    ("faq.md", "file", True), ("sub/dir/guide.HTML", "file", True), ("manual.pdf", "file", True),
    ("faq.jsonl", "file", True), ("alternates.yaml", "file", True),
    ("sub/new-folder", "dir", True), ("release-1.2", "dir", True),  # a folder moved in, whatever its name
    ("gone.png", None, True), ("old-release-1.2", None, True),  # gone: it may have been a folder moved out
    ("faq.md.swp", "file", False), ("notes.adoc", "file", False), ("image.png", "file", False),
    (".hidden.md", "file", False), (".git/config.md", "file", False), ("sub/.cache/x.md", "file", False),
    ("qa-index/builds/meta.jsonl", "file", False), ("qa-index", "dir", False),  # the index folder inside the corpus
])
def test_only_changes_that_can_matter_to_qa_count(tmp_path, rel, kind, counts):
    corpus = tmp_path / "corpus"
    path = corpus / rel
    if kind == "dir":
        path.mkdir(parents=True)
    elif kind == "file":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    keep = relevant(Settings(corpus=corpus, index=corpus / "qa-index"))
    assert keep(None, str(corpus.resolve() / rel)) is counts
    assert keep(None, str(tmp_path.resolve() / "elsewhere.md")) is False


def watching(corpus: Path, update, calls: list, quiet_ms: int = 50):
    """watch() running in a thread, once it has made its first update (the catch-up, for what
    changed before it was set up): (thread, stop event, warnings)."""
    stop, warnings = threading.Event(), []
    thread = threading.Thread(target=watch, args=(Settings(corpus=corpus, index=corpus.parent / "index"), update,
                                                  warnings.append, stop, quiet_ms), daemon=True)
    thread.start()
    assert eventually(lambda: len(calls) == 1)
    return thread, stop, warnings


def eventually(condition, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return False


def one_page_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text("# A\n\nFirst.\n")
    return corpus


def test_a_batch_of_changes_is_one_update_and_a_failed_update_is_reported_then_the_watch_goes_on(tmp_path):
    corpus = one_page_corpus(tmp_path)
    calls = []

    def update():
        calls.append(sorted(p.name for p in corpus.iterdir()))
        if (corpus / "broken.md").exists():
            raise QAError("broken.md cannot be read.")

    thread, stop, warnings = watching(corpus, update, calls, quiet_ms=300)
    try:
        assert calls == [["a.md"]]
        for name in ("b.md", "c.md", "d.md"):  # written together: one batch
            (corpus / name).write_text(f"# {name}\n\nText.\n")
        assert eventually(lambda: len(calls) == 2)
        assert calls[1] == ["a.md", "b.md", "c.md", "d.md"]
        (corpus / "notes.swp").write_text("an editor's swap file")
        (corpus / ".draft.md").write_text("hidden")
        time.sleep(2.5)  # longer than the watcher's wake-ups, which update nothing
        assert len(calls) == 2  # nothing qa reads changed
        (corpus / "broken.md").write_text("x")
        assert eventually(lambda: len(warnings) == 1)
        assert warnings[0] == "broken.md cannot be read. The index in use is unchanged; still watching."
        (corpus / "broken.md").unlink()
        assert eventually(lambda: len(calls) == 4)  # still watching after the failure
        assert thread.is_alive()
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()


def test_the_watch_goes_on_through_an_odd_file_name_a_failed_read_and_a_corpus_folder_replaced(tmp_path):
    corpus = one_page_corpus(tmp_path)
    calls, fail = [], []

    def update():
        calls.append(sorted(p.name for p in corpus.iterdir()))
        if fail:
            raise FileNotFoundError(2, "No such file or directory", str(corpus / "gen" / "x"))

    thread, stop, warnings = watching(corpus, update, calls)
    try:
        # a name that is not UTF-8 (unzipped from an old archive): the watch is set up again and goes on
        with open(os.path.join(os.fsencode(corpus), b"caf\xe9.md"), "wb") as f:
            f.write(b"# Caf\xe9\n\nLatin-1.\n")
        assert eventually(lambda: len(calls) >= 2)
        (corpus / "b.md").write_text("# B\n\nSecond.\n")
        assert eventually(lambda: any("b.md" in c for c in calls))
        assert all(not w.startswith("the index was not updated") for w in warnings)
        fail.append(True)  # a folder deleted while the update read the corpus
        (corpus / "c.md").write_text("# C\n\nThird.\n")
        assert eventually(lambda: any(w.startswith("the index was not updated (No such file or directory: ")
                                      for w in warnings))
        fail.clear()
        n = len(calls)
        os.rename(corpus, tmp_path / "corpus.old")  # the folder replaced by another, restored from a copy
        shutil.copytree(tmp_path / "corpus.old", corpus)
        (tmp_path / "corpus.old" / "old.md").write_text("# Old\n\nNot watched any more.\n")
        assert eventually(lambda: len(calls) > n)  # the new folder is watched, and caught up with
        m = len(calls)
        (corpus / "d.md").write_text("# D\n\nFourth.\n")
        assert eventually(lambda: len(calls) > m and "d.md" in calls[-1])
        assert thread.is_alive()
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()


def test_a_note_an_update_gave_is_not_said_again_on_every_change(tmp_path, monkeypatch, fake_model):
    from conftest import FakeEmbedder

    import qa.build
    from qa.watch import keep_current

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text("# A\n\nFirst version.\n")
    (corpus / "logo.png").write_bytes(b"\x89PNG")
    monkeypatch.setattr(qa.build, "build_model", lambda settings: FakeEmbedder(fake_model))
    settings = Settings(corpus=corpus, index=tmp_path / "index", model=str(fake_model),
                        query_runtime="sentence-transformers")
    logs, notes, stop = [], [], threading.Event()
    thread = threading.Thread(target=keep_current, args=(settings, logs.append, notes.append, stop),
                              kwargs={"notes": notes.append}, daemon=True)
    thread.start()
    try:
        assert eventually(lambda: sum(line.startswith("Indexed ") for line in logs) == 1)
        for i in (2, 3):
            (corpus / "a.md").write_text(f"# A\n\nVersion {i}.\n")
            assert eventually(lambda: sum(line.startswith("Indexed ") for line in logs) == i)
    finally:
        stop.set()
        thread.join(10)
    assert [n for n in notes if n.startswith("note: ")] == [
        "note: 1 file of types qa does not read left out (.png 1); it reads .md, .markdown, .txt, .jsonl, .csv, "
        ".html, .htm, .rst, .rest, .pdf, .docx."]


def test_the_watch_ends_when_the_corpus_folder_is_gone(tmp_path):
    corpus = one_page_corpus(tmp_path)
    errors = []

    def run():
        try:
            watch(Settings(corpus=corpus, index=tmp_path / "index"), lambda: None, lambda line: None,
                  quiet_ms=50)
        except CorpusError as e:
            errors.append(str(e))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    time.sleep(1.5)  # set up, and past its first wake-up
    shutil.rmtree(corpus)
    thread.join(15)
    assert not thread.is_alive() and errors == [f"The corpus folder '{corpus}' is gone; stopped watching."]


def article_index(engine, tmp_path: Path) -> tuple[Path, Path]:
    """A corpus folder holding the article and a current index of it (the session's, copied: no
    build and no model export in the test)."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    shutil.copy(ROOT / "corpus" / "baseten-funding.md", corpus)
    shutil.copytree(engine.settings.index, index)
    return corpus, index


@pytest.mark.model
def test_qa_index_watch_updates_the_index_that_qa_ask_answers_from(tmp_path, engine):
    corpus, index = article_index(engine, tmp_path)
    env = {**os.environ, "QA_CORPUS": str(corpus), "QA_INDEX": str(index), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen([sys.executable, "-c", "from qa.cli import main; main()", "index", "--watch"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=env)
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True)
    reader.start()
    seen: list[str] = []

    def wait_for(text: str, timeout: float = 240) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r} in {seen}")

    try:
        wait_for("Watching ")
        time.sleep(1.5)  # its first update, once the watch is set up, finds the index current and says nothing
        (corpus / "hours.md").write_text("# Office hours\n\nThe Baseten office opens at nine in the morning "
                                         "on weekdays and stays open until six.\n")
        assert "(1 added, 1 unchanged;" in wait_for("Indexed 2 documents")
        ask = subprocess.run([sys.executable, "-c", "from qa.cli import main; main()", "ask", "--json",
                              "when does the office open?"], capture_output=True, text=True, cwd=tmp_path, env=env,
                             timeout=300)
        r = json.loads(ask.stdout)
        assert r["answered"] and r["citations"][0]["source"] == "corpus/hours.md"
        assert "Building" not in ask.stderr and "Updating" not in ask.stderr  # the index was current
        (corpus / "hours.md").unlink()
        assert "(1 removed, 1 unchanged;" in wait_for("Indexed 1 document")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
        reader.join(10)
        err = proc.stderr.read()
    rest = [lines.get() for _ in range(lines.qsize())]
    assert proc.returncode == 0 and rest[-1:] == ["Stopped watching.\n"] and "Traceback" not in err, (rest, err)


@pytest.mark.model
def test_ctrl_c_during_qa_index_is_one_line_and_exit_code_130(tmp_path):
    env = {**os.environ, "QA_CORPUS": str(ROOT / "corpus"), "QA_INDEX": str(tmp_path / "index"), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen([sys.executable, "-c", "from qa.cli import main; main()", "index"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=env)
    assert proc.stdout.readline().startswith("Updating the index: ")  # the build (loading the model) has begun
    time.sleep(1)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and out == ""
    assert err == "qa: interrupted; the index in use is the last one built whole.\n"


@pytest.mark.model
def test_qa_serve_watch_answers_from_a_page_added_while_it_runs(tmp_path, engine):
    from conftest import free_port

    corpus, index = article_index(engine, tmp_path)
    port = free_port()
    env = {**os.environ, "QA_CORPUS": str(corpus), "QA_INDEX": str(index), "QA_DATA": str(tmp_path / "d"),
           "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen([sys.executable, "-c", "from qa.cli import main; main()", "serve", "--port", str(port),
                             "--watch"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                            env=env)

    def ask(question: str) -> dict:
        import urllib.request

        req = urllib.request.Request(f"http://127.0.0.1:{port}/api/ask", data=json.dumps({"question": question}).encode(),
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return json.load(r)
        except OSError:  # not listening yet
            return {"answered": False}

    try:
        assert proc.stdout.readline().startswith("qa: ready in ")
        assert proc.stdout.readline().strip() == f"qa: watching {corpus} for changes"
        assert eventually(lambda: ask("what is inference?")["answered"], timeout=30)
        question = "when does the office in room 7 open?"
        (corpus / "hours.md").write_text("# Room 7\n\nThe office in room 7 opens at six in the morning on weekdays.\n")
        assert eventually(lambda: (r := ask(question))["answered"] and r["citations"][0]["source"].endswith("hours.md"),
                          timeout=60)
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and "Traceback" not in err, err
    assert "Updating the index: the corpus changed since the index was built." in err


def test_qa_index_watch_on_a_folder_that_does_not_exist_is_one_line(tmp_path):
    from typer.testing import CliRunner

    from qa.cli import app

    result = CliRunner().invoke(app, ["index", "--watch", "--corpus", str(tmp_path / "nope"),
                                      "--index", str(tmp_path / "i")])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == f"qa: Corpus folder '{tmp_path / 'nope'}' does not exist. Create it or pass --corpus DIR.\n"
