"""The search layer at scale: exact FAISS search vs HNSW vs IVF on synthetic clustered vectors.

    .venv/bin/python bench/scale.py [--sizes 10000,30000,100000,300000,1000000] [--queries 1000] [--quick]
                                    [--real-vectors FILE.npy]

Vectors: N x 384 float32 from a fixed seed, clustered so they are not uniform noise: 5,000 random
unit centers with Zipf-like cluster sizes; each vector is its center plus a shared low-rank
component (rank 48, norm about 1, so clusters have inner structure, as sentence embeddings do) plus
isotropic noise, normalized. Queries are 1,000 fresh draws around centers picked like the data (never data points).
Inner product (= cosine) everywhere: IndexFlatIP, IndexHNSWFlat(M=32, METRIC_INNER_PRODUCT),
IndexIVFFlat(METRIC_INNER_PRODUCT).

Threads: builds use faiss.omp_set_num_threads(2); every latency figure is single-query
(`index.search(q[None], 10)`, one query per call, as the API sees it) with omp_set_num_threads(1).
Recall@10: the share of the exact top-10 (IndexFlatIP) that the index returns.
Memory: the index's serialized size (vectors + graph or lists) and the process RSS growth during build.
--real-vectors adds the same table for real MiniLM unit vectors (e.g. an index's vectors.npy).
"""

from __future__ import annotations

import argparse
import gc
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import header, pct, proc_rss_mb, wait_quiet  # noqa: E402

import os  # noqa: E402

DIM = 384
CENTERS = 5000
LOW_RANK_SCALE = 0.15  # |low-rank part| ~ 1, like the center's: clusters with inner structure, not one 48-d blob
SEED = 1234
K = 10
try:  # what qa asks of FAISS per question (qa/retrieve.py, qa/index.py)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from qa.index import HNSW_EF_SEARCH as QA_EF_SEARCH
    from qa.retrieve import CANDIDATE_UNITS as QA_K
except ImportError:
    QA_EF_SEARCH, QA_K = 256, 256
P50_TARGET = 0.002


def make_vectors(n: int, seed: int = SEED, dim: int = DIM) -> tuple[np.ndarray, np.ndarray]:
    """(data n x dim, queries 1000 x dim), unit rows, float32, deterministic for (n, seed)."""
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((CENTERS, dim), dtype=np.float32)
    centers /= np.linalg.norm(centers, axis=1, keepdims=True)
    basis = rng.standard_normal((48, dim), dtype=np.float32) / math.sqrt(dim)  # shared low-rank directions
    weights = 1.0 / np.arange(1, CENTERS + 1) ** 0.5  # Zipf-like cluster sizes
    weights /= weights.sum()
    spread = rng.uniform(0.6, 1.4, CENTERS).astype(np.float32)  # some clusters tighter than others

    def draw(m: int, r: np.random.Generator) -> np.ndarray:
        out = np.empty((m, dim), dtype=np.float32)
        for s in range(0, m, 100_000):
            e = min(m, s + 100_000)
            c = r.choice(CENTERS, size=e - s, p=weights)
            z = r.standard_normal((e - s, 48), dtype=np.float32) * LOW_RANK_SCALE
            noise = r.standard_normal((e - s, dim), dtype=np.float32) * (0.35 / math.sqrt(dim))
            x = centers[c] + (z @ basis + noise) * spread[c, None]
            x /= np.linalg.norm(x, axis=1, keepdims=True)
            out[s:e] = x
        return out

    data = draw(n, np.random.default_rng([seed, n]))
    queries = draw(1000, np.random.default_rng([seed, n, 1]))
    return data, queries


def serialized_mb(index) -> float:
    import faiss

    return faiss.serialize_index(index).nbytes / 2**20


def latencies(index, queries: np.ndarray, k: int = K) -> tuple[list[float], np.ndarray]:
    """Single-query search, one thread: sorted latencies (s) and the result ids."""
    import faiss

    faiss.omp_set_num_threads(1)
    ids = np.empty((len(queries), k), dtype=np.int64)
    lat = []
    for i in range(min(20, len(queries))):  # warm caches
        index.search(queries[i:i + 1], k)
    for i in range(len(queries)):
        t0 = time.perf_counter()
        _, I = index.search(queries[i:i + 1], k)
        lat.append(time.perf_counter() - t0)
        ids[i] = I[0]
    faiss.omp_set_num_threads(2)
    lat.sort()
    return lat, ids


