"""`qa serve --workers N`: several server processes on one port, over one immutable index build."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import httpx

from test_crash import ROOT, free_port, health, stop_server, wait_for

QA = [sys.executable, "-c", "from qa.cli import main; main()"]
QUESTIONS = ["what is inference?", "how much is baseten raising?", "who is baseten's ceo?", "is $13B realistic?"]


def test_two_workers_serve_the_same_answers_as_the_library(engine, tmp_path):
    port, out, err = free_port(), tmp_path / "server.out", tmp_path / "server.err"
    # folders as flags, not QA_* variables: the workers can only know them from their parent's hand-over
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")} | {"HF_HUB_OFFLINE": "1"}
    with open(out, "w") as stdout, open(err, "w") as stderr:
        server = subprocess.Popen([*QA, "serve", "--port", str(port), "--workers", "2", "--corpus",
                                   str(engine.settings.corpus), "--index", str(engine.settings.index),
                                   "--data", str(tmp_path / "data")], cwd=tmp_path, env=env, stdout=stdout,
                                  stderr=stderr, text=True)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            assert wait_for(lambda: health(client) is not None or server.poll() is not None, 120, step=0.1)
            assert server.poll() is None, out.read_text() + err.read_text()
            assert wait_for(lambda: err.read_text().count("qa: ready in") == 2, 60, step=0.1), err.read_text()
            children = open(f"/proc/{server.pid}/task/{server.pid}/children").read().split()
            workers = [p for p in children if "spawn_main" in open(f"/proc/{p}/cmdline").read()]
            assert len(workers) == 2, children  # uvicorn's worker processes (each logged "ready" above)

            def ask(q: str) -> dict:
                return client.post("/api/ask", json={"question": q}).json()

            with ThreadPoolExecutor(8) as pool:
                replies = list(pool.map(ask, QUESTIONS * 10))
        for q, r in zip(QUESTIONS * 10, replies):
            expected = engine.ask(q)
            assert (r["answered"], r["answer"]) == (expected.answered, expected.answer)
            assert abs(r["confidence"] - expected.confidence) < 1e-3
        assert "starting 2 workers" in out.read_text()
    finally:
        stop_server(server)
    assert "Traceback" not in err.read_text(), err.read_text()


def test_what_workers_would_fail_on_fails_in_the_parent_as_one_line(tmp_path):
    env = {**os.environ, "QA_CORPUS": str(tmp_path / "nope"), "QA_INDEX": str(tmp_path / "index"), "HF_HUB_OFFLINE": "1"}
    p = subprocess.run([*QA, "serve", "--workers", "2", "--port", str(free_port())], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and p.stdout == "" and "Traceback" not in p.stderr
    assert p.stderr.strip().splitlines() == [f"qa: Corpus folder '{tmp_path / 'nope'}' does not exist. "
                                             "Create it or pass --corpus DIR."]
    env["QA_CORPUS"], env["QA_WATCH_INTERVAL"] = str(ROOT / "corpus"), "0"
    p = subprocess.run([*QA, "serve", "--workers", "2", "--port", str(free_port())], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert p.stderr.strip().splitlines()[-1].startswith("qa: Several workers need the index watcher")


def test_settings_reach_the_workers_whole(monkeypatch, tmp_path):
    from qa.config import Settings

    s = Settings(corpus=tmp_path / "c", index=tmp_path / "i", top_k=5, reload_token="s3cret", workers=2,
                 cors_origins="https://a.example")
    monkeypatch.setenv("QA_TOP_K", "1")  # a worker's environment does not override what its parent decided
    back = Settings.model_validate_json(s.to_env())
    assert back == s and back.reload_token.get_secret_value() == "s3cret" and back.top_k == 5


def test_a_port_in_use_is_one_line_before_anything_loads(tmp_path):
    import socket

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        for extra in ([], ["--workers", "2"]):
            p = subprocess.run([*QA, "serve", "--port", str(port), *extra], cwd=ROOT, capture_output=True, text=True,
                               timeout=120, env={**os.environ, "HF_HUB_OFFLINE": "1"})
            assert p.returncode == 1 and p.stdout == "" and "Traceback" not in p.stderr
            lines = p.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith(f"qa: Cannot listen on 127.0.0.1:{port}: "), p.stderr
