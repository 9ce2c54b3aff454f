"""Faults: a build killed at any point, a damaged index, a missing corpus or model, and an index
rebuilt under a running server.

The subprocesses run the real `qa` command (qa.cli.main: option parsing, qa.build, qa.index, the
server) with the embedding model replaced by the deterministic FakeEmbedder of conftest.py (see
LAUNCHER): no torch start-up, so a build of a few thousand units takes a few seconds, and the
kills land where the files are written rather than while a model loads.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from conftest import free_port
from typer.testing import CliRunner

from qa import build
from qa.cli import app as cli_app
from qa.config import Settings
from qa.engine import Engine
from qa.errors import IndexError_
from qa.index import Index, current_build

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
LAUNCHER = f"""
import sys
import numpy as np
sys.path.insert(0, {str(TESTS)!r})
from conftest import FakeEmbedder
import qa.build

class Model(FakeEmbedder):
    dim = 384  # the real model's size, so the vectors file is as large as a real one

    def embed(self, texts, progress=False):
        return np.concatenate([FakeEmbedder.embed(self, texts[i:i + 256]) for i in range(0, len(texts), 256)])

qa.build.build_model = lambda settings: Model(settings.model_path())
qa.build.query_model = lambda settings, warn=None: Model(settings.model_path())
from qa.cli import main
sys.argv[0] = "qa"
main()
"""
WORDS = ("inference model latency cluster tokens batch throughput memory cache request server price "
         "customer contract region deploy scale queue invoice refund password account").split()


def write_docs(corpus: Path, numbers) -> None:
    corpus.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    for d in numbers:
        paragraphs = [" ".join(" ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + "." for _ in range(3))
                      for _ in range(5)]
        (corpus / f"doc{d:03d}.md").write_text(f"# Document {d}\n\n" + "\n\n".join(paragraphs) + "\n")


def qa_env(corpus: Path, index: Path, model: Path, **extra: str) -> dict:
    return {**os.environ, "QA_CORPUS": str(corpus), "QA_INDEX": str(index), "QA_MODEL": str(model),
            "QA_QUERY_RUNTIME": "sentence-transformers", "HF_HUB_OFFLINE": "1", **extra}


def start_qa(*args: str, env: dict, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", LAUNCHER, *args], env=env, cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def wait_for(predicate, timeout: float, step: float = 0.001) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return False


# ---------------------------------------------------------------------------------------------
# SIGKILL mid-build


def test_killed_builds_leave_the_previous_index_in_use(tmp_path, fake_model):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write_docs(corpus, range(1))
    env = qa_env(corpus, index, fake_model)
    first = subprocess.run([sys.executable, "-c", LAUNCHER, "index"], env=env, cwd=ROOT, capture_output=True,
                           text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    write_docs(corpus, range(1, 60))  # now 1,500 units to parse and embed: a build of a few seconds
    builds = index / "builds"

    def current() -> str:
        return (index / "CURRENT").read_text().strip()

    def new_build(before: set[str]):
        return lambda: any(not p.name.startswith(".") and p.name not in before for p in builds.iterdir())

    kill_points = [  # (what, when to kill: a predicate polled every millisecond once the build started)
        ("starting up", 0.3), ("reading the corpus", 0.8), ("parsing or embedding", 1.5),
        ("writing the new build's files", lambda: any(p.name.startswith(".tmp-") for p in builds.iterdir())),
        ("right after the new build was renamed into builds/", None),
        ("right after CURRENT was switched", None),
    ]
    killed, new_builds = 0, []
    for what, when in kill_points:
        before_name, before_builds = current(), {p.name for p in builds.iterdir()}
        if what.startswith("right after the new build"):
            when = new_build(before_builds)
        elif what.startswith("right after CURRENT"):
            when = lambda: current() != before_name  # noqa: E731
        proc = start_qa("index", "--full", env=env)
        t0 = time.monotonic()
        if isinstance(when, float):
            wait_for(lambda: proc.poll() is not None or time.monotonic() - t0 >= when, 60)
        else:
            wait_for(lambda: proc.poll() is not None or when(), 60)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        killed += proc.returncode == -signal.SIGKILL

        name = current()
        loaded = Index.load(index)  # checksums verified: never a half-written build
        if name != before_name:  # else the previous build, still in use; or else the complete new one:
            assert loaded.manifest["documents"] == 60, what
            new_builds.append(loaded.manifest["passages"])
    assert killed >= 4, "the builds were too quick to be killed mid-way"

    done = subprocess.run([sys.executable, "-c", LAUNCHER, "index", "--full"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Indexed 60 documents" in done.stdout
    assert [p.name for p in builds.iterdir()] == [current()]  # what the killed builds left is swept away
    assert Index.load(index).manifest["documents"] == 60
    assert set(new_builds) <= {Index.load(index).manifest["passages"]}


# ---------------------------------------------------------------------------------------------
# A damaged index is detected (checksums, JSON, the CURRENT pointer) and rebuilt with one line

DOC = "# Guide\n\n## Billing\n\nInvoices are sent monthly. Pay by card.\n\n## How do I reset my password?\n\nUse the reset link.\n"


def damage(index: Path, how: str) -> None:
    b = current_build(index)
    if how == "vectors.npy truncated":
        (b / "vectors.npy").write_bytes((b / "vectors.npy").read_bytes()[:-100])
    elif how == "vectors.npy deleted":
        (b / "vectors.npy").unlink()
    elif how == "meta.json: one byte changed":
        data = bytearray((b / "meta.json").read_bytes())
        data[len(data) // 2] ^= 0x01
        (b / "meta.json").write_bytes(bytes(data))
    elif how == "meta.json truncated":
        (b / "meta.json").write_bytes((b / "meta.json").read_bytes()[:40])
    elif how == "manifest.json truncated":
        (b / "manifest.json").write_bytes((b / "manifest.json").read_bytes()[:30])
    elif how == "manifest.json: a checksum changed":
        m = json.loads((b / "manifest.json").read_text())
        m["files"]["vectors.npy"] = "0" * 64
        (b / "manifest.json").write_text(json.dumps(m))
    elif how == "CURRENT names a build that does not exist":
        (index / "CURRENT").write_text("20250101T000000-1-000001\n")
    elif how == "CURRENT empty":
        (index / "CURRENT").write_text("")
    elif how == "CURRENT points outside builds/":
        (index / "CURRENT").write_text("../../etc\n")
    elif how == "CURRENT not text":
        (index / "CURRENT").write_bytes(b"\x00\xff\n")
    elif how == "manifest.json a list":
        (b / "manifest.json").write_text("[]")
    elif how == "manifest.json: files a number":
        m = json.loads((b / "manifest.json").read_text())
        m["files"] = 3
        (b / "manifest.json").write_text(json.dumps(m))


DAMAGES = ["vectors.npy truncated", "vectors.npy deleted", "meta.json: one byte changed", "meta.json truncated",
           "manifest.json truncated", "manifest.json: a checksum changed", "CURRENT names a build that does not exist",
           "CURRENT empty", "CURRENT points outside builds/", "CURRENT not text", "manifest.json a list",
           "manifest.json: files a number"]


@pytest.mark.parametrize("how", DAMAGES)
def test_damaged_index_is_detected_and_rebuilt_with_one_line(how, write_corpus, fake_model, fake_embedder, tmp_path):
    s = Settings(corpus=write_corpus({"guide.md": DOC}), index=tmp_path / "index", model=str(fake_model),
                 query_runtime="sentence-transformers")
    build.update(s, None, lambda: fake_embedder, log=lambda line: None)
    damage(s.index, how)
    with pytest.raises(IndexError_) as e:
        Index.load(s.index)
    assert re.search(r"corrupt|does not exist|missing", str(e.value)), str(e.value)
    lines: list[str] = []
    engine = Engine(s, log=lines.append, embedder=fake_embedder)
    assert len(lines) == 2 and lines[1].startswith("Indexed 1 document,"), lines
    reason = lines[0]
    assert reason.startswith("Building the index: ") and "\n" not in reason
    assert re.search(r"corrupt|does not exist", reason), reason
    assert engine.index.manifest["passages"] == 2 and Index.load(s.index).manifest["passages"] == 2


# ---------------------------------------------------------------------------------------------
# Missing corpus, empty corpus, missing model: one line naming the path and the fix, from every command

FAULTS = {  # what is wrong -> (settings made from tmp_path, words the line must have)
    "missing corpus": (lambda t: {"QA_CORPUS": str(t / "nope")}, ["/nope' does not exist", "--corpus"]),
    "empty corpus": (lambda t: {"QA_CORPUS": str(t / "empty")}, ["/empty' has no documents", "Add some", "--corpus"]),
    "missing model": (lambda t: {"QA_MODEL": "/nope", "QA_CORPUS": str(ROOT / "corpus")},
                      ["'/nope' does not exist", "QA_MODEL"]),
    "model is a file": (lambda t: {"QA_MODEL": str(ROOT / "README.md"), "QA_CORPUS": str(ROOT / "corpus")},
                        ["README.md' is a file, not a folder", "QA_MODEL"]),
}


@pytest.mark.parametrize("command", [["ask", "what is inference?"], ["index"], ["serve", "--port", "9"]],
                         ids=["ask", "index", "serve"])
@pytest.mark.parametrize("fault", list(FAULTS))
def test_missing_corpus_or_model_is_one_line_naming_the_path_and_fix(fault, command, tmp_path, monkeypatch):
    import uvicorn

    (tmp_path / "empty").mkdir()
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("serve opened the port"))
    env, words = FAULTS[fault]
    result = CliRunner().invoke(cli_app, command, env={"QA_INDEX": str(tmp_path / "index"), **env(tmp_path)})
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("qa: ")]
    assert len(errors) == 1, result.stderr
    for word in words:
        assert word in errors[0], errors[0]
    assert "Traceback" not in result.stderr + result.stdout and "serving" not in result.stdout


def test_serve_with_a_missing_corpus_exits_1_before_opening_the_port(tmp_path):
    port = free_port()
    p = subprocess.run([sys.executable, "-c", "from qa.cli import main; main()", "serve", "--port", str(port)],
                       env={**os.environ, "QA_CORPUS": str(tmp_path / "nope"), "QA_INDEX": str(tmp_path / "i"),
                            "HF_HUB_OFFLINE": "1"}, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and p.stdout == ""
    assert [line for line in p.stderr.splitlines() if line.startswith("qa: ")] == [
        f"qa: Corpus folder '{tmp_path / 'nope'}' does not exist. Create it or pass --corpus DIR."]
    assert "Traceback" not in p.stderr


# ---------------------------------------------------------------------------------------------
# A running server keeps answering while the index is rebuilt, then serves the new build


def listening(port: int) -> set[str]:
    """Local addresses of the sockets listening on `port` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            local, state = row.split()[1], row.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(socket.inet_ntop(socket.AF_INET, bytes.fromhex(address)[::-1]) if len(address) == 8
                          else address)
    return found