def recall(ids: np.ndarray, truth: np.ndarray) -> float:
    """Share of the exact top-k found. A returned vector whose score ties the exact k-th best counts as
    found (duplicate vectors make the exact id set arbitrary among equals); TIES holds what that needs."""
    k = truth.shape[1]
    data, queries, kth = TIES["data"], TIES["queries"], TIES["kth"]
    out = []
    for i, (a, b) in enumerate(zip(ids, truth)):
        a = [x for x in a[:k] if x >= 0]
        if data is None or not len(a):
            out.append(len(set(a) & set(b)) / k)
            continue
        scores = data[a] @ queries[i]
        out.append(min(k, int(np.sum(scores >= kth[k][i] - 1e-5))) / k)
    return float(np.mean(out))


TIES: dict = {"data": None, "queries": None, "kth": {}}


def row(out: list, n: int, kind: str, params: str, build_s: float, mem_mb: float, lat: list[float], rec: float,
        extra: str = "") -> None:
    r = {"n": n, "kind": kind, "params": params, "build": build_s, "mem": mem_mb, "p50": pct(lat, 50),
         "p99": pct(lat, 99), "recall": rec, "extra": extra, "nq": len(lat)}
    out.append(r)
    print(f"| {n:,} | {kind} | {params} | {build_s:.1f} s | {mem_mb:.0f} MB | {r['p50'] * 1000:.3f} | "
          f"{r['p99'] * 1000:.3f} | {rec:.3f} | {extra} |", flush=True)


