"""Run an evaluation file through the engine and score it.

Two formats (JSON Lines), told apart by their rows:
- questions: {"question": str, "expected": str | null}. `expected` is text that the answer's passage
  must contain; null marks a question the corpus cannot answer. It must be given (a row without it
  is an error, not an unanswerable question) and must not be empty (every passage contains "").
- dialogues: {"turns": [str, str, ...], "expected": str | null}. The turns are asked in order, each
  with the earlier turns and the answers actually given as history; `expected` is about the last
  turn. The report also scores the last question asked alone, to show what the conversation adds.

A row that breaks these rules, or a question `qa ask` would refuse, is a QAError naming file:line.
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
    hit_at_1: float | None  # None: the file has no answerable question, so the figure does not apply
    answer_precision: float | None
    mrr_at_5: float | None
    abstained: int  # unanswerable questions correctly not answered
    false_abstentions: int  # answerable questions not answered
    latency_p50_ms: float
    latency_p95_ms: float
    misses: list[dict]

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Dialogue:
    turns: tuple[str, ...]
    expected: str | None


@dataclass(frozen=True)
class DialogueReport:
    dialogues: int
    answerable: int
    unanswerable: int
    hit_at_1: float | None  # follow-up hit@1: the last answer's citations[0] has the expected text
    answer_precision: float | None
    mrr_at_5: float | None
    abstained: int
    false_abstentions: int
    alone_hit_at_1: float | None  # the same, the last question asked without the conversation
    alone_abstained: int
    follow_ups: int  # last turns searched with borrowed terms (not standalone)
    latency_p50_ms: float
    latency_p95_ms: float
    misses: list[dict]

    def to_dict(self) -> dict:
        return asdict(self)


def _lines(path: Path) -> list[tuple[int, dict]]:
    try:
        # a byte-order mark (a file saved by Excel or Notepad) is not part of the first row; rows end at
        # line feeds only: a raw U+2028 may sit inside a JSON string
        lines = [line.rstrip("\r") for line in path.read_text(encoding="utf-8-sig").split("\n")]
    except (OSError, UnicodeDecodeError) as e:
        raise QAError(f"Cannot read evaluation file '{path}': {e}.") from None
    rows = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            raise QAError(f"{path}:{n}: not JSON; expected one object per line.") from None
        if not isinstance(row, dict):
            raise QAError(f"{path}:{n}: expected a JSON object.")
        rows.append((n, row))
    return rows


def file_kind(path: Path) -> str:
    """"dialogues" when the file's first row has "turns", else "questions"."""
    rows = _lines(path)
    return "dialogues" if rows and "turns" in rows[0][1] else "questions"


MISSING_EXPECTED = "'expected' is missing: give the text to cite, or null for a question the documents cannot answer"


def _expected(path: Path, n: int, row: dict) -> str | None:
    """The row's `expected`: text to find in the cited passage, or None (unanswerable); else QAError."""
    if "expected" not in row:
        raise QAError(f"{path}:{n}: {MISSING_EXPECTED}.")
    expected = row["expected"]
    if expected is not None and not isinstance(expected, str):
        raise QAError(f"{path}:{n}: 'expected' must be text or null, not {_json_type(expected)}.")
    if expected is not None and not expected.strip():
        raise QAError(f"{path}:{n}: 'expected' is empty (every passage would contain it): give the text "
                      "to cite, or null for a question the documents cannot answer.")
    return expected


def _question(path: Path, n: int, value, turn: int | None = None) -> str:
    """A question of the file (or a dialogue's turn), checked as `qa ask` checks one."""
    from qa.engine import clean_question
    from qa.errors import QuestionError

    name = "'question'" if turn is None else f"turn {turn}"
    if not isinstance(value, str):
        raise QAError(f"{path}:{n}: {name} must be text, not {_json_type(value)}.")
    try:
        clean_question(value)
    except QuestionError as e:  # its first sentence: the rest is advice for `qa ask`
        reason = str(e).split(". ")[0].rstrip(".")
        raise QAError(f"{path}:{n}: {reason}." if turn is None else f"{path}:{n}: turn {turn}: {reason}.") from None
    return value


