"""StackFAQ through qa itself: both protocols of shared/data/stackfaq/README.md.

    python bench/stackfaq.py [--data ../shared/data/stackfaq] [--work /tmp/qa-stackfaq]

Each corpus is indexed as a folder holding the JSONL FAQ file, and every query goes through
the same engine as `qa ask`: Engine.search for rankings, Engine.ask for answer/abstain.
Prints Markdown tables for group A (the only group anything was tuned on), group B and all.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.config import Settings  # noqa: E402
from qa.engine import Engine  # noqa: E402


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def engine_for(rows: list[dict], work: Path) -> Engine:
    """An engine over a corpus folder holding the rows as one JSONL FAQ file. The index in `work`
    is kept between runs and brought up to date like any other (rebuilt only if stale)."""
    corpus = work / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps({"id": r["id"], "question": r["question"], "answer": r["answer"]}) + "\n"
                   for r in rows)
    faq = corpus / "faq.jsonl"
    if not faq.exists() or faq.read_text(encoding="utf-8") != text:
        faq.write_text(text, encoding="utf-8")
    return Engine(Settings(corpus=corpus, index=work / "index"))


def retrieval(engine: Engine, queries: list[dict]) -> dict[str, dict]:
    out = {}
    for group in ("A", "B", "all"):
        qs = [q for q in queries if group == "all" or q["group"] == group]
        hit1 = mrr = p5 = 0.0
        for q in qs:
            _, _, hits = engine.search(q["query"], 100)
            ids = [engine.index.passages[h.passage].id for h in hits]
            rel = [i in q["gold"] for i in ids]
            hit1 += rel[0] if rel else 0
            first = next((n for n, r in enumerate(rel, 1) if r), None)
            mrr += 1 / first if first else 0
            p5 += sum(rel[:5]) / 5
        n = len(qs)
        out[group] = {"n": n, "hit@1": hit1 / n, "mrr": mrr / n, "p@5": p5 / n}
    return out


def abstention(engine: Engine, queries: list[dict], removed: set[str]) -> dict[str, dict]:
    out = {}
    results = []
    for q in queries:
        r = engine.ask(q["query"], top_k=1)
        answerable = q["gold"][0] not in removed
        right = r.answered and r.citations and r.citations[0].id in q["gold"]
        results.append((q["group"], answerable, r.answered, right))
    for group in ("A", "B", "all"):
        rs = [x for x in results if group == "all" or x[0] == group]
        ans = [x for x in rs if x[1]]
        una = [x for x in rs if not x[1]]
        answered_right = sum(x[3] for x in ans) / max(len(ans), 1)
        abstained = sum(not x[2] for x in una) / max(len(una), 1)
        out[group] = {"answerable": len(ans), "unanswerable": len(una), "answered right": answered_right,
                      "abstained": abstained, "balanced": (answered_right + abstained) / 2}
    return out


def table(title: str, rows: dict[str, dict]) -> str:
    cols = list(next(iter(rows.values())))
    lines = [f"### {title}", "", "| group | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for g, r in rows.items():
        lines.append(f"| {g} | " + " | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in r.values()) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "stackfaq")
    ap.add_argument("--work", type=Path, default=Path("/tmp/qa-stackfaq"))
    ap.add_argument("--only", choices=["retrieval", "abstention"], default=None)
    args = ap.parse_args()
    t0 = time.perf_counter()
    if args.only != "abstention":
        engine = engine_for(read_jsonl(args.data / "faq.jsonl"), args.work / "paper")
        print(table("Paper protocol: 719 answers, 1,249 queries (hit = any answer of the right thread)",
                    retrieval(engine, read_jsonl(args.data / "queries.jsonl"))), "\n")
    if args.only != "retrieval":
        removed = set((args.data / "abstain_threads.txt").read_text().split())
        threads = [r for r in read_jsonl(args.data / "threads" / "faq.jsonl") if r["id"] not in removed]
        engine = engine_for(threads, args.work / "abstain")
        print(table("Abstention protocol: 100 threads indexed, 25 left out",
                    abstention(engine, read_jsonl(args.data / "threads" / "queries.jsonl"), removed)), "\n")
    print(f"({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
