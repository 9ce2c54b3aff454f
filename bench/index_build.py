"""Index build throughput: `qa index --full` on three corpora, its phases, and the raw model for comparison.

    .venv/bin/python bench/index_build.py [--synthetic 100000] [--max-minutes 15] [--sample 8000] [--quick]

Corpora: (a) the default corpus/; (b) StackFAQ (../shared/data/stackfaq/faq.jsonl, 719 pairs, copied
into a temporary corpus folder, never into the repository); (c) a synthetic corpus of Markdown
files generated from a fixed seed by recombining sentences of corpus/ and of the StackFAQ answers
(with numbers varied), about 100 passages per file, a heading every few paragraphs and some FAQ
entries (headings ending in "?"). If the synthetic build at --synthetic passages is estimated
(from the measured embedding rate) to take more than --max-minutes, 20k passages are built
instead and the full size is extrapolated; the script says so.

Per corpus:
  * `qa index --full --corpus DIR --index TMP` in a subprocess: wall time, peak RSS (wait4),
    passages/s and units/s (units = what is embedded: sentences + passages + FAQ questions).
    The index folder is seeded with the model's ONNX export, so builds embed with ONNX as a
    rebuild does; for (a) and (b) also into an empty index folder (the first build: embedded with
    sentence-transformers, then the ONNX export is written);
  * phases timed in-process for one build with the library calls `qa index` makes: parse
    (scan + parse every file), embed (the build's embedder on the unit texts), assemble
    (Index.build without the embedding) and save (Index.save, including an HNSW graph above the
    ANN threshold);
  * raw batched encoding of the same unit texts (all of them, or a fixed random sample of
    --sample for the synthetic corpus): sentence-transformers `model.encode(texts, batch_size=64)`
    and qa's OnnxEmbedder.embed (batch 64), against qa's build rates.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import ROOT, env_offline, header, qa_bin, spawn_timed, wait_quiet  # noqa: E402

sys.path.insert(0, str(ROOT))
STACKFAQ = ROOT.parent / "shared" / "data" / "stackfaq" / "faq.jsonl"
SEED = 20240601
PASSAGES_PER_FILE = 100
FALLBACK_PASSAGES = (20_000, 10_000, 5_000)  # tried in turn when the full size would not fit the time budget


# --- synthetic corpus --------------------------------------------------------------------------------

_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def sentence_pool() -> tuple[list[str], list[str]]:
    """Plausible English sentences (article + StackFAQ answers) and FAQ-style questions."""
    sentences, questions = [], []
    for f in sorted((ROOT / "corpus").rglob("*.md")):
        text = f.read_text(encoding="utf-8")
        for para in text.split("\n\n"):
            para = para.strip()
            if para.startswith(("#", "---", "title:")):
                if para.startswith("#") and para.rstrip().endswith("?"):
                    questions.append(para.lstrip("# ").strip())
                continue
            sentences += _SENT.split(" ".join(para.split()))
    if STACKFAQ.is_file():
        for line in STACKFAQ.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            q = " ".join(row["question"].split())
            questions.append(q if q.endswith("?") else q + "?")
            sentences += _SENT.split(" ".join(row["answer"].split()))
    good = []
    for s in sentences:
        letters = sum(c.isalpha() or c == " " for c in s)
        if 30 <= len(s) <= 260 and letters / len(s) > 0.85 and "http" not in s and s[-1] in ".!?":
            good.append(s)
    return sorted(set(good)), sorted(set(questions))


_NUM = re.compile(r"\d+")


def vary(sentence: str, rng: random.Random, pool: list[str]) -> str:
    """A new sentence: often the head of this one spliced onto the tail of another at a comma, with the
    numbers changed, so that recombined text is seldom repeated verbatim."""
    if rng.random() < 0.6 and ", " in sentence:
        other = rng.choice(pool)
        if ", " in other:
            head = sentence.split(", ")[0]
            tail = other.split(", ", 1)[1]
            sentence = f"{head}, {tail}"
    return _NUM.sub(lambda m: str(rng.randint(1, 10 ** min(4, len(m.group())))), sentence)


def make_synthetic(folder: Path, n_passages: int, seed: int = SEED) -> dict:
    rng = random.Random(seed)
    sentences, questions = sentence_pool()
    folder.mkdir(parents=True, exist_ok=True)
    words = sorted({w for s in sentences for w in re.findall(r"[A-Za-z]{5,}", s)})
    n_files = (n_passages + PASSAGES_PER_FILE - 1) // PASSAGES_PER_FILE
    written = 0
    for f in range(n_files):
        lines = [f"# {' '.join(rng.sample(words, 3)).capitalize()} notes {f + 1}", ""]
        for p in range(min(PASSAGES_PER_FILE, n_passages - written)):
            if p % 6 == 0 and p:
                if rng.random() < 0.25:
                    lines += [f"## {rng.choice(questions)}", ""]
                else:
                    lines += [f"## {' '.join(rng.sample(words, rng.randint(2, 4))).capitalize()}", ""]
            k = rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5))
            lines += [" ".join(vary(rng.choice(sentences), rng, sentences) for _ in range(k)), ""]
            written += 1
        (folder / f"doc-{f:05d}.md").write_text("\n".join(lines), encoding="utf-8")
    return {"files": n_files, "paragraphs": written, "pool": len(sentences), "questions": len(questions)}


def make_stackfaq(folder: Path, limit: int = 0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if not limit:
        shutil.copyfile(STACKFAQ, folder / "faq.jsonl")
        return
    lines = [x for x in STACKFAQ.read_text(encoding="utf-8").splitlines() if x.strip()][:limit]
    (folder / "faq.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


# --- builds -------------------------------------------------------------------------------------------

def seed_onnx(index: Path) -> None:
    src = ROOT / ".qa-index" / "onnx"
    if (src / "onnx_config.json").is_file():
        shutil.copytree(src, index / "onnx")
    else:  # make one: an index of the default corpus writes the export
        r = spawn_timed([qa_bin(), "index", "--corpus", str(ROOT / "corpus"), "--index", str(index)], env=env_offline(),
                        cwd=ROOT, timeout=900)
        if r[2] != 0:
            raise SystemExit(f"could not make the ONNX export:\n{r[4][-2000:]}")


def subprocess_build(corpus: Path, index: Path, seeded: bool, keep_vectors: Path | None = None) -> dict:
    shutil.rmtree(index, ignore_errors=True)
    if seeded:
        seed_onnx(index)
    wall, rss, rc, out, err = spawn_timed([qa_bin(), "index", "--full", "--corpus", str(corpus), "--index", str(index)],
                                          env=env_offline(), cwd=ROOT, timeout=3600)
    if rc != 0:
        raise SystemExit(f"qa index failed on {corpus}:\n{(out + err)[-3000:]}")
    build = (index / "CURRENT").read_text().strip()
    manifest = json.loads((index / "builds" / build / "manifest.json").read_text())
    if keep_vectors:
        shutil.copyfile(index / "builds" / build / "vectors.npy", keep_vectors)
    return {"wall": wall, "rss": rss, "passages": manifest["passages"], "units": manifest["units"],
            "documents": manifest["documents"], "index_type": manifest.get("index_type", "flat"), "log": out.strip()}


def reindex(corpus: Path, index: Path, full: dict) -> dict:
    """`qa index` (incremental) on the index a full build just wrote: with nothing changed, and, for a
    corpus of several files in a temporary folder, after one file of it changed (for a corpus of one
    FAQ file, after one entry of it changed: the file changes, most of its texts do not)."""
    def run() -> tuple[float, str]:
        wall, _, rc, out, err = spawn_timed([qa_bin(), "index", "--corpus", str(corpus), "--index", str(index)],
                                            env=env_offline(), cwd=ROOT, timeout=3600)
        if rc != 0:
            raise SystemExit(f"qa index failed on {corpus}:\n{(out + err)[-3000:]}")
        return wall, (out.strip().splitlines() or [""])[-1]

    out = {"full": full["wall"]}
    out["unchanged"], out["unchanged_log"] = run()
    files = sorted(corpus.rglob("*.md"))
    if len(files) > 1 and corpus != ROOT / "corpus":  # never touch the repository's corpus
        with files[len(files) // 2].open("a", encoding="utf-8") as f:
            f.write("\n\nA paragraph added to measure an incremental build. It has two sentences.\n")
        out["one_changed"], out["one_changed_log"] = run()
    faq = corpus / "faq.jsonl"
    if faq.exists() and corpus != ROOT / "corpus":  # one file holds it all: edit one entry of it
        rows = faq.read_text(encoding="utf-8").splitlines()
        row = json.loads(rows[len(rows) // 2])
        row["answer"] += " An edit to measure an incremental build."
        rows[len(rows) // 2] = json.dumps(row)
        faq.write_text("\n".join(rows) + "\n", encoding="utf-8")
        out["one_changed"], out["one_changed_log"] = run()
    return out


def phases(corpus: Path, index: Path) -> dict:
    """One build in-process, phase by phase, with the calls `qa index --full` makes (qa.build.update)."""
    from qa import build
    from qa.config import Settings
    from qa.corpus import unique_ids
    from qa.index import Index, unit_texts

    shutil.rmtree(index, ignore_errors=True)
    seed_onnx(index)
    settings = Settings(corpus=corpus, index=index)
    quiet = lambda line: None  # noqa: E731
    t0 = time.perf_counter()
    info = build.model_info(settings)
    files = build.scan(corpus)
    docs = unique_ids([d for d in (build.parse(corpus / doc_id, doc_id, quiet) for doc_id in files) if d is not None])
    t_parse = time.perf_counter() - t0
    passages = [p for d in docs for p in d.passages]
    texts, _ = unit_texts(passages, {d.id: d.text for d in docs})
    t0 = time.perf_counter()
    embedder = build.build_model(settings)
    t_load = time.perf_counter() - t0
    spent = {"embed": 0.0}

    def embed(batch: list[str]):
        t = time.perf_counter()
        out = embedder.embed(batch)
        spent["embed"] += time.perf_counter() - t
        return out

    t0 = time.perf_counter()
    index_obj, embedded = Index.build(docs, embed, {**info, "files_sha": {k: files[k] for k in sorted(files)}}, None)
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    index_obj.save(index)
    t_save = time.perf_counter() - t0
    return {"parse": t_parse, "load": t_load, "embed": spent["embed"], "assemble": t_build - spent["embed"],
            "save": t_save, "units": len(texts), "passages": len(passages), "embedded": embedded,
            "embedder": type(embedder).__name__, "texts": texts, "index_type": index_obj.manifest["index_type"]}


def raw_rates(texts: list[str], index: Path, work: Path, rounds: int = 2) -> dict:
    """units/s on the same texts of: the raw model's batched encode (sentence-transformers), qa's
    OnnxEmbedder.embed, and the embedder a qa build uses (qa.build.build_model), each in a fresh
    process (torch's OpenMP threads and onnxruntime's would compete in one), in interleaved rounds
    (st, onnx, qa, then reversed) so other work on the machine hits all alike; best round reported."""
    f = work / "texts.json"
    f.write_text(json.dumps(texts), encoding="utf-8")
    out: dict = {"n": len(texts)}
    order = ["st", "onnx", "qa"]
    for r in range(rounds):
        for runtime in (order if r % 2 == 0 else order[::-1]):
            wall, rss, rc, stdout, err = spawn_timed([sys.executable, str(Path(__file__).resolve()), "--raw-worker", runtime,
                                                      "--texts", str(f), "--onnx", str(index / "onnx")],
                                                     env=env_offline(), cwd=ROOT, timeout=3600)
            if rc != 0:
                raise SystemExit(f"raw {runtime} worker failed:\n{err[-2000:]}")
            rate = json.loads(stdout.strip().splitlines()[-1])["rate"]
            out[runtime] = max(out.get(runtime, 0.0), rate)
            out[runtime + "_rss"] = rss
    return out


def raw_worker(runtime: str, texts_file: Path, onnx_dir: Path) -> None:
    texts = json.loads(texts_file.read_text(encoding="utf-8"))
    if runtime == "st":
        from sentence_transformers import SentenceTransformer

        from qa.config import default_model_path

        model = SentenceTransformer(default_model_path(), device="cpu")
        encode = lambda t: model.encode(t, batch_size=64)  # noqa: E731 - the raw model, as documented
    elif runtime == "qa":  # what `qa index` embeds with, chosen as qa.build.update chooses it
        from qa import build
        from qa.config import Settings

        model = build.build_model(Settings(index=onnx_dir.parent))
        encode = model.embed
    else:
        from qa.onnx_embed import OnnxEmbedder

        model = OnnxEmbedder(onnx_dir, batch_size=64)
        encode = model.embed
    encode(texts[:64])  # warm-up: first-call allocations
    t0 = time.perf_counter()
    encode(texts)
    print(json.dumps({"rate": len(texts) / (time.perf_counter() - t0)}))


# --- main ---------------------------------------------------------------------------------------------

def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--synthetic", type=int, default=100_000, help="synthetic corpus size in passages")
    p.add_argument("--max-minutes", type=float, default=15.0, help="fall back to 20k passages above this estimate")
    p.add_argument("--sample", type=int, default=4000, help="unit texts (at most) for the raw-encode comparison")
    p.add_argument("--quick", action="store_true", help="2,000 synthetic passages, 500-unit sample, 100 StackFAQ pairs")
    p.add_argument("--keep-vectors", type=Path, help="copy the synthetic build's vectors.npy here (for bench/scale.py --real-vectors)")
    p.add_argument("--raw-worker", choices=("st", "onnx", "qa"), help=argparse.SUPPRESS)
    p.add_argument("--texts", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--onnx", type=Path, help=argparse.SUPPRESS)
    opts = p.parse_args()
    if opts.raw_worker:
        raw_worker(opts.raw_worker, opts.texts, opts.onnx)
        return
    if opts.quick:
        opts.synthetic, opts.sample, opts.max_minutes = 2000, 500, 3

    import os

    os.environ.update(env_offline())
    work = Path(tempfile.mkdtemp(prefix="qa-build-"))
    try:
        header("Index build throughput (`qa index --full`)")
        wait_quiet()
        corpora: dict[str, Path] = {"default corpus": ROOT / "corpus"}
        if STACKFAQ.is_file():
            limit = 100 if opts.quick else 0
            make_stackfaq(work / "stackfaq", limit)
            corpora[f"StackFAQ ({limit or 719} pairs)"] = work / "stackfaq"
        else:
            print(f"(StackFAQ not found at {STACKFAQ}; skipped)")

        # The synthetic size: estimate the build from a 1,000-paragraph probe of the same generator (its
        # in-process phases are also the synthetic corpus's phase row).
        probe = work / "probe"
        make_synthetic(probe, 1000, seed=SEED + 1)
        pr = phases(probe, work / "probe-index")
        pr_texts = pr.pop("texts")
        per_passage = (pr["parse"] + pr["load"] + pr["embed"] + pr["assemble"] + pr["save"]) / pr["passages"] * 1.1
        estimate = per_passage * opts.synthetic / 60
        n_syn, note = opts.synthetic, ""
        if estimate > opts.max_minutes:
            fits = [n for n in FALLBACK_PASSAGES if n < opts.synthetic and per_passage * n / 60 <= opts.max_minutes]
            n_syn = fits[0] if fits else min(FALLBACK_PASSAGES[-1], opts.synthetic)
            note = (f"A {opts.synthetic:,}-paragraph build was estimated at {estimate:.0f} min here (from a 1,000-paragraph "
                    f"probe: {per_passage * 1000:.1f} ms per passage, {pr['units'] / pr['passages']:.1f} units per passage, "
                    f"with the machine as busy as it was), over the {opts.max_minutes:.0f} min budget: {n_syn:,} paragraphs "
                    f"were built and {opts.synthetic:,} extrapolated.")
        t0 = time.perf_counter()
        syn = make_synthetic(work / "synthetic", n_syn)
        print(f"synthetic corpus: {syn['paragraphs']:,} paragraphs in {syn['files']:,} Markdown files from a pool of "
              f"{syn['pool']:,} sentences and {syn['questions']:,} questions (seed {SEED}), written in "
              f"{time.perf_counter() - t0:.1f} s")
        if note:
            print(note)
        print()
        syn_name = f"synthetic ({n_syn / 1000:g}k paragraphs)"
        corpora[syn_name] = work / "synthetic"

        rows, phase_rows, raw_rows, reindex_rows = [], [], [], []
        for name, corpus in corpora.items():
            synthetic = corpus.name == "synthetic"
            r = subprocess_build(corpus, work / "index", seeded=True, keep_vectors=opts.keep_vectors if synthetic else None)
            rows.append((name, "ONNX export present (a rebuild)", r))
            reindex_rows.append((name, reindex(corpus, work / "index", r)))
            if corpus == ROOT / "corpus":
                r0 = subprocess_build(corpus, work / "index", seeded=False)
                rows.append((name, "empty index folder (first build: sentence-transformers, then ONNX export)", r0))
            if synthetic:  # phases from the probe: same generator, 1,000 paragraphs
                ph, texts = pr, pr_texts
                label = f"{name}: phases on a 1,000-paragraph sample"
            else:
                ph = phases(corpus, work / "index")
                texts = ph.pop("texts")
                label = name
            phase_rows.append((label, ph))
            sample = texts if len(texts) <= opts.sample else random.Random(SEED).sample(texts, opts.sample)
            raw = raw_rates(sample, work / "index", work)
            raw_rows.append((name, raw, ph, r))
            print(f"- {name}: {r['log'].splitlines()[-1] if r['log'] else ''}", flush=True)

        print("\n### `qa index --full` in a subprocess\n")
        print("| corpus | index folder | documents | passages | units | index | wall | passages/s | units/s | peak RSS |")
        print("|---|---|---:|---:|---:|---|---:|---:|---:|---:|")
        for name, how, r in rows:
            print(f"| {name} | {how} | {r['documents']:,} | {r['passages']:,} | {r['units']:,} | {r['index_type']} | "
                  f"{r['wall']:.1f} s | {r['passages'] / r['wall']:.0f} | {r['units'] / r['wall']:.0f} | {r['rss']:.0f} MB |")

        print("\n### Re-index (`qa index`, incremental) right after that full build\n")
        print("| corpus | full build | nothing changed | share of full | one file changed | share of full | what it said |")
        print("|---|---:|---:|---:|---:|---:|---|")
        for name, x in reindex_rows:
            one = (f"{x['one_changed']:.1f} s | {x['one_changed'] / x['full']:.1%}" if "one_changed" in x else "- | -")
            said = x.get("one_changed_log") or x["unchanged_log"]
            print(f"| {name} | {x['full']:.1f} s | {x['unchanged']:.2f} s | {x['unchanged'] / x['full']:.1%} | {one} | {said} |")

        print("\n### Phases of one build, timed in-process (ONNX export present)\n")
        print("| corpus | parse | load embedder | embed | assemble | save | total | embed units/s | embedder |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
        for name, ph in phase_rows:
            total = ph["parse"] + ph["load"] + ph["embed"] + ph["assemble"] + ph["save"]
            print(f"| {name} | {ph['parse']:.2f} s | {ph['load']:.2f} s | {ph['embed']:.2f} s | {ph['assemble']:.2f} s | "
                  f"{ph['save']:.2f} s | {total:.2f} s | {ph['units'] / ph['embed']:.0f} | {ph['embedder']} |")

        print("\n### Embedding throughput vs the raw model (batch 64, same unit texts, interleaved fresh processes)\n")
        print("| corpus | texts | sentence-transformers `model.encode` | OnnxEmbedder.embed | qa's build embedder | "
              "**qa's build embedder / raw ST** | qa build: in-process embed phase | qa build: whole `qa index` | "
              "whole build / raw ST | peak RSS ST / ONNX / qa process |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for name, raw, ph, r in raw_rows:
            embed_rate = ph["units"] / ph["embed"]
            whole = r["units"] / r["wall"]
            print(f"| {name} | {raw['n']:,} | {raw['st']:.0f} units/s | {raw['onnx']:.0f} units/s | {raw['qa']:.0f} units/s | "
                  f"**{raw['qa'] / raw['st']:.0%}** | {embed_rate:.0f} units/s | {whole:.0f} units/s | {whole / raw['st']:.0%} | "
                  f"{raw['st_rss']:.0f} / {raw['onnx_rss']:.0f} / {raw['qa_rss']:.0f} MB |")
        print("\n(in-process phases and whole builds ran at other moments than the interleaved comparison; on this shared "
              "machine compare rates within one row's interleaved columns first)")

        if n_syn != opts.synthetic:
            r = rows[-1][2]
            scale = opts.synthetic / r["passages"]
            units = r["units"] * scale
            from qa.index import ANN_THRESHOLD

            print(f"\n### Extrapolated to {opts.synthetic:,} paragraphs (linear in passages from the {n_syn:,}-paragraph build)\n")
            print(f"- passages about {opts.synthetic * r['passages'] / n_syn:,.0f}, units about {units:,.0f} "
                  f"({r['units'] / r['passages']:.2f} per passage)")
            print(f"- whole `qa index --full`: about {r['wall'] * scale / 60:.0f} min at the measured {r['units'] / r['wall']:.0f} "
                  f"units/s; by phase (shares from the sample): parse {pr['parse'] / pr['passages'] * opts.synthetic / 60:.1f} min, "
                  f"embed {pr['embed'] / pr['units'] * units / 60:.1f} min")
            if units >= ANN_THRESHOLD:
                had = r["index_type"] != "flat"
                print(f"- qa builds an HNSW graph above {ANN_THRESHOLD:,} units ({'the measured build included one, for' if had else 'the measured build did not need one, at'} "
                      f"{r['units']:,} units); its build time grows faster than linearly: bench/scale.py measures it at "
                      f"100k, 300k and 1M vectors")
            print(f"- peak RSS {r['rss']:.0f} MB at {n_syn:,} paragraphs; the vectors alone of {units:,.0f} units are "
                  f"{units * 384 * 4 / 2**20:.0f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
