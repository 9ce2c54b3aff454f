"""The curation report: what people asked that the bot could not answer, and the answers they
voted down, each with the FAQ entry nearest to it and a ready-to-paste alternates entry.

Shared by `qa report` and GET /api/report. The nearest entry is found with the engine's own
question embedding: the FAQ question closest to the asked question (cosine), or, in a corpus
without FAQ entries, the best passage for it. A question far from every entry (similarity below
FAR) gets a note in its snippet: the documents may need a new entry rather than an alternate.
"""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np

from qa.alternates import key_of, snippet
from qa.errors import QAError
from qa.schemas import NearestEntry, Report, ReportCounts, ReportItem

DEFAULT_LIMIT = 20
FAR = 0.35  # below this similarity the nearest entry is probably not what was asked


def build(store, engine, limit: int = DEFAULT_LIMIT) -> Report:
    """`store` is a qa.store.Store, `engine` a qa.engine.Engine (one index build for the whole report)."""
    state = engine.state
    unanswered = [item(engine, state, q, n, last=at) for q, n, at in merged(store.unanswered(limit), latest)]
    downvoted = [item(engine, state, q, n, comments=c) for q, n, c in merged(store.downvoted(limit), concat)]
    return Report(generated_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                  counts=ReportCounts(**store.counts()), unanswered=unanswered, downvoted=downvoted)


def latest(a: str | None, b: str | None) -> str | None:
    return max(a or "", b or "") or None


def concat(a: list[str], b: list[str]) -> list[str]:
    return a + [c for c in b if c not in a]


def merged(rows: list[tuple], join) -> list[tuple]:
    """The store groups questions by case and spacing; this also joins those differing only in the
    final "?" or in curly quotes. Rows are (question, count, extra); counts add up, `join` merges extras."""
    groups: dict[str, list] = {}
    for question, n, extra in rows:
        g = groups.setdefault(key_of(question), [question, 0, None])
        g[1] += n
        g[2] = extra if g[2] is None else join(g[2], extra)
    return sorted((tuple(g) for g in groups.values()), key=lambda g: -g[1])


def item(engine, state, question: str, count: int, last: str | None = None, comments: list[str] = ()) -> ReportItem:
    near = nearest(engine, state, question)
    return ReportItem(question=question, count=count, last=last, comments=list(comments), nearest=near,
                      alternates=alternates_entry(question, near))


def nearest(engine, state, question: str) -> NearestEntry | None:
    """The FAQ entry whose question is closest to `question`; without FAQ entries, the best passage."""
    try:
        _, qvec, hits = engine.search(question, 1, state)
    except QAError:  # a logged question that is no longer a valid one (e.g. longer than today's limit)
        return None
    index = state.index
    owners = index.question_owner
    if len(owners):
        sims = index.vectors[index.question_unit[owners]] @ qvec
        best = int(np.argmax(sims))
        p, sim = index.passages[int(owners[best])], float(sims[best])
    elif hits:
        p = index.passages[hits[0].passage]
        sim = float(index.vectors[index.n_sentences + hits[0].passage] @ qvec)
    else:
        return None
    return NearestEntry(id=p.id, question=p.question, section=p.section, similarity=round(sim, 4))


def alternates_entry(question: str, near: NearestEntry | None) -> str:
    """The alternates.yaml entry adding `question` to its nearest entry (keyed by FAQ question, else by id)."""
    if near is None:
        return ""
    text = snippet(near.question or near.id, [question])
    if near.similarity < FAR:
        text = (f"# far from every entry (similarity {near.similarity:.2f}): the documents may need a new entry "
                "rather than an alternate\n" + text)
    return text
