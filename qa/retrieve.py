"""Question -> ranked passages, each with its best sentence and the evidence behind its score.

Candidates come from FAISS (nearest units: sentences, whole passages, FAQ questions) and from
BM25 over passages. Every sentence of a candidate passage is then scored by one linear fusion
of dense and lexical evidence (weights in `Weights`, fitted by `bench/fit.py` on the dev set):

    sentence = sentence cosine + w_bm25 * BM25(sentence) / max BM25(sentence)
    score = w_sentence * sentence + w_passage * passage cosine
            + w_question * max(0, FAQ question cosine - q_floor)
            + w_coverage * coverage + w_definition * defines

where coverage is the IDF-weighted share of the question's terms that the passage holds, its
headings and FAQ question included. Two passages often match a question about as closely while
only one names what it asks about ("exit code 8", a setting's name in a heading); a sentence's
BM25 sees only the sentence. Measured against no coverage term (hit@1 on the development sets,
weights 0.25 / 0.5 / 0.75 / 1.0): 0.5 gains 9 right citations over about 410 questions (READMEs
0.702 -> 0.746, systemd/pip/coreutils docs 0.773 -> 0.803, Valgrind/xsltproc/man-db docs 0.840 ->
0.862, the article's dev2 0.689 -> 0.711; the zlib/Node docs lose one, 0.722 -> 0.704), StackFAQ
paper protocol 0.960 / 0.971 -> 0.962 / 0.974; 0.25 gains 3, 0.75 gains 8, 1.0 gains 5.

Asked "what is X?" (qa.answer_type.defined), a passage whose sentence says what X is ("X is a …",
"X means …", "… a X, a …"; qa.answer_type.definition) gains w_definition and joins the candidates
(definitions: at most MAX_DEFINING of them): such a sentence and one that merely mentions X ("the
use of a split-priced round suggests …") are alike to MiniLM and to BM25.
Development sets: 4 of 5 such questions were missed; with 0.6 (0.3 too little; 0.6 and 1.0 alike)
2 are right (the article's dev2, READMEs) and nothing else changes on any set or on StackFAQ.

A follow-up (qa.conversation) most often asks about what the last answer said, or next to it (of 71
development dialogues, 40 expected answers lie in the last answer's passage, 13 beside it): the
passage the last answer came from (`previous`) is a candidate and gains w_previous in the ranking.
It is no evidence that the passage answers: the confidence reads scores without it (Hit.prior), a
passage it lifted to the top as level with the one it passed. Dialogue hit@1 with 0.03: article dev
0.684 -> 0.737, READMEs 0.60 -> 0.65, the others unchanged; 0.05 loses one on pip/npm/ssh, 0.1 more;
its neighbours too: no gain.

A follow-up that names things of its own is also searched by itself; `reorder` ranks the hits of
the search with borrowed words by the sum of both searches' scores (qa.engine, qa.conversation).

A passage scores as its best sentence. An FAQ entry's answer was written whole for its question,
so for FAQ passages the whole entry and its question weigh more and any one sentence less
(`faq_sentence`, `faq_passage`): on long answers the best of many sentences matches by chance
(StackFAQ group A: hit@1 0.93 -> 0.96). Prose passages keep their weights; q_floor went from 0.5
to 0.3, which matters for prose only where alternates.yaml gives a passage curated phrasings.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

import numpy as np

from qa.answer_type import defined, definition
from qa.index import Index
from qa.lexical import terms

CANDIDATE_UNITS = 256  # nearest units asked of FAISS (HNSW efSearch matches it)
CANDIDATE_PASSAGES = 32
SCOPE_WHOLE = 2000  # a scope of at most this many passages is scored whole


@dataclass(frozen=True)
class Weights:
    passage: float = 0.75
    question: float = 2.0
    q_floor: float = 0.3
    bm25: float = 0.5
    faq_sentence: float = 0.25  # FAQ passages: weight of the best sentence (prose: 1)
    faq_passage: float = 1.0  # FAQ passages: weight of the whole entry's cosine (prose: `passage`)
    coverage: float = 0.5  # the IDF-weighted share of the question's terms the passage holds (with its headings)
    definition: float = 0.6  # asked "what is X?", a passage with a sentence defining X ("X is a …", "X, a …")
    previous: float = 0.03  # a follow-up: the passage the conversation's last answer came from


@dataclass(frozen=True)
class Hit:
    passage: int  # index into Index.passages
    score: float
    sentence: int  # global sentence number of the best sentence
    sentence_scores: np.ndarray  # fused score of each sentence of the passage, in order
    dense: float  # best sentence cosine
    question: float  # FAQ question cosine (0 when the passage is not an FAQ answer)
    # what passage_pair_leads needs, kept so that it runs only for the passages that are answered
    qvec: np.ndarray | None = None
    bm25: np.ndarray | None = None  # the passage's sentences' normalised BM25
    bonus: float = 0.0  # what coverage of the question's terms (Weights.coverage) and a definition add to `score`
    prior: float = 0.0  # what being the last answer's passage adds to `score` (Weights.previous): ranks, is no evidence


# An index's null scores (qa.selfcal) were measured with the scoring of its day: this names it, so
# that a change re-measures them. Bump the number when score_passage's formula or what BM25 counts
# changes (4: Index.sentence_terms; 5: passage coverage; 6: definitions; 7: a definition opens its
# sentence, at most MAX_DEFINING); a change
# of weights or candidate counts changes the version by itself (not Weights.previous: null scores
# are measured on questions asked alone).
SCORING_VERSION = "7-" + hashlib.sha256(repr((replace(Weights(), previous=0.0), CANDIDATE_UNITS, CANDIDATE_PASSAGES,
                                              SCOPE_WHOLE)).encode()).hexdigest()[:12]


def search(index: Index, qvec: np.ndarray, question: str, k: int, w: Weights = Weights(),
           scope: np.ndarray | None = None, asked: str | None = None, previous: int | None = None) -> list[Hit]:
    """The k best passages; with `scope` (a boolean mask over passages) only passages inside it.
    `asked`: the question as asked, when `question` (what is searched) has words added to it
    (synonyms, a follow-up's borrowed words): what it asks for is read from it (definitions).
    `previous`: for a follow-up, the passage the conversation's last answer came from; it is a
    candidate and gains w.previous (ignored when it lies outside `scope`)."""
    bm25_s = sentence_bm25(index, question)
    cov = passage_coverage(index, question)
    defining = definitions(index, asked if asked is not None else question, bm25_s)
    if previous is not None and scope is not None and not scope[previous]:
        previous = None
    if scope is not None and scope.sum() <= SCOPE_WHOLE:  # every passage in scope, scored at once
        candidates = best_in_scope(index, qvec, bm25_s, scope, max(k, CANDIDATE_PASSAGES), w, cov, defining)
    else:
        candidates = candidate_passages(index, qvec, question, scope)
        candidates += [i for i in defining if (scope is None or scope[i]) and i not in candidates]
    if previous is not None and previous not in candidates:
        candidates.append(previous)
    hits = [score_passage(index, i, qvec, bm25_s, w, cov, defining, previous) for i in candidates]
    hits.sort(key=lambda h: -h.score)
    return hits[:k]


def reorder(hits: list[Hit], alone: list[Hit], weight: float = 1.0) -> list[Hit]:
    """`hits` (a follow-up searched with the words it borrows) in the order of their score plus
    `weight` times their score in `alone` (the follow-up searched by itself; the lowest score
    there for a passage it did not find). Each keeps the better of its two scores, which the
    confidence reads: "and what about competitors?" after "who leads the round?" is answered by
    the passage its own words find, though the borrowed ones do not (development dialogues: no
    answer, decline or false abstention changed)."""
    own = {h.passage: h.score for h in alone}
    floor = min(own.values(), default=0.0)
    ranked = sorted(hits, key=lambda h: -(h.score + weight * own.get(h.passage, floor)))
    return [replace(h, score=max(h.score, own.get(h.passage, h.score))) for h in ranked]


def sentence_bm25(index: Index, question: str) -> np.ndarray:
    """Every sentence's BM25 score for the question, divided by the best one's (all 0 when none matches)."""
    bm25_s = index.bm25("sentence").scores(question)
    return bm25_s / bm25_s.max() if bm25_s.max() > 0 else bm25_s


MAX_DEFINING = 8  # passages a definition brings in: the ones whose defining sentence matches best by BM25
DEFINITION_READS = 200  # sentences holding the thing's terms that are read for a definition, best BM25 first


def definitions(index: Index, question: str, bm25_s: np.ndarray) -> list[int]:
    """The passages (at most MAX_DEFINING) with a sentence that says what a "what is X?" question asks
    about (qa.answer_type.defined and .definition: "X is a …", "X means …", "… a X, a …"); empty
    for other questions. Of the sentences holding every term of X (the sentence BM25's index
    finds them), the DEFINITION_READS that match the question best are read, so a thing named in
    every sentence of a large corpus costs no more than a rare one."""
    thing = defined(question)
    pattern = definition(thing) if thing else None
    x_terms = terms(thing) if pattern else []
    if not x_terms:
        return []
    bm25 = index.bm25("sentence")
    held = bm25.holders(x_terms[0])
    for t in x_terms[1:]:
        held = np.intersect1d(held, bm25.holders(t))
    if len(held) > DEFINITION_READS:
        held = held[np.argpartition(-bm25_s[held], DEFINITION_READS)[:DEFINITION_READS]]
    held = sorted((int(i) for i in held), key=lambda i: (-bm25_s[i], i))
    owners: dict[int, None] = {}
    for i in held:
        if pattern.search(index.sentence_text[i]):
            owners.setdefault(int(index.sentence_owner[i]))
            if len(owners) == MAX_DEFINING:
                break
    return list(owners)


def candidate_passages(index: Index, qvec: np.ndarray, question: str, scope: np.ndarray | None = None) -> list[int]:
    """Owners of the nearest units, then the best BM25 passages."""
    units = index.search_units(qvec, min(index.vectors.shape[0], CANDIDATE_UNITS))
    owners = [unit_owner(index, int(u)) for u in units]
    bm25 = index.bm25("passage").scores(question)
    if scope is not None:
        owners = [i for i in owners if scope[i]]
        bm25 = np.where(scope, bm25, 0)
    top = min(CANDIDATE_PASSAGES, len(bm25) - 1)
    lexical = np.argpartition(-bm25, top)[:top + 1] if top > 0 else np.arange(len(bm25))
    seen: dict[int, None] = {}
    for i in owners:
        seen.setdefault(i)
        if len(seen) >= CANDIDATE_PASSAGES:
            break
    for i in lexical:
        if bm25[i] > 0:
            seen.setdefault(int(i))
    return list(seen)


def unit_owner(index: Index, unit: int) -> int:
    """The passage a unit belongs to: units are sentences, then passages, then FAQ questions."""
    n_s, n_p = index.n_sentences, len(index.passages)
    if unit < n_s:
        return int(index.sentence_owner[unit])
    if unit < n_s + n_p:
        return unit - n_s
    if unit < index.first_phrasing:
        return int(index.question_owner[unit - n_s - n_p])
    return int(index.phrasing_owner[unit - index.first_phrasing])


def passage_coverage(index: Index, question: str) -> np.ndarray:
    """Per passage, the IDF-weighted share of the question's terms it holds, headings and FAQ
    question included (qa.lexical: the same terms as BM25)."""
    return index.bm25("passage").coverage(terms(question), index.vocabulary)


def best_in_scope(index: Index, qvec: np.ndarray, bm25_s: np.ndarray, scope: np.ndarray, n: int,
                  w: Weights = Weights(), cov: np.ndarray | None = None, defining: list[int] = ()) -> list[int]:
    """The n passages of `scope` that score best, every passage in it scored by score_passage's formula
    in one pass of array arithmetic: a scope of hundreds of passages (a question limited to some
    documents; each of qa.selfcal's leave-one-out probes) costs a few matrix products, not a Python
    call per passage. The hits themselves are then scored by score_passage, so they are the same."""
    inside = np.flatnonzero(scope)
    if len(inside) <= n:
        return [int(i) for i in inside]
    v, n_s, first = index.vectors, index.n_sentences, index.first_sentence
    if 2 * len(inside) < len(index.passages):  # a small part of the corpus: its own rows only
        passages = inside
        lens = first[inside + 1] - first[inside]
        starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
        rows, passage_rows = np.repeat(first[inside] - starts, lens) + np.arange(lens.sum()), n_s + inside
    else:  # most of it (each of qa.selfcal's probes): every row, one product each, nothing copied
        passages = np.arange(len(index.passages))
        lens, starts = np.diff(first), first[:-1]
        rows, passage_rows = slice(0, n_s), slice(n_s, n_s + len(passages))
    owner = np.repeat(np.arange(len(passages)), lens)
    passage_cos = v[passage_rows] @ qvec
    qu = index.question_unit[passages]
    faq = qu >= 0
    q_cos = np.zeros(len(passages), dtype=np.float32)
    q_cos[faq] = v[qu[faq]] @ qvec
    a, b = index.phrasing_offsets[passages], index.phrasing_offsets[passages + 1]
    if (b > a).any():  # curated phrasings count as the FAQ question does
        lens_p = b - a
        prow = np.repeat(a - np.concatenate([[0], np.cumsum(lens_p)[:-1]]), lens_p) + np.arange(lens_p.sum())
        np.maximum.at(q_cos, np.repeat(np.arange(len(passages)), lens_p), v[index.first_phrasing + prow] @ qvec)
    sentence = v[rows] @ qvec + w.bm25 * bm25_s[rows]
    fused = np.where(faq[owner], w.faq_sentence * sentence + w.faq_passage * passage_cos[owner],
                     sentence + w.passage * passage_cos[owner])
    fused += w.question * np.maximum(0.0, q_cos - w.q_floor)[owner]
    best = np.maximum.reduceat(fused, starts)
    if cov is not None:
        best = best + w.coverage * cov[passages]
    if len(defining):  # `passages` is sorted: those of it that define what was asked gain the bonus
        d = np.asarray(defining, dtype=np.int64)
        at = np.minimum(np.searchsorted(passages, d), len(passages) - 1)
        best[at[passages[at] == d]] += w.definition
    if len(passages) > len(inside):
        best = best[inside]
    top = np.lexsort((inside, -best))[:n]  # ties in document order, as when scoring one by one
    return [int(inside[j]) for j in top]


def score_passage(index: Index, i: int, qvec: np.ndarray, bm25_s: np.ndarray, w: Weights,
                  cov: np.ndarray | None = None, defining: list[int] = (), previous: int | None = None) -> Hit:
    first, last = index.first_sentence[i], index.first_sentence[i + 1]
    v = index.vectors
    sent_cos = v[first:last] @ qvec
    passage_cos = float(v[index.n_sentences + i] @ qvec)
    qu = index.question_unit[i]
    q_cos = float(v[qu] @ qvec) if qu >= 0 else 0.0
    a, b = index.phrasing_offsets[i], index.phrasing_offsets[i + 1]
    if b > a:  # curated phrasings count as the FAQ question does
        q_cos = max(q_cos, float((v[index.first_phrasing + a:index.first_phrasing + b] @ qvec).max()))
    sentence = sent_cos + w.bm25 * bm25_s[first:last]
    if qu >= 0:
        fused = w.faq_sentence * sentence + w.faq_passage * passage_cos
    else:
        fused = sentence + w.passage * passage_cos
    fused = fused + w.question * max(0.0, q_cos - w.q_floor)
    best = int(np.argmax(fused))
    bonus = (w.coverage * float(cov[i]) if cov is not None else 0.0) + (w.definition if i in defining else 0.0)
    prior = w.previous if i == previous else 0.0
    return Hit(i, float(fused[best]) + bonus + prior, int(first + best), fused, float(sent_cos.max()), q_cos,
               qvec, bm25_s[first:last], bonus, prior)


def passage_pair_leads(index: Index, hit: Hit, w: Weights = Weights(), singles: np.ndarray | None = None) -> np.ndarray:
    """pair_leads for the sentences of a hit's passage; `singles` (a boolean mask) names the
    sentences that may be an answer alone (default: all), the best of which a pair must beat."""
    if hit.qvec is None or hit.bm25 is None:
        return np.zeros(0)
    vecs = index.vectors[index.first_sentence[hit.passage]:index.first_sentence[hit.passage + 1]]
    sentence = vecs @ hit.qvec + w.bm25 * hit.bm25
    if singles is not None and singles.any():
        sentence = np.where(singles, sentence, -np.inf)
    return pair_leads(vecs, hit.qvec, hit.bm25, sentence, w)


def pair_leads(vecs: np.ndarray, qvec: np.ndarray, bm25: np.ndarray, sentence: np.ndarray, w: Weights) -> np.ndarray:
    """How two neighbouring sentences match the question together, over the best single sentence.

    A pair is embedded as the normalised sum of its sentences' vectors (no extra model call) and
    scored like a sentence (cosine + w_bm25 * the better BM25 of the two). Documents often name the
    topic in one sentence and answer in the next ("max_buffer_size limits the buffer. It is also
    used to limit list sizes."): the pair then matches better than either sentence alone."""
    if len(vecs) < 2:
        return np.zeros(0)
    pairs = vecs[:-1] + vecs[1:]
    cos = (pairs @ qvec) / np.maximum(np.linalg.norm(pairs, axis=1), 1e-9)
    return cos + w.bm25 * np.maximum(bm25[:-1], bm25[1:]) - float(sentence.max())
