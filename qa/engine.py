"""The library's front door: settings in, answers out. The CLI and the API are thin layers on it."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa import answer, build, conversation, retrieve
from qa.alternates import Alternates
from qa.build import Log, stderr_log
from qa.calibration import Calibration
from qa.config import MAX_QUESTION_CHARS, Settings
from qa.corpus import leaf_path
from qa.errors import QAError, QuestionError
from qa.index import Index, current_build
from qa.schemas import VISIBLE_TEXT, AskResponse
from qa.spelling import Speller, model_words

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# The common invisible format characters (zero-width space, word joiner, BOM, soft hyphen, bidi
# controls: qa.schemas.INVISIBLE_FORMAT) carry nothing to search for and are dropped, except the
# joiners that shape emoji sequences and Indic or Persian script. A question needs some other
# character: the same rule as the API's schema (VISIBLE_TEXT), so that what the schema accepts the
# engine answers, and the other way round.
_DROP_FORMAT = re.compile(r"[\xad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")
_VISIBLE = re.compile(VISIBLE_TEXT)


def clean_question(question: str) -> str:
    """Control and format characters out, white space folded; empty, not UTF-8 or too long is the
    caller's error (QuestionError)."""
    try:
        question.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: what Python makes of bytes that are not UTF-8
        raise QuestionError("The question is not valid UTF-8 text; check the terminal's or the file's "
                            "encoding.") from None
    q = " ".join(_DROP_FORMAT.sub("", _CONTROL.sub(" ", question)).split())
    if not _VISIBLE.search(q):
        why = ": it has no visible character" if q else ""
        raise QuestionError(f"The question is empty{why}. Ask something, e.g. qa ask \"what is inference?\".")
    if len(q) > MAX_QUESTION_CHARS:
        raise QuestionError(f"The question is {len(q)} characters long; the limit is {MAX_QUESTION_CHARS}.")
    return q


@dataclass(frozen=True)
class State:
    """Everything that belongs to one index build; swapped whole when a new build appears."""

    index: Index
    speller: Speller
    build: str  # the build's folder name, from the index folder's CURRENT file
    alternates: Alternates  # curated synonyms, added to questions that use one of their phrases

    @classmethod
    def of(cls, index: Index, settings: Settings) -> State:
        words = model_words(index.manifest.get("model_path") or settings.model_path())
        texts = [p.text for p in index.passages] + [p.section for p in index.passages]
        alts = build.load_alternates(settings.corpus, stderr_log) if index.manifest.get("alternates_sha") else Alternates()
        return cls(index.warm(), Speller(texts, words), index.build_name, alts)


