"""The library's front door: settings in, answers out. The CLI and the API are thin layers on it."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable

import numpy as np

from qa import answer, retrieve
from qa.calibration import Calibration
from qa.config import MAX_QUESTION_CHARS, Settings
from qa.corpus import fingerprint, load_corpus
from qa.embed import Embedder, model_fingerprint, model_name
from qa.errors import IndexError_, QuestionError
from qa.index import FORMAT_VERSION, Index
from qa.schemas import AskResponse
from qa.spelling import Speller, model_words

Log = Callable[[str], None]
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def stderr_log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def clean_question(question: str) -> str:
    """Control characters out, white space folded; empty or too long is the caller's error."""
    q = " ".join(_CONTROL.sub(" ", question).split())
    if not q:
        raise QuestionError("The question is empty. Ask something, e.g. qa ask \"what is inference?\".")
    if len(q) > MAX_QUESTION_CHARS:
        raise QuestionError(f"The question is {len(q)} characters long; the limit is {MAX_QUESTION_CHARS}.")
    return q


def stale_reason(settings: Settings) -> str | None:
    """Why the index in settings.index cannot serve the corpus as it is now, or None if it can."""
    if not (settings.index / "CURRENT").exists():
        return f"there is no index in '{settings.index}' yet"
    try:
        index = Index.load(settings.index)
    except IndexError_ as e:
        return str(e).rstrip(".")
    if index.manifest.get("corpus_hash") != fingerprint(settings.corpus, FORMAT_VERSION):
        return "the corpus changed since the index was built"
    if index.manifest.get("model_fingerprint") != model_fingerprint(settings.model_path()):
        return "the embedding model changed since the index was built"
    return None


def build_index(settings: Settings, embedder: Embedder | None = None, log: Log = stderr_log) -> Index:
    t0 = time.perf_counter()
    docs = load_corpus(settings.corpus, warn=stderr_log)
    embedder = embedder or Embedder(settings.model_path())
    info = {"model": model_name(embedder.path), "model_path": embedder.path,
            "model_fingerprint": model_fingerprint(embedder.path)}
    info["corpus_hash"] = fingerprint(settings.corpus, FORMAT_VERSION)
    index = Index.build(docs, embedder, info, progress=sys.stderr.isatty())
    index.save(settings.index)
    log(f"Indexed {len(docs)} documents, {len(index.passages)} passages into {settings.index} "
        f"in {time.perf_counter() - t0:.1f} s.")
    return index


class Engine:
    def __init__(self, settings: Settings, log: Log = stderr_log, embedder: Embedder | None = None):
        self.settings = settings
        self.embedder = embedder
        reason = stale_reason(settings)
        if reason:
            log(f"Building the index: {reason}.")
            self.index = build_index(settings, self._embedder(), log)
        else:
            self.index = Index.load(settings.index)
        self.index.warm()
        self.calibration = Calibration.load()
        self.speller = Speller([p.text for p in self.index.passages] + [p.section for p in self.index.passages],
                               model_words(self.index.manifest.get("model_path") or settings.model_path()))

    def warm(self) -> Engine:
        """Load the query model now instead of on the first question (servers call this)."""
        self._embedder().embed(["warm up"])
        return self

    def _embedder(self) -> Embedder:
        if self.embedder is None:
            self.embedder = Embedder(self.settings.model_path())
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
