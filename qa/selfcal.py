"""Self-calibration: how well does a question score when the corpus does NOT hold its answer?

Measured on the corpus itself when the index is built, by leave-one-out: each probe (an FAQ
question, else a sentence) is searched with its own entry taken out, and the best score that
remains is what an unanswerable, near-topic question scores on this corpus. The confidence
model reads scores relative to these "null" scores (`z = (score - mean) / sd`), so one set of
coefficients serves corpora whose raw scores sit at very different levels.
"""

from __future__ import annotations

import numpy as np

from qa import retrieve
from qa.index import Index

MAX_PROBES = 300
MIN_QUESTION_PROBES = 30  # with fewer FAQ questions than this, sentences are probes too


def probes(index: Index) -> list[tuple[int, int]]:
    """(unit row, passage) pairs: FAQ questions first, then sentences, spread evenly, at most MAX_PROBES."""
    questions = [(int(u), i) for i, u in enumerate(index.question_unit) if u >= 0]
    chosen = spread(questions, MAX_PROBES)
    if len(questions) < MIN_QUESTION_PROBES:
        sentences = [(j, int(index.sentence_owner[j])) for j in range(index.n_sentences)]
        chosen += spread(sentences, MAX_PROBES - len(chosen))
    return chosen


def spread(items: list, n: int) -> list:
    if len(items) <= n:
        return items
    return [items[int(k)] for k in np.linspace(0, len(items) - 1, n)]


def unit_text(index: Index, unit: int, passage: int) -> str:
    return index.sentence_text[unit] if unit < index.n_sentences else index.passages[passage].question


def null_scores(index: Index) -> list[float]:
    """The best score each probe gets once its own entry (every passage with the same FAQ question,
    or the sentence's own passage) is out of the corpus."""
    by_question: dict[str, list[int]] = {}
    for i, p in enumerate(index.passages):
        if p.question:
            by_question.setdefault(p.question, []).append(i)
    scores = []
    for unit, passage in probes(index):
        scope = np.ones(len(index.passages), dtype=bool)
        scope[by_question.get(index.passages[passage].question, [passage]) if unit >= index.n_sentences else [passage]] = False
        if not scope.any():
            continue
        hits = retrieve.search(index, index.vectors[unit], unit_text(index, unit, passage), k=1, scope=scope)
        if hits:
            scores.append(hits[0].score)
    return scores


def null_question_similarity(index: Index) -> list[float]:
    """For each FAQ question, its cosine to the closest question of another entry: how close an
    unanswerable question comes to some FAQ question on this corpus."""
    units = [(int(u), p.question) for u, p in zip(index.question_unit, index.passages) if u >= 0]
    if len(units) < 2:
        return []
    units = spread(units, MAX_PROBES * 4)
    vecs = index.vectors[[u for u, _ in units]]
    sims = vecs @ vecs.T
    same = np.array([[a == b for _, b in units] for _, a in units])
    sims[same] = -1.0
    return [float(x) for x in sims.max(axis=1) if x > -1.0]


def stats(values: list[float], floor: float) -> dict:
    s = np.array(values or [0.0])
    return {"mean": round(float(s.mean()), 4), "sd": round(float(max(s.std(), floor)), 4), "probes": len(values)}


def null_stats(index: Index) -> dict:
    return {**stats(null_scores(index), 0.05), "question": stats(null_question_similarity(index), 0.02)}