def bench_size(n: int, data: np.ndarray, queries: np.ndarray, opts, out: list, deadline: float) -> None:
    import faiss

    faiss.omp_set_num_threads(2)
    t0 = time.perf_counter()
    flat = faiss.IndexFlatIP(DIM)
    flat.add(data)
    t_flat = time.perf_counter() - t0
    D, truth_qa = flat.search(queries, QA_K)  # batched (BLAS, 2 threads): the ground truth
    truth = truth_qa[:, :K]
    TIES.update(data=data, queries=queries, kth={K: D[:, K - 1], QA_K: D[:, QA_K - 1]})
    nq_flat = len(queries) if n <= 300_000 else min(len(queries), opts.flat_queries_1m)
    lat, ids = latencies(flat, queries[:nq_flat])
    row(out, n, "Flat (exact)", "-", t_flat, n * DIM * 4 / 2**20, lat, recall(ids, truth[:nq_flat]),
        f"{nq_flat} queries" if nq_flat != len(queries) else "")
    lat, _ = latencies(flat, queries[:min(nq_flat, 200)], QA_K)
    row(out, n, "Flat (qa's query)", f"k={QA_K}", t_flat, n * DIM * 4 / 2**20, lat, 1.0, f"{min(nq_flat, 200)} queries")
    del flat
    gc.collect()

    if n >= opts.min_ann:
        for efc in [int(x) for x in opts.ef_construction.split(",")]:
            if n >= 1_000_000 and efc > opts.max_efc_1m:
                continue
            if time.perf_counter() > deadline:
                print(f"| {n:,} | HNSW | efC {efc} | skipped: time budget | | | | | |")
                continue
            rss0 = proc_rss_mb(os.getpid())
            t0 = time.perf_counter()
            hnsw = faiss.IndexHNSWFlat(DIM, opts.m, faiss.METRIC_INNER_PRODUCT)
            hnsw.hnsw.efConstruction = efc
            hnsw.add(data)
            t_build = time.perf_counter() - t0
            mem = serialized_mb(hnsw)
            grow = proc_rss_mb(os.getpid()) - rss0
            for ef in [int(x) for x in opts.ef_search.split(",")]:
                hnsw.hnsw.efSearch = max(ef, K)
                lat, ids = latencies(hnsw, queries)
                row(out, n, "HNSW", f"M={opts.m}, efC={efc}, efSearch={ef}", t_build, mem, lat, recall(ids, truth),
                    f"RSS +{grow:.0f} MB")
            # what qa itself asks of its HNSW index: k = CANDIDATE_UNITS with efSearch = HNSW_EF_SEARCH
            hnsw.hnsw.efSearch = max(QA_EF_SEARCH, QA_K)
            lat, ids = latencies(hnsw, queries, QA_K)
            row(out, n, "HNSW (qa's query)", f"M={opts.m}, efC={efc}, efSearch={QA_EF_SEARCH}, k={QA_K}", t_build, mem,
                lat, recall(ids, truth_qa), f"recall@{QA_K}")
            del hnsw
            gc.collect()

        for mult in [float(x) for x in opts.nlist_mult.split(",")]:
            nlist = int(round(mult * math.sqrt(n)))
            if n >= 300_000 and mult > opts.max_nlist_mult_large:
                continue
            if time.perf_counter() > deadline:
                print(f"| {n:,} | IVFFlat | nlist {nlist} | skipped: time budget | | | | | |")
                continue
            rss0 = proc_rss_mb(os.getpid())
            t0 = time.perf_counter()
            quantizer = faiss.IndexFlatIP(DIM)
            ivf = faiss.IndexIVFFlat(quantizer, DIM, nlist, faiss.METRIC_INNER_PRODUCT)
            ivf.cp.niter = 10
            ivf.cp.max_points_per_centroid = opts.train_per_centroid
            n_train = min(n, nlist * opts.train_per_centroid)
            train = data[np.random.default_rng(SEED).choice(n, n_train, replace=False)] if n_train < n else data
            ivf.train(train)
            t_train = time.perf_counter() - t0
            ivf.add(data)
            t_build = time.perf_counter() - t0
            mem = serialized_mb(ivf)
            grow = proc_rss_mb(os.getpid()) - rss0
            for nprobe in [int(x) for x in opts.nprobe.split(",")]:
                if nprobe > nlist:
                    continue
                ivf.nprobe = nprobe
                lat, ids = latencies(ivf, queries)
                row(out, n, "IVFFlat", f"nlist={nlist}, nprobe={nprobe}", t_build, mem, lat, recall(ids, truth),
                    f"train {t_train:.0f} s on {n_train:,}; RSS +{grow:.0f} MB")
            del ivf, quantizer
            gc.collect()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="10000,30000,100000,300000,1000000")
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--flat-queries-1m", type=int, default=300, help="exact search at 1M is slow: fewer queries")
    p.add_argument("--min-ann", type=int, default=100_000, help="build ANN indexes from this size up")
    p.add_argument("--m", type=int, default=32)
    p.add_argument("--ef-construction", default="40,80")
    p.add_argument("--max-efc-1m", type=int, default=40, help="largest efConstruction built at 1M (time)")
    p.add_argument("--ef-search", default="16,32,64,128,256")
    p.add_argument("--nlist-mult", default="4,16", help="nlist = mult * sqrt(N)")
    p.add_argument("--max-nlist-mult-large", type=float, default=4, help="largest nlist multiplier from 300k up (time)")
    p.add_argument("--nprobe", default="1,4,8,16,32,64,128")
    p.add_argument("--train-per-centroid", type=int, default=40)
    p.add_argument("--real-vectors", type=Path, help="also run on real unit vectors (an index's vectors.npy)")
    p.add_argument("--budget-minutes", type=float, default=19.0, help="skip remaining ANN builds past this")
    p.add_argument("--quick", action="store_true", help="sizes 10k,100k; 200 queries")
    opts = p.parse_args()
    if opts.quick:
        opts.sizes, opts.queries, opts.ef_construction, opts.nlist_mult = "10000,100000", 200, "40", "4"
    import faiss

    start = time.perf_counter()
    deadline = start + opts.budget_minutes * 60
    header("Search at scale: FAISS exact vs HNSW vs IVF (synthetic clustered unit vectors, d=384)")
    print(f"faiss {faiss.__version__}; builds with 2 OpenMP threads, single-query latency with 1 thread; "
          f"{opts.queries} queries, k={K}; recall@10 vs exact\n")
    wait_quiet()
    out: list[dict] = []
    print("| vectors | index | parameters | build | index size | p50 ms | p99 ms | recall@10 | notes |")
    print("|---:|---|---|---:|---:|---:|---:|---:|---|")
    for n in [int(x) for x in opts.sizes.split(",")]:
        t0 = time.perf_counter()
        data, queries = make_vectors(n)
        queries = queries[:opts.queries]
        gen = time.perf_counter() - t0
        print(f"| {n:,} | (data) | generated in {gen:.1f} s | | {data.nbytes / 2**20:.0f} MB | | | | |", flush=True)
        bench_size(n, data, queries, opts, out, deadline)
        del data
        gc.collect()
    if opts.real_vectors:
        real = np.ascontiguousarray(np.load(opts.real_vectors), dtype=np.float32)
        n_all = len(real)
        real = np.ascontiguousarray(np.unique(real, axis=0))  # repeated texts give repeated vectors
        rng = np.random.default_rng(SEED)
        pick = rng.choice(len(real), min(opts.queries, len(real)), replace=False)
        queries = real[pick] + rng.standard_normal((len(pick), real.shape[1]), dtype=np.float32) * 0.02
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
        print(f"| {len(real):,} | (real MiniLM unit vectors from {opts.real_vectors.name}, {n_all:,} before removing "
              f"duplicates; queries: units + small noise) "
              f"| | | | | | | |")
        saved = opts.min_ann
        opts.min_ann = 0
        bench_size(len(real), real, queries.astype(np.float32), opts, out, deadline + 600)
        opts.min_ann = saved
    summarize(out)
    print(f"\nwhole run {(time.perf_counter() - start) / 60:.1f} min; peak RSS {proc_rss_mb(os.getpid()):.0f} MB now")