def _json_type(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return {dict: "an object", list: "a list", int: "a number", float: "a number", str: "text"}.get(type(value), "null")


def load_dialogues(path: Path) -> list[Dialogue]:
    out = []
    for n, row in _lines(path):
        if "turns" not in row:
            raise QAError(f"{path}:{n}: 'turns' is missing: give the questions of the dialogue, in order "
                          "({\"turns\": [\"question\", ...], \"expected\": \"text\" or null}).")
        turns = row["turns"]
        if not isinstance(turns, list) or not turns:
            raise QAError(f"{path}:{n}: 'turns' must be a list of one or more questions"
                          f"{'' if isinstance(turns, list) else ', not ' + _json_type(turns)}.")
        turns = [_question(path, n, t, i) for i, t in enumerate(turns, 1)]
        out.append(Dialogue(tuple(turns), _expected(path, n, row)))
    if not out:
        raise QAError(f"Evaluation file '{path}' has no dialogues.")
    return out


def load_cases(path: Path) -> list[Case]:
    cases = []
    for n, row in _lines(path):
        if "question" not in row:
            raise QAError(f"{path}:{n}: 'question' is missing; expected {{\"question\": \"text\", "
                          "\"expected\": \"text\" or null}.")
        cases.append(Case(_question(path, n, row["question"]), _expected(path, n, row)))
    if not cases:
        raise QAError(f"Evaluation file '{path}' has no questions.")
    return cases


def warm(engine) -> None:
    """Load what the first question would load (the query model), so that latency measures answers."""
    engine.ask("warm up")


def run(engine, cases: list[Case]) -> Report:
    warm(engine)
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
        rank = cited_rank(r, case.expected)
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


def cited_rank(r, expected: str) -> int | None:
    """1-based rank of the first citation holding the expected text; None if none does (or declined)."""
    texts = [c.text for c in r.citations] if r.answered else []
    return next((i + 1 for i, t in enumerate(texts) if expected in t), None)


def run_dialogues(engine, dialogues: list[Dialogue]) -> DialogueReport:
    """Each dialogue's turns in order, the earlier turns and their actual answers as history."""
    from qa.conversation import is_standalone
    from qa.engine import clean_question
    from qa.schemas import Turn

    warm(engine)
    hits = precise = abstained = false_abst = alone_hits = alone_abst = follow_ups = 0
    rr, latencies, misses = 0.0, [], []
    for d in dialogues:
        history: list[Turn] = []
        for question in d.turns[:-1]:
            r = engine.ask(question, top_k=MRR_DEPTH, history=history)
            history.append(Turn(question=question, answer=r.answer))
        last = d.turns[-1]
        t0 = time.perf_counter()
        r = engine.ask(last, top_k=MRR_DEPTH, history=history)
        latencies.append((time.perf_counter() - t0) * 1000)
        alone = engine.ask(last, top_k=MRR_DEPTH)
        query = engine.state.speller.correct(clean_question(last))
        follow_ups += bool(history) and not is_standalone(query, history, engine.index.vocabulary)
        if d.expected is None:
            abstained += not r.answered
            alone_abst += not alone.answered
            if r.answered:
                misses.append({"turns": list(d.turns), "expected": None, "got": r.answer})
            continue
        rank = cited_rank(r, d.expected)
        hits += rank == 1
        precise += r.answered and d.expected in r.answer
        rr += 1 / rank if rank else 0.0
        false_abst += not r.answered
        alone_hits += alone.answered and d.expected in alone.citations[0].text
        if rank != 1:
            misses.append({"turns": list(d.turns), "expected": d.expected, "got": r.answer if r.answered else None})
    n_ans = sum(d.expected is not None for d in dialogues)
    latencies.sort()
    return DialogueReport(len(dialogues), n_ans, len(dialogues) - n_ans, ratio(hits, n_ans), ratio(precise, n_ans),
                          ratio(rr, n_ans), abstained, false_abst, ratio(alone_hits, n_ans), alone_abst, follow_ups,
                          percentile(latencies, 50), percentile(latencies, 95), misses)


def ratio(a: float, b: int) -> float | None:
    """a / b, or None when there is nothing to count (no answerable question: hit@1 does not apply,
    and 0.0 would read as a total failure)."""
    return round(a / b, 4) if b else None


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return 0.0
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * (len(sorted_values) - 1))))
    return round(sorted_values[k], 2)
