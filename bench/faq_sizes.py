"""Abstention on small FAQ collections: StackFAQ cut to its first N threads.

    python bench/faq_sizes.py [--sizes 3,5,10,15,19,21,30] [--work /tmp/qa-faq-sizes]

For each N, the first N threads of shared/data/stackfaq/threads/faq.jsonl are indexed as one
JSONL FAQ file; the queries of those threads must be answered with the right thread first, and
the queries of the next N threads (not indexed) must be declined. Every query of both groups is
asked through Engine.ask, as `qa ask` does. Nothing is fitted or tuned here: it checks that the
confidence model reads a ten-entry FAQ file as it reads a hundred-entry one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import stackfaq  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "stackfaq")
    ap.add_argument("--work", type=Path, default=Path("/tmp/qa-faq-sizes"))
    ap.add_argument("--sizes", default="3,5,10,15,19,21,30")
    args = ap.parse_args()
    threads = stackfaq.read_jsonl(args.data / "threads" / "faq.jsonl")
    queries = stackfaq.read_jsonl(args.data / "threads" / "queries.jsonl")
    print("| threads indexed | answerable | answered right | unanswerable | declined | balanced |\n|---|---|---|---|---|---|")
    for n in (int(x) for x in args.sizes.split(",")):
        kept, left_out = {t["id"] for t in threads[:n]}, {t["id"] for t in threads[n:2 * n]}
        engine = stackfaq.engine_for(threads[:n], args.work / str(n))
        right = declined = answerable = unanswerable = 0
        for q in queries:
            gold = q["gold"][0]
            if gold in kept:
                r = engine.ask(q["query"], top_k=1)
                answerable += 1
                right += bool(r.answered and r.citations[0].id == gold)
            elif gold in left_out:
                unanswerable += 1
                declined += not engine.ask(q["query"], top_k=1).answered
        a, d = right / answerable, declined / unanswerable
        print(f"| {n} | {answerable} | {a:.3f} | {unanswerable} | {d:.3f} | {(a + d) / 2:.3f} |", flush=True)


if __name__ == "__main__":
    main()
