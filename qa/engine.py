"""The library's front door: settings in, answers out. The CLI and the API are thin layers on it."""

from __future__ import annotations

import re

import numpy as np

from qa import answer, build, retrieve
from qa.build import Log, stderr_log
from qa.calibration import Calibration
from qa.config import MAX_QUESTION_CHARS, Settings
from qa.embed import Embedder
from qa.errors import QuestionError
from qa.schemas import AskResponse
from qa.spelling import Speller, model_words

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_question(question: str) -> str:
    """Control characters out, white space folded; empty or too long is the caller's error."""
    q = " ".join(_CONTROL.sub(" ", question).split())
    if not q:
        raise QuestionError("The question is empty. Ask something, e.g. qa ask \"what is inference?\".")
    if len(q) > MAX_QUESTION_CHARS:
        raise QuestionError(f"The question is {len(q)} characters long; the limit is {MAX_QUESTION_CHARS}.")
    return q


class Engine:
    def __init__(self, settings: Settings, log: Log = stderr_log, embedder=None):
        """`embedder` overrides what embeds questions (and a build's passages); tests pass one in."""
        self.settings = settings
        self.embedder = embedder
        index, previous, reason = build.current(settings)
        if index is None:
            log(f"Building the index: {reason}.")
            index = build.update(settings, previous, lambda: embedder or Embedder(settings.model_path()), log)
        self.index = index.warm()
        self.calibration = Calibration.load()
        self.speller = Speller([p.text for p in self.index.passages] + [p.section for p in self.index.passages],
                               model_words(self.index.manifest.get("model_path") or settings.model_path()))

    def warm(self) -> Engine:
        """Load the query model now instead of on the first question (servers call this)."""
        self._embedder().embed(["warm up"])
        return self

    def _embedder(self):
        if self.embedder is None:
            self.embedder = build.query_model(self.settings)
        return self.embedder

    def search(self, question: str, k: int) -> tuple[str, np.ndarray, list[retrieve.Hit]]:
        """The searched text (cleaned, typos repaired), its vector and the k best passages."""
        query = self.speller.correct(clean_question(question))
        qvec = self._embedder().embed([query])[0]
        return query, qvec, retrieve.search(self.index, qvec, query, k=k)

    def ask(self, question: str, top_k: int | None = None) -> AskResponse:
        q = clean_question(question)
        k = top_k or self.settings.top_k
        query, qvec, hits = self.search(q, max(k, 2))
        suggestions = answer.faq_suggestions(self.index, qvec)
        return answer.respond(self.index, hits, q, query, k, self.settings.corpus, self.calibration, suggestions)
