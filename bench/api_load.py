"""HTTP load: `qa serve` vs the naive stack's server (bench/naive.py serve), closed loop over loopback.

    .venv/bin/python bench/api_load.py [--duration 10] [--conns 1,4,16,64] [--quick] [--diagnose] [--profile]

Both servers run as subprocesses on free 127.0.0.1 ports (the qa index in a private temporary folder,
built first). This process is the load client, so it never shares a GIL with a server; it does
share the 2 CPUs, and its own CPU use is reported beside each row. For each number of concurrent
keep-alive connections, each server gets a 1 s warm-up, then a fixed-duration closed loop: every
connection sends POST /api/ask with the next question of tests/eval/questions.jsonl as soon as its
previous answer arrives (httpx.AsyncClient, limits = the connection count; bounded in time and in
count). Servers take turns at each level so noise hits both alike.

Reported per server and level: answers/s, latency p50/p95/p99, errors (non-200, timeouts, resets),
the server's CPU use (cores, from /proc/PID/stat) and CPU ms per answer, the client's CPU use;
then each server's RSS after the runs (VmRSS, VmHWM) and threads.

--diagnose also loads qa server variants started by this script (same engine, same index; only
the serving arrangement differs) at 16 and 64 connections, to show what limits throughput.
--profile times the stages of one answer in-process (no HTTP), single-threaded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import (ROOT, cpu_busy, cpu_times, env_offline, free_port, header, pct, proc_cpu_s, proc_hwm_mb,  # noqa: E402
                      proc_rss_mb, python_bin, qa_bin, stop_process, wait_quiet)

MAX_REQUESTS = 200_000  # per run, whatever the duration: the loop is bounded in count as well as time
REQUEST_TIMEOUT = 30.0


def questions() -> list[str]:
    f = ROOT / "tests" / "eval" / "questions.jsonl"
    return [json.loads(x)["question"] for x in f.read_text(encoding="utf-8").splitlines() if x.strip()]


# --- the load client -------------------------------------------------------------------------------

async def closed_loop(url: str, conns: int, duration: float, qs: list[str], client: str = "raw") -> dict:
    """`conns` connections, each sending its next question when its previous answer arrives, for `duration` s."""
    lat: list[float] = []
    errors: dict[str, int] = {}
    sent = 0
    t_start = time.perf_counter()
    stop = t_start + duration

    def record(key: str, t0: float) -> None:
        if key:
            errors[key] = errors.get(key, 0) + 1
        else:
            lat.append(time.perf_counter() - t0)

    if client == "httpx":
        import httpx

        async def worker(w: int) -> None:
            nonlocal sent
            i = w * 7
            # one client per connection: a shared pool of 64 costs httpx far more CPU per request
            async with httpx.AsyncClient(limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
                                         timeout=REQUEST_TIMEOUT) as http:
                while time.perf_counter() < stop and sent < MAX_REQUESTS:
                    sent += 1
                    q = qs[i % len(qs)]
                    i += 1
                    t0 = time.perf_counter()
                    try:
                        r = await http.post(url, json={"question": q})
                        record("" if r.status_code == 200 and b'"answer"' in r.content else f"HTTP {r.status_code}", t0)
                    except httpx.HTTPError as e:
                        record(type(e).__name__, t0)
    else:
        from urllib.parse import urlsplit

        u = urlsplit(url)
        host, port, path = u.hostname, u.port, u.path.encode()

        async def worker(w: int) -> None:
            """A minimal HTTP/1.1 keep-alive client on asyncio streams: ~10x less CPU per request than httpx."""
            nonlocal sent
            i = w * 7
            conn = None
            while time.perf_counter() < stop and sent < MAX_REQUESTS:
                sent += 1
                q = qs[i % len(qs)]
                i += 1
                body = json.dumps({"question": q}).encode()
                req = (b"POST " + path + b" HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
                       b"Content-Length: %d\r\n\r\n" % (host.encode(), port, len(body)) + body)
                t0 = time.perf_counter()
                try:
                    if conn is None:
                        conn = await asyncio.wait_for(asyncio.open_connection(host, port), REQUEST_TIMEOUT)
                    reader, writer = conn
                    writer.write(req)
                    status, data = await asyncio.wait_for(read_response(reader), REQUEST_TIMEOUT)
                    record("" if status == 200 and b'"answer"' in data else f"HTTP {status}", t0)
                except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError) as e:
                    record(type(e).__name__, t0)
                    if conn is not None:
                        conn[1].close()
                    conn = None
            if conn is not None:
                conn[1].close()

    await asyncio.gather(*(worker(w) for w in range(conns)))
    elapsed = time.perf_counter() - t_start
    lat.sort()
    return {"n": len(lat), "elapsed": elapsed, "rps": len(lat) / elapsed, "p50": pct(lat, 50), "p95": pct(lat, 95),
            "p99": pct(lat, 99), "max": lat[-1] if lat else float("nan"), "errors": sum(errors.values()),
            "error_kinds": errors}


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    status = int((await reader.readline()).split(b" ", 2)[1])
    length, chunked = 0, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if not chunked:
        return status, await reader.readexactly(length)
    parts = []
    while True:
        size = int((await reader.readline()).strip(), 16)
        parts.append(await reader.readexactly(size + 2))
        if size == 0:
            return status, b"".join(parts)


def measure(server: "Server", conns: int, duration: float, qs: list[str], client: str) -> dict:
    asyncio.run(closed_loop(server.url, conns, min(1.0, duration), qs, client))  # warm-up
    c0, s0, m0 = resource.getrusage(resource.RUSAGE_SELF), tree_cpu_s(server.pid), cpu_times()
    t0 = time.perf_counter()
    r = asyncio.run(closed_loop(server.url, conns, duration, qs, client))
    wall = time.perf_counter() - t0
    c1, s1, m1 = resource.getrusage(resource.RUSAGE_SELF), tree_cpu_s(server.pid), cpu_times()
    r["server_cores"] = (s1 - s0) / wall
    r["server_cpu_ms"] = (s1 - s0) / max(1, r["n"]) * 1000
    r["client_cores"] = (c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime) / wall
    machine = (m1[0] - m0[0]) / max(1e-9, m1[1] - m0[1]) * (os.cpu_count() or 1)
    r["other_cores"] = max(0.0, machine - r["server_cores"] - r["client_cores"])
    return r


def best_of(server: "Server", conns: int, duration: float, qs: list[str], client: str, rounds: int) -> dict:
    """`rounds` runs; the one during which other work on the machine used the least CPU."""
    runs = [measure(server, conns, duration, qs, client) for _ in range(rounds)]
    best = min(runs, key=lambda r: r["other_cores"])
    best["rounds"] = rounds
    return best


# --- servers ---------------------------------------------------------------------------------------

class Server:
    def __init__(self, name: str, cmd: list[str], port: int, env: dict, log: Path):
        self.name, self.port = name, port
        self.url = f"http://127.0.0.1:{port}/api/ask"
        self.log = log
        self.proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=open(log, "w"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.pid = self.proc.pid
        self.started = time.perf_counter()

    def wait_ready(self, timeout: float = 180.0) -> float:
        import httpx

        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited ({self.proc.returncode}):\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/api/health", timeout=1.0).status_code == 200:
                    return time.perf_counter() - self.started
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise SystemExit(f"{self.name} not ready after {timeout:.0f} s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        stop_process(self.proc, 15)  # only the process this script started, by its pid


def prepare_index(work: Path) -> Path:
    index = work / "index"
    if (ROOT / ".qa-index" / "onnx" / "onnx_config.json").is_file():
        shutil.copytree(ROOT / ".qa-index" / "onnx", index / "onnx")
    r = subprocess.run([qa_bin(), "index", "--corpus", str(ROOT / "corpus"), "--index", str(index)],
                       env=env_offline(), cwd=ROOT, capture_output=True, text=True, timeout=900)
    if r.returncode != 0:
        raise SystemExit(f"qa index failed:\n{r.stderr[-2000:]}")
    return index


def start_qa(index: Path, work: Path, variant: str = "", workers: int = 1) -> Server:
    port = free_port()
    env = env_offline()
    if variant:
        cmd = [python_bin(), str(Path(__file__).resolve()), "--serve-variant", variant, "--port", str(port),
               "--index", str(index)]
        name = f"qa {variant}"
    else:
        cmd = [qa_bin(), "serve", "--port", str(port), "--corpus", str(ROOT / "corpus"), "--index", str(index),
               "--workers", str(workers)]
        name = "qa" if workers == 1 else f"qa --workers {workers}"
    return Server(name, cmd, port, env, work / f"qa-{variant or f'serve-{workers}'}.log")


def start_naive(work: Path) -> Server:
    port = free_port()
    cmd = [python_bin(), str(ROOT / "bench" / "naive.py"), "serve", "--port", str(port)]
    return Server("naive", cmd, port, env_offline(), work / "naive.log")


# --- server variants, for --diagnose (each runs in its own process started by this script) ----------

VARIANTS = {
    "batch-ort2": "as `qa serve`: sync route in the thread pool, BatchingEmbedder, ONNX 2 intra-op threads",
    "batch-ort1": "BatchingEmbedder, ONNX 1 intra-op thread",
    "nobatch-ort2": "no BatchingEmbedder (each request thread calls the ONNX session), 2 threads",
    "nobatch-ort1": "no BatchingEmbedder, ONNX 1 intra-op thread",
    "workers2-ort1": "2 uvicorn worker processes (an engine each), BatchingEmbedder, ONNX 1 thread each",
    "workers2-ort2": "2 uvicorn worker processes (an engine each), BatchingEmbedder, ONNX 2 threads each",
    "canned": "as `qa serve` but Engine.ask returns one precomputed answer: the HTTP stack alone (uvicorn, FastAPI, "
              "pydantic, qa's middleware)",
    "canned-h11": "the HTTP stack alone, uvicorn forced to h11 + asyncio (pure-Python HTTP parser, stock event loop)",
    "h11-ort2": "as `qa serve` but uvicorn forced to h11 + asyncio",
    "switch1ms-ort2": "as `qa serve` with sys.setswitchinterval(0.001) (default 0.005): threads waiting for the GIL "
                      "(the event loop, request threads, the batcher) get it sooner",
    "workers2-switch1ms-ort2": "2 uvicorn workers, each as `qa serve` with sys.setswitchinterval(0.001)",
}
# Every variant runs on uvicorn's defaults (httptools + uvloop when installed, as in the project's venv since
# they became dependencies) unless its name says h11.
DEFAULT_VARIANTS = "batch-ort2,batch-ort1,nobatch-ort2,workers2-ort2,canned,canned-h11,h11-ort2,switch1ms-ort2"


def variant_engine(variant: str, index: Path):
    from qa.batcher import BatchingEmbedder
    from qa.build import onnx_dir
    from qa.config import Settings
    from qa.engine import Engine
    from qa.onnx_embed import OnnxEmbedder

    settings = Settings(corpus=ROOT / "corpus", index=index)
    threads = 1 if variant.endswith("ort1") else 2
    onnx = OnnxEmbedder(onnx_dir(settings), threads=threads)
    engine = Engine(settings, embedder=onnx)
    if "nobatch" in variant:
        engine.embedder.embed(["warm up"])
        return engine
    engine.warm()
    if variant.startswith("canned"):
        canned = engine.ask("what is inference?")
        engine.ask = lambda question, top_k=None, **kw: canned
    return engine


def variant_create_app(variant: str, index: Path):
    from qa.api import create_app

    if "switch1ms" in variant:
        sys.setswitchinterval(0.001)

    return create_app(engine=variant_engine(variant, index))


def variant_app():
    """uvicorn factory for the multi-worker variants (each worker process builds its own engine)."""
    return variant_create_app(os.environ["QA_BENCH_VARIANT"], Path(os.environ["QA_BENCH_INDEX"]))


def serve_variant(variant: str, port: int, index: Path) -> None:
    import uvicorn

    fast = {"http": "h11", "loop": "asyncio"} if "h11" in variant else {}
    if variant.startswith("workers2"):
        os.environ["QA_BENCH_VARIANT"], os.environ["QA_BENCH_INDEX"] = variant, str(index)
        uvicorn.run("api_load:variant_app", factory=True, workers=2, host="127.0.0.1", port=port,
                    log_level="warning", app_dir=str(Path(__file__).resolve().parent), **fast)
        return
    uvicorn.run(variant_create_app(variant, index), host="127.0.0.1", port=port, log_level="warning", **fast)


def tree_cpu_s(pid: int) -> float:
    """CPU seconds of a process and its children (uvicorn workers)."""
    total = proc_cpu_s(pid)
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        kids = []
    return total + sum(proc_cpu_s(int(k)) for k in kids)


def tree_pids(pid: int) -> list[int]:
    """The process and its children (uvicorn's worker processes)."""
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        kids = []
    return [pid] + [int(k) for k in kids]


def tree_rss_mb(pid: int) -> float:
    return sum(proc_rss_mb(p) for p in tree_pids(pid))


def tree_pss_mb(pid: int) -> float:
    """Proportional set size of the process tree: shared pages (libraries, the model file) counted once."""
    total = 0.0
    for p in tree_pids(pid):
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return total


# --- in-process profile ----------------------------------------------------------------------------

def profile(index: Path, n: int) -> None:
    """Time each stage of Engine.ask in-process by wrapping the functions it calls (no HTTP)."""
    import qa.answer
    import qa.engine
    import qa.retrieve
    from qa.config import Settings
    from qa.engine import Engine

    engine = Engine(Settings(corpus=ROOT / "corpus", index=index)).warm()
    from qa.batcher import BatchingEmbedder

    if isinstance(engine.embedder, BatchingEmbedder):
        engine.embedder = engine.embedder.inner  # time the model call itself, not the hand-off to the batcher thread
    times: dict[str, list[float]] = {}

    def wrap(owner, name: str, label: str):
        fn = getattr(owner, name)

        def timed(*a, **k):
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                times.setdefault(label, []).append(time.perf_counter() - t0)

        setattr(owner, name, timed)
        return fn

    targets = [(lambda: engine.embedder, "embed", "embed question (ONNX, batch 1)"),
               (lambda: engine.state.speller, "correct", "typo repair (Speller.correct)"),
               (lambda: engine.index.faiss, "search", "FAISS search"),
               (lambda: engine.index.bm25("passage"), "scores", "BM25 scores (passages)"),
               (lambda: engine.index.bm25("sentence"), "scores", "BM25 scores (sentences)"),
               (lambda: qa.retrieve, "search", "retrieve.search (FAISS + BM25 + fusion)"),
               (lambda: qa.answer, "respond", "answer.respond (span, confidence, citations)")]
    for owner, name, label in targets:  # qa/ changes under this script: wrap what exists, skip the rest
        try:
            wrap(owner(), name, label)
        except (AttributeError, TypeError, KeyError):
            print(f"(profile: {label} not found; not timed separately)")
    qs = questions()
    total, dump = [], []
    for i in range(20):
        engine.ask(qs[i % len(qs)])
    times.clear()
    cpu0 = time.process_time()
    for i in range(n):
        t0 = time.perf_counter()
        r = engine.ask(qs[i % len(qs)])
        t1 = time.perf_counter()
        r.model_dump_json()
        dump.append(time.perf_counter() - t1)
        total.append(t1 - t0)
    cpu = (time.process_time() - cpu0) / n
    print(f"\n### Where one answer's time goes (in-process, single thread, {n} questions, no HTTP)\n")
    print("| stage | median | p95 | share of ask (median) |")
    print("|---|---:|---:|---:|")
    med_total = statistics.median(total)
    rows = [("Engine.ask total", total)] + sorted(times.items(), key=lambda kv: -statistics.median(kv[1]))
    rows.append(("AskResponse.model_dump_json", dump))
    for label, vals in rows:
        vals = sorted(vals)
        per_ask = statistics.median(vals) * len(vals) / n  # the BM25 wrappers run twice per ask, etc.
        print(f"| {label} | {statistics.median(vals) * 1000:.2f} ms | {pct(vals, 95) * 1000:.2f} ms | "
              f"{per_ask / med_total:.0%} |")
    print(f"\nCPU per ask (process_time, all threads): {cpu * 1000:.2f} ms; wall median {med_total * 1000:.2f} ms.")


# --- main ------------------------------------------------------------------------------------------

def fmt_ms(s: float) -> str:
    return f"{s * 1000:.1f}"


def print_rows(rows: list[tuple[str, str, int, dict]]) -> None:
    print("| server | client | connections | answers/s | p50 ms | p95 ms | p99 ms | errors | server CPU (cores) | "
          "server CPU ms/answer | client CPU (cores) | other work on the machine (cores) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, client, c, r in rows:
        err = f"{r['errors']}" + (f" {r['error_kinds']}" if r["errors"] else "")
        print(f"| {name} | {client} | {c} | {r['rps']:.0f} | {fmt_ms(r['p50'])} | {fmt_ms(r['p95'])} | {fmt_ms(r['p99'])} | "
              f"{err} | {r['server_cores']:.2f} | {r['server_cpu_ms']:.1f} | {r['client_cores']:.2f} | "
              f"{r['other_cores']:.2f} |", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=float, default=10.0, help="seconds per measured run")
    p.add_argument("--conns", default="1,4,16,64")
    p.add_argument("--workers", type=lambda v: [int(x) for x in v.split(",")], default=[1, 2],
                   help="qa serve --workers values to compare, comma-separated")
    p.add_argument("--client", default="raw,httpx",
                   help="load clients, comma-separated: raw (minimal asyncio HTTP/1.1) and/or httpx")
    p.add_argument("--rounds", type=int, default=2, help="runs per server and level; the least disturbed is reported")
    p.add_argument("--quick", action="store_true", help="3 s runs, 1 round")
    p.add_argument("--diagnose", action="store_true", help="also load qa server variants at 16 and 64 connections")
    p.add_argument("--variants", default=DEFAULT_VARIANTS, help=f"any of: {', '.join(VARIANTS)}")
    p.add_argument("--profile", type=int, nargs="?", const=500, default=0, help="in-process stage timings over N asks")
    p.add_argument("--serve-variant", help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, help=argparse.SUPPRESS)
    p.add_argument("--index", type=Path, help=argparse.SUPPRESS)
    opts = p.parse_args()
    if opts.serve_variant:
        sys.path.insert(0, str(ROOT))
        serve_variant(opts.serve_variant, opts.port, opts.index)
        return
    duration = 3.0 if opts.quick else opts.duration
    rounds = 1 if opts.quick else opts.rounds
    levels = [int(x) for x in opts.conns.split(",")]
    clients = opts.client.split(",")
    qs = questions()

    work = Path(tempfile.mkdtemp(prefix="qa-load-"))
    servers: list[Server] = []
    try:
        index = prepare_index(work)
        header("API load: qa serve vs the naive server (POST /api/ask over 127.0.0.1)")
        servers = [start_qa(index, work, workers=w) for w in opts.workers] + [start_naive(work)]
        ready = {s.name: s.wait_ready() for s in servers}
        qa_names = [s.name for s in servers if s.name != "naive"]
        import importlib.util

        print("uvicorn's HTTP stack for both servers: " + ("httptools + uvloop" if importlib.util.find_spec("httptools")
              and importlib.util.find_spec("uvloop") else "h11 + asyncio") + " (uvicorn's default for what is installed)")
        print("ready (process start to first healthy response): "
              + ", ".join(f"{name} {t:.1f} s" for name, t in ready.items()) + "; "
              f"{len(qs)} questions cycled; {duration:.0f} s per run after a 1 s warm-up; clients: {', '.join(clients)}; "
              f"{rounds} round(s) per row, the one least disturbed by other work on the machine reported\n")
        wait_quiet()
        rows, busy = [], []
        for client in clients:
            for n, c in enumerate(levels):
                for s in (servers if n % 2 == 0 else servers[::-1]):
                    rows.append((s.name, client, c, best_of(s, c, duration, qs, client, rounds)))
                busy.append(cpu_busy(0.5))
        order = {s.name: n for n, s in enumerate(servers)}
        rows.sort(key=lambda r: (r[1] != clients[0], order[r[0]], r[2]))
        print_rows(rows)
        by = {(name, client, c): r for name, client, c, r in rows}
        print("\n| server | client | connections | answers/s vs naive | p99 vs naive |")
        print("|---|---|---:|---:|---:|")
        for name in qa_names:
            for client in clients:
                for c in levels:
                    q, nv = by[(name, client, c)], by[("naive", client, c)]
                    ratio = q["rps"] / nv["rps"] if nv["rps"] else float("inf")
                    print(f"| {name} | {client} | {c} | **{ratio:.1f}x** | {q['p99'] / nv['p99']:.2f}x |")
        print("\n| server | processes (with --workers: uvicorn's supervisor, multiprocessing's resource tracker and the "
              "workers) | RSS after the runs (VmRSS, all processes) | PSS (shared pages counted once) | "
              "peak RSS of the first process (VmHWM) |")
        print("|---|---:|---:|---:|---:|")
        for s in servers:
            print(f"| {s.name} | {len(tree_pids(s.pid))} | {tree_rss_mb(s.pid):.0f} MB | {tree_pss_mb(s.pid):.0f} MB | "
                  f"{proc_hwm_mb(s.pid):.0f} MB |")
        for name, client in ((n, c) for n in qa_names for c in clients):
            t = []
            if (name, client, 1) in by:
                q1 = by[(name, client, 1)]
                t.append(f"sequential (1 connection) p50 {fmt_ms(q1['p50'])} ms (target <= 8), p99 {fmt_ms(q1['p99'])} ms "
                         f"(target <= 25): {'met' if q1['p50'] <= 0.008 and q1['p99'] <= 0.025 else 'NOT met'}")
            if (name, client, 16) in by:
                q, nv = by[(name, client, 16)], by[("naive", client, 16)]
                ok = q["rps"] >= 5 * nv["rps"] and q["p99"] <= 0.1 and q["errors"] == 0
                t.append(f"16 connections {q['rps'] / max(nv['rps'], 1e-9):.1f}x naive answers/s (target >= 5x), "
                         f"p99 {fmt_ms(q['p99'])} ms (target <= 100), {q['errors']} errors: {'met' if ok else 'NOT met'}")
            print(f"\nTargets ({name}, {client} client): " + "; ".join(t) + ".")
        print(f"\nCPUs busy between runs (other work on the machine + idle servers): median {statistics.median(busy):.0%}.")
        for s in servers:
            s.stop()
        servers = []

        if opts.diagnose:
            print("\n### What limits qa's throughput: server variants (same engine and index)\n")
            variants = opts.variants.split(",")
            import importlib.util

            stack = ("httptools + uvloop" if importlib.util.find_spec("httptools") and importlib.util.find_spec("uvloop")
                     else "h11 + asyncio")
            print(f"(uvicorn's default stack here: {stack}; the naive server and every variant not named h11 use it)\n")
            for v in variants:
                print(f"- `{v}`: {VARIANTS[v]}")
            print()
            vrows, mem = [], {}
            for v in variants:
                s = start_qa(index, work, v)
                servers = [s]
                s.wait_ready()
                wait_quiet(max_wait=10)
                for c in (16, 64):
                    vrows.append((v, clients[0], c, best_of(s, c, duration, qs, clients[0], rounds)))
                mem[v] = tree_rss_mb(s.pid)
                s.stop()
                servers = []
            print_rows(vrows)
            print("\n| variant | RSS (all its processes) |")
            print("|---|---:|")
            for v, m in mem.items():
                print(f"| {v} | {m:.0f} MB |")
        if opts.profile:
            profile(index, opts.profile)
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
