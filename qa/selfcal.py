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
MIN_QUESTION_PROBES = 30  # in prose, fewer FAQ questions than this are all probes, beside sentences
FAQ_SHARE = 0.5  # FAQ collections, by the share of passages that are FAQ entries (faq_corpus)


def faq_corpus(index: Index) -> bool:
    """Mostly FAQ entries: at least FAQ_SHARE of the passages answer an FAQ question. Its FAQ hits
    are read as an FAQ collection's are (StackFAQ's in the fit: questions paraphrase the entries);
    a document set that holds some FAQ entries among its prose is read as the article is, whatever
    their number, so that adding FAQ entries to it does not change how all of it is read."""
    return len(index.question_owner) >= FAQ_SHARE * len(index.passages)


def probes(index: Index) -> list[tuple[int, int]]:
    """(unit row, passage) pairs, at most MAX_PROBES spread evenly: an FAQ collection's questions;
    in prose, its FAQ questions and sentences (all the questions when they are fewer than
    MIN_QUESTION_PROBES, else both spread alike). An FAQ collection's
    users ask questions, not sentences of its answers: a sentence probe scores lower than a
    question does, so with sentence probes a small FAQ file looked answerable by everything
    (StackFAQ, 19 threads: 75 of 190 unanswerable queries declined; with its questions only, 180)."""
    questions = [(int(u), i) for i, u in enumerate(index.question_unit) if u >= 0]
    if questions and faq_corpus(index):
        return spread(questions, MAX_PROBES)
    sentences = [(j, int(index.sentence_owner[j])) for j in range(index.n_sentences)]
    if len(questions) < MIN_QUESTION_PROBES:  # a few FAQ entries among prose: each is a probe, sentences the rest
        return questions + spread(sentences, MAX_PROBES - len(questions))
    # many question headings in prose (a changelog's 95 "What's New in Python 3.x.y final?"): the
    # probes are spread over questions and sentences alike, so that one such document does not make
    # the null scores its own (its near-identical headings score high against each other, and with
    # its questions as the only probes every question about the other documents was declined)
    return spread(questions + sentences, MAX_PROBES)


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


# A small corpus has few probes, and the few passages it has are far apart, so its measured null
# scores are low and unsure: one sentence gives none at all, and then every question looked
# answerable (a one-line corpus answered "what is the capital of France?" at confidence 0.94).
# The measured scores are therefore pooled with PRIOR_WEIGHT pseudo-probes from the null
# distribution typical of the corpora measured so far (fused scores: the article 1.21 / 0.32,
# package READMEs 1.23 / 0.48, Debian/npm/pip docs 1.31 / 0.44, StackFAQ 1.02-1.15 / 0.29-0.31).
# A corpus with hundreds of probes keeps its own figures; one with none takes the prior's.
# The FAQ questions' null similarity (each question's cosine to the closest question of another
# entry) is pooled the same way, with a prior from the FAQ collections and files measured (StackFAQ
# 0.50-0.53 / 0.09, its subsets of 10-30 threads 0.42-0.48 / 0.07-0.14, the FAQ files of the dev
# sets 0.51-0.67 / 0.16-0.22): an FAQ collection of any size has a question_z to read.
PRIOR = (1.2, 0.4)  # mean, sd
QUESTION_PRIOR = (0.5, 0.12)
PRIOR_WEIGHT = 10
VERSION = f"prior-{PRIOR[0]}-{PRIOR[1]}-{QUESTION_PRIOR[0]}-{QUESTION_PRIOR[1]}-{PRIOR_WEIGHT}-faqprobes-mixed"  # a change re-measures null scores


def stats(values: list[float], floor: float, prior: tuple[float, float] | None = None, weight: float = 0) -> dict:
    s = np.array(values, dtype=float)
    n, k = len(s), weight if prior is not None else 0
    if n + k == 0:
        return {"mean": 0.0, "sd": floor, "probes": 0}
    m0, sd0 = prior if prior is not None else (0.0, 0.0)
    mean = (s.sum() + k * m0) / (n + k)
    var = (((s - mean) ** 2).sum() + k * (sd0 ** 2 + (m0 - mean) ** 2)) / (n + k)
    return {"mean": round(float(mean), 4), "sd": round(float(max(np.sqrt(var), floor)), 4), "probes": n}


def null_stats(index: Index) -> dict:
    return {**stats(null_scores(index), 0.05, PRIOR, PRIOR_WEIGHT),
            "question": stats(null_question_similarity(index), 0.02, QUESTION_PRIOR, PRIOR_WEIGHT)}
