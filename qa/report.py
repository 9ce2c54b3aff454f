"""The curation report: what people asked that the bot could not answer, and the answers they
voted down, each with the FAQ entry nearest to it and a ready-to-paste alternates entry.

Shared by `qa report` and GET /api/report. The nearest entry is found with the engine's own
question embedding: the FAQ question closest to the asked question (cosine), or, in a corpus
without FAQ entries, the best passage for it. A question far from every entry (similarity below
FAR) gets a note in its snippet: the documents may need a new entry rather than an alternate; one
below CHECK a note to check first that the entry answers it (pasted, the question gets that entry's
answer). A down-voted answer that came from the nearest entry gets no snippet: another phrasing
would change nothing. `alternates` joins every snippet into one block, each entry once.
"""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np

from qa.alternates import key_of, snippet, snippets
from qa.errors import QAError
from qa.schemas import NearestEntry, Report, ReportCounts, ReportItem

DEFAULT_LIMIT = 20
FAR = 0.35  # below this similarity the nearest entry is probably not what was asked
CHECK = 0.7  # below this, it may not answer the question: its snippet says to check first


def build(store, engine, limit: int = DEFAULT_LIMIT) -> Report:
    """`store` is a qa.store.Store, `engine` a qa.engine.Engine (one index build for the whole report)."""
    state = engine.state
    unanswered = [item(engine, state, q, n, last=at) for q, n, at in merged(store.unanswered(limit), latest)]
    downvoted = []
    for q, n, c in merged(store.downvoted(limit), concat):
        answer, at = store.last_down_vote(q) or (None, None)
        downvoted.append(item(engine, state, q, n, last=at, comments=c, answer=answer))
    return Report(generated_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                  counts=ReportCounts(**store.counts()), unanswered=unanswered, downvoted=downvoted,
                  alternates=combined(unanswered + downvoted))


def combined(items: list[ReportItem]) -> str:
    """One alternates.yaml block for all the items that have an entry to add to, each entry (key)
    once with all its new phrasings: pasted, it is valid (one key twice would make the file fail)."""
    entries: dict[str, tuple[str, list[str]]] = {}
    for it in items:
        near = it.nearest
        if near is None or near.similarity < FAR or not it.alternates or it.alternates.startswith(GAVE_IT):
            continue
        key = near.question or near.id
        _, phrasings = entries.setdefault(key_of(key), (key, []))
        if key_of(it.question) not in {key_of(p) for p in phrasings}:
            phrasings.append(it.question)
    return snippets([(key, phrasings) for key, phrasings in entries.values()])


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


GAVE_IT = "# the voted-down answer came from this entry"


def item(engine, state, question: str, count: int, last: str | None = None, comments: list[str] = (),
         answer: str | None = None) -> ReportItem:
    near = nearest(engine, state, question)
    entry = alternates_entry(question, near)
    if answer and near is not None:
        gave = state.index.passage_holding(answer)
        if gave is not None and state.index.passages[gave].id == near.id:  # another phrasing would change nothing
            entry = f"{GAVE_IT}: its answer needs a look, not another phrasing\n"
    return ReportItem(question=question, count=count, last=last, comments=list(comments), answer=answer,
                      nearest=near, alternates=entry)


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
    elif near.similarity < CHECK:
        text = (f"# check first that this entry answers it (similarity {near.similarity:.2f}): pasted, the "
                "question gets this entry's answer\n" + text)
    return text