class Engine:
    def __init__(self, settings: Settings, log: Log = stderr_log, embedder=None):
        """`embedder` overrides what embeds questions (and a build's passages); tests pass one in."""
        self.settings = settings
        self.embedder = embedder
        self.log = log
        self.state = State.of(build.ensure(settings, log, embedder), settings)
        self.calibration = Calibration.load()
        self._reload_lock = threading.Lock()

    @property
    def index(self) -> Index:
        return self.state.index

    def warm(self) -> Engine:
        """Get ready to serve: load the query model now, not on the first question, and let
        concurrent questions share model calls (qa.batcher)."""
        from qa.batcher import BatchingEmbedder

        if not isinstance(self._embedder(), BatchingEmbedder):
            self.embedder = BatchingEmbedder(self._embedder())
        self.embedder.embed(["warm up"])
        return self

    def reload(self) -> bool:
        """Switch to the build the index folder names now, if it is another one (e.g. after `qa index`).

        Requests already running finish on the state they started with; the switch is one assignment.
        Returns whether it switched.
        """
        with self._reload_lock:
            try:
                name = current_build(self.settings.index).name
                if name == self.state.build:
                    return False
                self.state = State.of(Index.load(self.settings.index), self.settings)
            except QAError as e:
                self.log(f"warning: kept the index in use: {e}")
                return False
        self.log(f"Switched to index build {self.state.build}.")
        return True

    def document_ids(self, names: list[str], state: State | None = None) -> list[str]:
        """Document ids for names that are ids, or paths to documents of the corpus as `qa ask` prints
        them in `source` (relative to the working directory, or absolute). Unknown names are kept,
        for Index.scope to report."""
        index, corpus = (state or self.state).index, self.settings.corpus.resolve()
        out = []
        for name in names:
            if name not in index.doc_by_id:
                try:
                    rel = leaf_path(Path(name)).relative_to(corpus).as_posix()
                    name = rel if rel in index.doc_by_id else name
                except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop (Python 3.11)
                    pass
            out.append(name)
        return out

    def page_of(self, citation) -> int | None:
        """The page a citation begins on, for a document that has pages (a PDF); else None."""
        doc = self.index.document_of(citation.id)
        return doc.page_at(citation.start) if doc is not None else None

    def _embedder(self):
        if self.embedder is None:
            self.embedder = build.query_model(self.settings)
        return self.embedder

    def search(self, question: str, k: int, state: State | None = None, documents: list[str] | None = None,
               history: list | None = None) -> tuple[str, np.ndarray, list[retrieve.Hit]]:
        """The searched text (cleaned, typos repaired), its vector and the k best passages,
        from the named documents only when `documents` is given. With `history` (earlier turns,
        oldest first, each with .question and .answer), a follow-up question is searched with the
        salient terms of those turns added (qa.conversation), and the passage the last answer came
        from is preferred a little (qa.retrieve's `previous`); a standalone one exactly as without.
        A follow-up that names things of its own (qa.conversation.names_its_own) is searched alone
        too: then the whole candidate pool comes back, more than k, in the order of both searches
        (qa.retrieve.reorder), so that the confidence measures the top's lead against all of it."""
        state = state or self.state
        asked = query = state.speller.correct(clean_question(question))
        scope = state.index.scope(self.document_ids(documents, state)) if documents else None
        previous, alone = None, False
        past = conversation.turns(history)
        if past:  # before the synonyms, which could make a follow-up look like a standalone question
            query = conversation.search_text(query, past, state.index.vocabulary)
            if query != asked:  # a follow-up: where the last answer came from is a candidate too
                previous = state.index.passage_holding(past[-1].answer, scope)
                alone = conversation.names_its_own(asked, state.index.vocabulary)
        query = state.alternates.expand(query)
        if not alone:
            qvec = self._embedder().embed([query])[0]
            return query, qvec, retrieve.search(state.index, qvec, query, k=k, scope=scope, asked=asked,
                                                previous=previous)
        # a follow-up that names things of its own ("and python 2?"): ranked by both searches, with
        # the borrowed words and without them (qa.retrieve.reorder)
        own = state.alternates.expand(asked)
        qvec, ovec = self._embedder().embed([query, own])
        pool = max(k, retrieve.CANDIDATE_PASSAGES)
        hits = retrieve.reorder(retrieve.search(state.index, qvec, query, k=pool, scope=scope, asked=asked,
                                                previous=previous),
                                retrieve.search(state.index, ovec, own, k=pool, scope=scope, asked=asked))
        return query, qvec, hits

    @staticmethod
    def leans_on_a_decline(question: str, history: list | None, state: State) -> bool:
        """A follow-up to a turn the documents did not answer ("who is the CEO?" declined, then "where
        was he born?", "why?") that names nothing the documents know itself: what it asks about is
        what they do not hold, and the borrowed words would only find the passage nearest that. A
        follow-up that brings a known word ("how much are they raising?") is searched as usual."""
        past = conversation.turns(history)
        if not past or past[-1].answer.strip() != answer.NOT_ANSWERED:
            return False
        asked = state.speller.correct(question)
        known = state.index.vocabulary
        return not conversation.is_standalone(asked, past, known) and not conversation.read(asked, known).known

    def ask(self, question: str, top_k: int | None = None, documents: list[str] | None = None,
            history: list | None = None, state: State | None = None) -> AskResponse:
        """`state`: the build to answer from (default: the current one)."""
        state = state or self.state  # one build for the whole answer, even if a reload happens meanwhile
        q = clean_question(question)
        k = top_k or self.settings.top_k
        searched, qvec, hits = self.search(q, max(k, 2), state, documents, history)
        if self.leans_on_a_decline(q, history, state):
            hits = []  # declined, with suggestions, as any question the documents do not answer
        # the confidence weighs the question as asked, not the words borrowed for the search, except
        # that a name or number those words give ("who founded it?" after Baseten) is not an answer
        query = state.alternates.expand(state.speller.correct(q)) if history else searched
        return answer.respond(state.index, hits, q, query, k, self.settings.corpus, self.calibration,
                              lambda: answer.faq_suggestions(state.index, qvec), searched)
