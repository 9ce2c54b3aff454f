"""`qa serve --workers N`: several server processes on one port, over one immutable index build."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import httpx

from test_crash import ROOT, free_port, health, wait_for

QUESTIONS = ["what is inference?", "how much is baseten raising?", "who is baseten's ceo?", "is $13B realistic?"]


def test_two_workers_serve_the_same_answers_as_the_library(engine, tmp_path):
    port, out, err = free_port(), tmp_path / "server.out", tmp_path / "server.err"
    env = {**os.environ, "QA_CORPUS": str(engine.settings.corpus), "QA_INDEX": str(engine.settings.index),
           "QA_DATA": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1"}
    with open(out, "w") as stdout, open(err, "w") as stderr:
        server = subprocess.Popen([sys.executable, "-c", "from qa.cli import main; main()", "serve", "--port", str(port),
                                   "--workers", "2"], cwd=ROOT, env=env, stdout=stdout, stderr=stderr, text=True)
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
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert "Traceback" not in err.read_text(), err.read_text()