def summarize(out: list[dict]) -> None:
    print("\n### Summary\n")
    flats = [r for r in out if r["kind"] == "Flat (exact)"]
    ok = [r["n"] for r in flats if r["p50"] <= P50_TARGET]
    bad = [r["n"] for r in flats if r["p50"] > P50_TARGET]
    for r in flats:
        print(f"- exact search at {r['n']:,} vectors: p50 {r['p50'] * 1000:.2f} ms, p99 {r['p99'] * 1000:.2f} ms")
    if len({r["n"] for r in flats}) >= 2:
        # p50 of exact search is linear in N: interpolate where it crosses the target
        xs = np.array([r["n"] for r in flats], dtype=float)
        ys = np.array([r["p50"] for r in flats])
        slope = float(np.polyfit(xs, ys, 1)[0])
        cross = P50_TARGET / slope if slope > 0 else float("inf")
        print(f"- exact search p50 grows {slope * 1e9:.1f} ms per million vectors (linear fit): it crosses "
              f"{P50_TARGET * 1000:.0f} ms at about {cross:,.0f} vectors (largest measured size meeting it: "
              f"{max(ok) if ok else 0:,}; smallest missing it: {min(bad) if bad else 0:,})")
    for n in sorted({r["n"] for r in out if not r["kind"].startswith("Flat")}):
        good = [r for r in out if r["n"] == n and r["kind"] in ("HNSW", "IVFFlat") and r["p50"] <= P50_TARGET
                and r["recall"] >= 0.95]
        if good:
            best = min(good, key=lambda r: (r["p50"], r["build"]))
            cheapest = min(good, key=lambda r: (r["build"], r["p50"]))
            print(f"- {n:,}: fastest meeting p50 <= 2 ms and recall@10 >= 0.95: {best['kind']} {best['params']} "
                  f"(p50 {best['p50'] * 1000:.3f} ms, p99 {best['p99'] * 1000:.3f} ms, recall {best['recall']:.3f}, "
                  f"build {best['build']:.0f} s, {best['mem']:.0f} MB); cheapest to build: {cheapest['kind']} "
                  f"{cheapest['params']} (build {cheapest['build']:.0f} s, p50 {cheapest['p50'] * 1000:.3f} ms, "
                  f"recall {cheapest['recall']:.3f})")
        else:
            print(f"- {n:,}: no ANN configuration measured meets p50 <= 2 ms with recall@10 >= 0.95")


if __name__ == "__main__":
    main()