def test_server_keeps_answering_through_a_rebuild_and_switches_to_it(tmp_path, fake_model):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write_docs(corpus, range(3))
    port, out, err = free_port(), tmp_path / "server.out", tmp_path / "server.err"
    with open(out, "w") as stdout, open(err, "w") as stderr:  # files, so a chatty server never blocks on a pipe
        server = subprocess.Popen([sys.executable, "-c", LAUNCHER, "serve", "--port", str(port)], cwd=ROOT,
                                  env=qa_env(corpus, index, fake_model), stdout=stdout, stderr=stderr, text=True)
    stop = threading.Event()
    results: list[object] = []
    base = f"http://127.0.0.1:{port}"

    def hammer() -> None:  # until told to stop, or two minutes at most
        questions = ["what is the price?", "how do I get a refund?", "who is the CEO of Mars?", "cache"]
        deadline = time.monotonic() + 120
        with httpx.Client(base_url=base, timeout=30) as c:
            while not stop.is_set() and time.monotonic() < deadline:
                try:
                    r = c.post("/api/ask", json={"question": random.choice(questions)})
                    ok = r.status_code == 200 and "answered" in r.json()
                    results.append(True if ok else (r.status_code, r.text[:200]))
                except Exception as e:  # a refused or dropped connection is an error too
                    results.append(repr(e))

    threads = [threading.Thread(target=hammer, daemon=True) for _ in range(4)]
    try:
        assert wait_for(lambda: "serving" in out.read_text() or server.poll() is not None, 120, step=0.05)
        # printed once everything is loaded, just before the port opens
        assert f"serving http://127.0.0.1:{port}/" in out.read_text(), out.read_text() + err.read_text()
        with httpx.Client(base_url=base, timeout=30) as client:
            assert wait_for(lambda: health(client) is not None, 60, step=0.05)
            assert listening(port) == {"127.0.0.1"}  # the default binds loopback only
            before = health(client)
            assert before["documents"] == 3
            for t in threads:
                t.start()
            write_docs(corpus, range(3, 60))
            rebuild = subprocess.run([sys.executable, "-c", LAUNCHER, "index"], env=qa_env(corpus, index, fake_model),
                                     cwd=ROOT, capture_output=True, text=True, timeout=120)
            assert rebuild.returncode == 0, rebuild.stderr
            new = Index.load(index).manifest
            switched = wait_for(lambda: (health(client) or before)["build"] != before["build"], 30, step=0.1)
            time.sleep(0.5)  # and a little more traffic on the new build
            stop.set()
            for t in threads:
                t.join(timeout=60)
            after = health(client)
        errors = [r for r in results if r is not True]
        assert switched and len(results) > 20 and errors == [], (switched, len(results), errors[:5])
        assert after["documents"] == 60 and after["passages"] == new["passages"] > before["passages"]
        assert after["build"] == current_build(index).name
    finally:
        stop.set()
        stop_server(server)
    log = err.read_text()
    assert "Switched to index build" in log and "Traceback" not in log, log


