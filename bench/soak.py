"""Soak: `qa serve` under steady load on loopback; does it keep answering, and does its memory stay put?

    .venv/bin/python bench/soak.py [--duration 60] [--connections 32] [--warmup 10] [--index DIR]

Starts `qa serve` on a free 127.0.0.1 port (the default corpus; the index folder given, else a
private temporary one, built first; the query log in a temporary folder), then a closed loop: 32 keep-alive connections
(httpx.AsyncClient with a pool of that size), each sending POST /api/ask with the next question of
a fixed list (answerable, unanswerable, odd text) as soon as its previous answer arrives. After a
warm-up it measures for --duration seconds and stops by itself (bounded in time and in count).

Prints a Markdown table: requests, errors (non-200, time-outs, resets), latency p50/p99, and the
server's resident memory (VmRSS from /proc/PID/status) after the warm-up and at the end.
Exits 1 if any request failed or memory grew more than 10 %.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import proc_rss_mb, stop_process  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only: this script never sends traffic anywhere else
MAX_REQUESTS = 2_000_000  # a bound on the count, whatever the speed
MAX_GROWTH = 0.10
QUESTIONS = [
    "what is inference?", "who co-leads the round?", "is $13B realistic?", "how much is Baseten raising?",
    "whats the valuaton", "why does the split price matter?", "who are Baseten's competitors?",
    "when was the last round?", "what does Baseten sell?", "how fast did they raise money?",
    # unanswerable: near-topic and off-topic
    "who is Baseten's CEO?", "how much did Together AI raise?", "what is the capital of France?",
    "how do I reset my password?", "recipe for banana bread",
    # odd but valid text
    "what is inference? 🤖", "ما هو الاستدلال؟", "whát ís ínférence?", "x" * 500,
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def connections_to(port: int) -> int:
    """Established TCP connections whose server side is `port` (from /proc/net/tcp)."""
    n = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        n += sum(1 for row in rows if int(row.split()[1].rsplit(":", 1)[1], 16) == port and row.split()[3] == "01")
    return n


def start_server(port: int, index: Path, data: Path, log: Path) -> subprocess.Popen:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "QA_INDEX": str(index), "QA_CORPUS": str(ROOT / "corpus"),
           "QA_DATA": str(data)}  # the query log is written as in production, to a temporary folder
    with open(log, "w") as out:
        return subprocess.Popen([sys.executable, "-c", "from qa.cli import main; main()", "serve", "--port", str(port)],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_ready(base: str, server: subprocess.Popen, log: Path, timeout: float = 600) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if server.poll() is not None:
            sys.exit(f"soak: qa serve exited with {server.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    sys.exit(f"soak: qa serve was not ready within {timeout:.0f} s")


class Tally:
    def __init__(self):
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.answered = 0

    @property
    def requests(self) -> int:
        return len(self.latencies) + len(self.errors)


async def load(base: str, connections: int, seconds: float, tally: Tally) -> None:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker(w: int) -> None:
            i = w
            while time.monotonic() < deadline and tally.requests < MAX_REQUESTS:
                question = QUESTIONS[i % len(QUESTIONS)]
                i += connections
                t0 = time.perf_counter()
                try:
                    r = await client.post("/api/ask", json={"question": question})
                    if r.status_code != 200:
                        tally.errors.append(f"{r.status_code} {r.text[:100]}")
                        continue
                    tally.answered += r.json()["answered"]
                    tally.latencies.append(time.perf_counter() - t0)
                except (httpx.HTTPError, ValueError) as e:
                    tally.errors.append(repr(e))

        await asyncio.gather(*(worker(w) for w in range(connections)))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=float, default=60, help="seconds measured, after the warm-up")
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--warmup", type=float, default=10, help="seconds of load before memory is first read")
    p.add_argument("--index", type=Path, help="index folder (default: a temporary one, built first)")
    args = p.parse_args()
    if not (0 < args.duration <= 3600 and 0 < args.connections <= 256 and 0 <= args.warmup <= 600):
        sys.exit("soak: --duration up to 3600 s, --connections up to 256, --warmup up to 600 s")

    with tempfile.TemporaryDirectory(prefix="qa-soak-") as tmp:
        port, log = free_port(), Path(tmp) / "server.log"
        base = f"http://{HOST}:{port}"
        server = start_server(port, args.index or Path(tmp) / "index", Path(tmp) / "data", log)
        try:
            t0 = time.monotonic()
            wait_ready(base, server, log)
            ready_s = time.monotonic() - t0
            asyncio.run(load(base, args.connections, args.warmup, Tally()))
            rss_start = proc_rss_mb(server.pid)
            tally, samples = Tally(), [rss_start]

            async def measured() -> int:
                task = asyncio.create_task(load(base, args.connections, args.duration, tally))
                open_conns = 0
                while not task.done():
                    await asyncio.wait([task], timeout=min(5, args.duration / 4))
                    samples.append(proc_rss_mb(server.pid))
                    open_conns = max(open_conns, connections_to(port))
                return open_conns

            t1 = time.monotonic()
            open_conns = asyncio.run(measured())
            elapsed = time.monotonic() - t1
            rss_end = proc_rss_mb(server.pid)
        finally:
            stop_process(server)
        server_log = log.read_text()

    lat = sorted(tally.latencies)
    q = statistics.quantiles(lat, n=100) if len(lat) >= 2 else [float("nan")] * 99
    growth = (rss_end - rss_start) / rss_start
    ok = not tally.errors and growth <= MAX_GROWTH
    rows = [
        ("server", f"`qa serve` on {HOST}:{port}, default corpus, ready in {ready_s:.1f} s"),
        ("load", f"{args.connections} keep-alive connections (closed loop; {open_conns} seen open), "
                 f"{len(QUESTIONS)} fixed questions"),
        ("duration", f"{elapsed:.1f} s measured, after a {args.warmup:.0f} s warm-up"),
        ("requests", f"{tally.requests:,} ({tally.requests / elapsed:.1f}/s); answered {tally.answered:,}, "
                     f"declined {len(lat) - tally.answered:,}"),
        ("errors", f"{len(tally.errors)}" + (f" (first: {tally.errors[0]})" if tally.errors else "")),
        ("latency p50 / p99", f"{q[49] * 1000:.0f} / {q[98] * 1000:.0f} ms"),
        ("server RSS after warm-up", f"{rss_start:.0f} MiB"),
        ("server RSS at the end", f"{rss_end:.0f} MiB ({growth:+.1%}; max sampled {max(samples):.0f} MiB)"),
        ("verdict", "pass: no errors, RSS growth ≤ 10 %" if ok else "FAIL"),
    ]
    print("| soak | |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    if "Traceback" in server_log:
        print("\nserver log had a traceback:\n" + server_log[-3000:], file=sys.stderr)
        ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
