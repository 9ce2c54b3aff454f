"""Run an evaluation file through the engine and score it.

File format (JSON Lines): {"question": str, "expected": str | null}. `expected` is text that the
answer's passage must contain; null marks a question the corpus cannot answer.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from qa.errors import QAError

MRR_DEPTH = 5


@dataclass(frozen=True)
class Case:
    question: str
    expected: str | None


@dataclass(frozen=True)
class Report:
    answerable: int
    unanswerable: int
    hit_at_1: float
    answer_precision: float
    mrr_at_5: float
    abstained: int  # unanswerable questions correctly not answered
    false_abstentions: int  # answerable questions not answered
    latency_p50_ms: float
    latency_p95_ms: float
    misses: list[dict]

    def to_dict(self) -> dict:
        return asdict(self)


def load_cases(path: Path) -> list[Case]:
    cases = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise QAError(f"Cannot read evaluation file '{path}': {e}.") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            cases.append(Case(str(row["question"]), row.get("expected")))
        except (ValueError, KeyError, TypeError):
            raise QAError(f"{path}:{n}: expected a JSON object with 'question' and 'expected'.") from None
    if not cases:
        raise QAError(f"Evaluation file '{path}' has no questions.")
    return cases


def run(engine, cases: list[Case]) -> Report:
    hits = precise = abstained = false_abst = 0
    rr, latencies, misses = 0.0, [], []
    for case in cases:
        t0 = time.perf_counter()
        r = engine.ask(case.question, top_k=MRR_DEPTH)
        latencies.append((time.perf_counter() - t0) * 1000)
        if case.expected is None:
            abstained += not r.answered
            if r.answered:
                misses.append({"question": case.question, "expected": None, "got": r.answer})
            continue
        texts = [c.text for c in r.citations] if r.answered else []
        rank = next((i + 1 for i, t in enumerate(texts) if case.expected in t), None)
        hits += rank == 1
        precise += r.answered and case.expected in r.answer
        rr += 1 / rank if rank else 0.0
        false_abst += not r.answered
        if rank != 1 or case.expected not in r.answer:
            misses.append({"question": case.question, "expected": case.expected,
                           "got": r.answer if r.answered else None})
    n_ans = sum(c.expected is not None for c in cases)
    latencies.sort()
    return Report(n_ans, len(cases) - n_ans, ratio(hits, n_ans), ratio(precise, n_ans), ratio(rr, n_ans),
                  abstained, false_abst, percentile(latencies, 50), percentile(latencies, 95), misses)


def ratio(a: float, b: int) -> float:
    return round(a / b, 4) if b else 0.0


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return 0.0
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * (len(sorted_values) - 1))))
    return round(sorted_values[k], 2)