def stop_server(server: subprocess.Popen) -> None:
    """SIGTERM, as an operator would; SIGKILL if it has not exited within 30 s."""
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def health(client: httpx.Client) -> dict | None:
    try:
        r = client.get("/api/health")
    except httpx.TransportError:
        return None
    return r.json() if r.status_code == 200 else None


def test_watcher_switches_builds_and_keeps_the_good_one_when_current_breaks(
        write_corpus, fake_model, fake_embedder, tmp_path):
    from qa.middleware import IndexWatcher

    s = Settings(corpus=write_corpus({"guide.md": DOC}), index=tmp_path / "index", model=str(fake_model),
                 query_runtime="sentence-transformers")
    lines: list[str] = []
    engine = Engine(s, log=lines.append, embedder=fake_embedder)
    watcher = IndexWatcher(engine, 0.05).start()
    try:
        first = engine.state.build
        (s.corpus / "refunds.md").write_text("# Refunds\n\nRefunds are paid back within five days.\n")
        build.update(s, engine.index, lambda: fake_embedder, log=lambda line: None)  # what `qa index` does
        assert wait_for(lambda: engine.state.build != first, 10, step=0.01)
        assert engine.index.manifest["documents"] == 2 and engine.state.build == current_build(s.index).name
        good = engine.state.build
        (s.index / "CURRENT").write_text("no-such-build\n")
        assert wait_for(lambda: any("kept the index in use" in line for line in lines), 10, step=0.01), lines
        assert engine.state.build == good and engine.ask("when are refunds paid?").answer
    finally:
        watcher.stop()
    assert not watcher._thread.is_alive()
