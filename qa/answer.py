"""Ranked passages -> the contract: the answer (qa.span), citations, confidence, abstention."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from qa.calibration import Calibration, QueryFacts, features
from qa.corpus import leaf_path
from qa.index import Index
from qa.retrieve import Hit
from qa.schemas import AskResponse, Citation
from qa.span import answer_sentences, answer_span

NOT_ANSWERED = "Sorry, I couldn't find an answer to that in the documents."
SUGGEST_FLOOR = 0.25  # FAQ questions less similar than this are not worth suggesting
MAX_SUGGESTIONS = 3


def respond(index: Index, hits: list[Hit], question: str, query: str, top_k: int, corpus: Path,
            cal: Calibration, suggest: Callable[[], list[str]], searched: str | None = None) -> AskResponse:
    """`question` is what the user asked (echoed back), `query` what was searched (typos repaired)."""
    q = QueryFacts.of(index, query, searched)
    # which sentences of each passage may answer, worked out once: questions alone answer nothing
    kept = [(h, m) for h in hits if (m := answer_sentences(index, h.passage)).any()]
    hits, masks = [h for h, _ in kept], [m for _, m in kept]
    # the confidence reads the sentence that matched best, as it was fitted (bench/fit.py): a
    # two-sentence answer holds a name or a number by chance more often than the evidence does
    probs = [cal.probability(features(index, hits, q, span_text(index, h, answer_span(index, h, pairs=False,
                                                                                      answers=m)), i))
             for i, (h, m) in enumerate(zip(hits[:max(top_k, 1)], masks))]
    if not probs or probs[0] < cal.threshold:
        return AskResponse(question=question, answered=False, answer=NOT_ANSWERED,
                           confidence=round(probs[0], 4) if probs else 0.0, citations=[], suggestions=suggest())
    # citations[0] is where the answer comes from; the rest follow by their own calibrated score
    rest = sorted(zip(hits[1:top_k], probs[1:]), key=lambda hp: -hp[1])
    citations = [citation(index, h, corpus, p) for h, p in [(hits[0], probs[0]), *rest]]
    return AskResponse(question=question, answered=True,
                       answer=span_text(index, hits[0], answer_span(index, hits[0], asked=q.terms, question=question,
                                                                       answers=masks[0])),
                       confidence=round(probs[0], 4), citations=citations, suggestions=[])


def span_text(index: Index, hit: Hit, span: tuple[int, int]) -> str:
    return index.doc_by_id[index.passages[hit.passage].doc_id].text[span[0]:span[1]]


def citation(index: Index, hit: Hit, corpus: Path, score: float) -> Citation:
    p = index.passages[hit.passage]
    return Citation(id=p.id, source=source_path(corpus, p.doc_id), section=p.section, text=p.text,
                    start=p.start, end=p.end, score=round(score, 4))


def source_path(corpus: Path, doc_id: str) -> str:
    """The document's path relative to the working directory when it lies below it, else absolute."""
    return _source_path(corpus, doc_id, os.getcwd())


@lru_cache(maxsize=4096)
def _source_path(corpus: Path, doc_id: str, cwd: str) -> str:
    path = leaf_path(corpus / doc_id)  # an alias link in the corpus keeps its own name
    try:
        return path.relative_to(Path(cwd).resolve()).as_posix()
    except ValueError:
        return str(path)


def faq_suggestions(index: Index, qvec, exclude: set[int] = frozenset()) -> list[str]:
    """The FAQ questions closest to the question, for "Did you mean…"."""
    units = index.question_unit
    has_q = [i for i in range(len(units)) if units[i] >= 0 and i not in exclude]
    if not has_q:
        return []
    sims = index.vectors[units[has_q]] @ qvec
    out: list[str] = []
    for k in sorted(range(len(has_q)), key=lambda k: -sims[k]):
        if sims[k] < SUGGEST_FLOOR or len(out) == MAX_SUGGESTIONS:
            break
        question = index.passages[has_q[k]].question
        if question not in out:  # one entry split into passages, or the same FAQ in two files: said once
            out.append(question)
    return out
