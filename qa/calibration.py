"""Confidence: a logistic model over generic features of the ranking and the answer span.

The probability means "the top passage holds the answer". Its coefficients are fitted by
`python bench/fit.py` on development questions only (the article's tests/eval/dev*.jsonl,
StackFAQ group A and the development sets over other documents; the article's evaluation set
tests/eval/questions.jsonl and the blind sets are never used) and stored in calibration.json.
The same coefficients serve every corpus: no threshold is set per corpus by hand.

Features, each meaningful whatever the corpus:
  score_z       fused retrieval score of the top passage, relative to the corpus's own null
                scores (qa.selfcal: what questions it cannot answer score on it)
  margin_z      its lead over the best other passage, in the same units (negative for a
                passage below the top: a later citation is scored by how far it trails; 0 for a
                top passage that a follow-up's ranking lifted above a better-scoring one: its
                prior, Hit.prior, or the search by its own words, qa.retrieve.reorder)
  question_z    cosine to the top passage's FAQ question, relative to how close the corpus's FAQ
                questions come to each other (0 unless `faq`)
  faq           1 when the top passage is an FAQ entry of an FAQ collection: at least half the
                passages are FAQ entries (qa.selfcal.faq_corpus). Scores of
                FAQ entries and of prose separate answerable from unanswerable questions at
                different levels; this lets one model place both.
  coverage      IDF-weighted share of the question's terms found anywhere in the corpus
  top_coverage  the same share found in the top passage
  type_mismatch 1 when the question asks who/when/how much and the answer span has no such thing
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from qa import answer_type
from qa.index import Index
from qa.lexical import terms
from qa.retrieve import Hit
from qa.selfcal import QUESTION_PRIOR, faq_corpus

FEATURES = ("score_z", "margin_z", "question_z", "faq", "coverage", "top_coverage", "type_mismatch")
PARAMS = Path(__file__).with_name("calibration.json")


@dataclass(frozen=True)
class QueryFacts:
    """What the features need to know about the question, worked out once per question."""

    text: str  # what the question says (with a follow-up's borrowed words): for answer_type.fits
    terms: list[str]
    coverage: float  # of the question's terms by the whole corpus
    kind: str | None  # the answer type asked for

    @classmethod
    def of(cls, index: Index, query: str, searched: str | None = None) -> QueryFacts:
        """`searched`: what was searched when it differs (a follow-up with the conversation's words):
        a name or number those words already give is not an answer to "who"/"how much"."""
        q_terms, vocab = terms(query), index.vocabulary
        return cls(searched or query, q_terms, vocab.coverage(q_terms, lambda t: t in vocab.df), answer_type.expected(query))


def features(index: Index, hits: list[Hit], q: QueryFacts, span: str, i: int = 0) -> list[float]:
    h = hits[i]
    # its lead over the best other passage: the runner-up for the top passage, the top for the others.
    # A follow-up's prior for the last answer's passage (Hit.prior) ranks, it is no evidence: scores
    # are read without it. A passage that a follow-up's ranking (the prior, or qa.retrieve.reorder)
    # lifted above a better-scoring one leads by nothing, not by less than that
    score = h.score - h.prior
    nxt = max((o.score - o.prior for j, o in enumerate(hits) if j != i), default=0.0)
    lead = max(score - nxt, 0.0) if i == 0 else score - nxt
    top_terms = set(index.passage_terms[h.passage])
    null = index.manifest.get("null_scores") or {"mean": 0.0, "sd": 1.0}
    qnull = null.get("question") or {"mean": QUESTION_PRIOR[0], "sd": QUESTION_PRIOR[1]}
    faq = index.question_unit[h.passage] >= 0 and faq_corpus(index)
    question_z = (h.question - qnull["mean"]) / qnull["sd"] if faq else 0.0
    return [(score - null["mean"]) / null["sd"], lead / null["sd"], question_z, float(faq), q.coverage,
            index.vocabulary.coverage(q.terms, lambda t: t in top_terms),
            0.0 if answer_type.fits(q.kind, span, q.text) else 1.0]


@dataclass(frozen=True)
class Calibration:
    coef: tuple[float, ...]
    intercept: float
    threshold: float = 0.5

    @classmethod
    def load(cls, path: Path = PARAMS) -> Calibration:
        data = json.loads(path.read_text(encoding="utf-8"))
        if tuple(data["features"]) != FEATURES:
            raise ValueError(f"{path} was fitted on features {data['features']}, not {FEATURES}; run bench/fit.py")
        return cls(tuple(data["coef"]), float(data["intercept"]), float(data.get("threshold", 0.5)))

    def probability(self, x: list[float]) -> float:
        z = self.intercept + sum(c * v for c, v in zip(self.coef, x))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
